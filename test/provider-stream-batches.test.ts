// A stream on OpenAICompatibleProvider is read by the plugin runtime a batch at a time (the chunks
// of one read of the upstream body: src/plugins/chunk-batches.ts). What a user sees must not
// change: every chunk in order across several reads, a subclass's override of completionStream()
// honoured, an early leave closing the upstream, and a batch that is not an array a typed error
// after which the plugin serves on. A community plugin in each tier, against a local OpenAI-wire
// server that sends its body in several writes. The plugin's openai dependency is a symlink to
// this repository's copy, as pnpm lays packages out.
import { symlinkSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, type AnyLLM } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/stream-batches/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);
/** Content chunks per stream, written in WRITES parts a few milliseconds apart (so in several reads). */
const TOKENS = 150;
const WRITES = 3;
const token = (i: number) => ` tok${i}`;

let server: LocalServer;

const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
const chunk = (delta: object, finish: string | null = null) => ({
  id: 'chatcmpl-batches',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

async function sendStream(res: ServerResponse, hold: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const events = [event(chunk({ role: 'assistant', content: '' }))];
  for (let i = 0; i < TOKENS; i++) events.push(event(chunk({ content: token(i) })));
  events.push(event(chunk({}, 'stop')), event({ ...chunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: TOKENS, total_tokens: TOKENS + 3 } }));
  const body = events.join('');
  const part = Math.ceil(body.length / WRITES);
  for (let at = 0; at < body.length; at += part) {
    res.write(body.slice(at, at + part));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // 'hold': the first part only, then the response stays open until the client leaves.
    if (hold) return;
  }
  res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  // The plugin depends on openai, installed beside it as npm would (the sandbox grants only that).
  symlinkSync(fileURLToPath(new URL('../node_modules/openai', import.meta.url)), join(dirname(plugin.dir), 'openai'));
  server = await LocalServer.start();
  server.on('POST', '/v1/chat/completions', (request, res) => sendStream(res, (request.body as { model?: string }).model === 'hold'));
});
afterAll(() => server.close());

describe.each(TIERS)('a batched provider stream (%s tier)', (_tier, options) => {
  const create = () => plugin.started({ ...options, apiBase: `${server.origin}/v1` });
  const contents = async (llm: AnyLLM, model: string) => {
    const seen: string[] = [];
    let usage: unknown;
    for await (const c of llm.completionStream({ model, messages })) {
      const content = c.choices[0]?.delta.content;
      if (content) seen.push(content);
      if (c.usage) usage = c.usage;
    }
    return { seen, usage };
  };

  it('yields every chunk of every read, in order, and the usage at the end', async () => {
    const llm = await create();
    const { seen, usage } = await contents(llm, 'm');
    expect(seen).toEqual(Array.from({ length: TOKENS }, (_, i) => token(i)));
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: TOKENS, total_tokens: TOKENS + 3 });
  });

  it("runs a subclass's override of completionStream() on every chunk", async () => {
    const llm = await create();
    const { seen } = await contents(llm, 'shout');
    expect(seen).toEqual(Array.from({ length: TOKENS }, (_, i) => token(i).toUpperCase()));
  });

  it('closes the upstream response when the caller leaves after the first chunk', async () => {
    const llm = await create();
    const aborted = server.nextAbort();
    for await (const c of llm.completionStream({ model: 'hold', messages })) {
      expect(c.choices[0]?.delta.role).toBe('assistant');
      break;
    }
    await aborted;
    expect((await contents(llm, 'm')).seen).toHaveLength(TOKENS);
  });

  it('fails a batch that is not an array with a typed error, and the plugin serves on', async () => {
    const llm = await create();
    const error = await contents(llm, 'not-an-array').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'unserialisable_chunk', message: expect.stringMatching(/batch of chunks that is not an array \(string\)/) });
    expect((await contents(llm, 'm')).seen).toHaveLength(TOKENS);
    expect(llm.stats().starts).toBe(1);
  });
});
