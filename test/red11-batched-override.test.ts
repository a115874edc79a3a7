// Red team of chunk-batches.ts: "a subclass that overrides completionStream() ... its override
// always runs". An override that changes the base class's returned stream (replaces its
// Symbol.asyncIterator, spreads it into a new object, or inherits from it) instead of wrapping it
// in a generator still carries the base's batches (an own or inherited Symbol.for key); the
// runtime must read it chunk by chunk, through the override's iterator. A community plugin against
// a local OpenAI-wire server, in the worker tier and the sandbox.
import { symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, type CallEndEvent } from 'anyllm';
import { drain } from './support/faulty-plugin.js';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, textChunk } from './support/openai-wire.js';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/stream-batches-patched/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);
const words = ['alpha ', 'beta ', 'gamma'];

let server: LocalServer;
beforeAll(async () => {
  symlinkSync(fileURLToPath(new URL('../node_modules/openai', import.meta.url)), join(dirname(plugin.dir), 'openai'));
  server = await LocalServer.start();
  onChat(server, (_req, res) => streamChunks(res, words.map((w) => textChunk(w))));
});
afterAll(() => server.close());

describe.each(TIERS.filter(([tier]) => tier === 'worker' || tier.startsWith('sandbox')))("a completionStream() override that changes the base's stream (%s tier)", (_tier, options) => {
  it.each(['patch', 'spread', 'inherit'])('runs on every chunk (%s)', async (model) => {
    const llm = await plugin.started({ ...options, apiBase: `${server.origin}/v1` });
    const seen: string[] = [];
    for await (const c of llm.completionStream({ model, messages })) if (c.choices[0]?.delta.content) seen.push(c.choices[0].delta.content);
    expect(seen).toEqual(words.map((w) => w.toUpperCase()));
  });

  it('delivers the batches before a failure of the batches, then ends with its error, and serves on', async () => {
    const llm = await plugin.started({ ...options, apiBase: `${server.origin}/v1` });
    const ends: CallEndEvent[] = [];
    llm.on('call:end', (e) => ends.push(e));
    const { chunks, error } = await drain(llm.completionStream({ model: 'throw-after', messages }));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/the batches broke/);
    expect(ends[0]).toMatchObject({ outcome: 'error', chunks: 3 });
    expect(['one ', 'two ', 'three'].slice(0, chunks.length)).toEqual(chunks.map((c) => c.choices[0].delta.content));
    expect((await drain(llm.completionStream({ model: 'm', messages }))).chunks.length).toBeGreaterThan(0);
    expect(llm.stats().starts).toBe(1);
  });

  it("reads the base class's own stream as before", async () => {
    const llm = await plugin.started({ ...options, apiBase: `${server.origin}/v1` });
    const seen: string[] = [];
    for await (const c of llm.completionStream({ model: 'm', messages })) if (c.choices[0]?.delta.content) seen.push(c.choices[0].delta.content);
    expect(seen).toEqual(words);
  });
});
