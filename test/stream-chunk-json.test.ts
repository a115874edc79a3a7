// A stream chunk is serialised once in the plugin, when it is pushed (unit-chunk-sender.test.ts):
// in every tier a chunk is still taken as it was when yielded, text that JSON escapes arrives as
// it was, and a chunk with no JSON fails its own stream with a typed error while the plugin serves
// on (over stdio the sandbox's guard reads the same lines as before).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError, registerPlugin, type ChatCompletionChunk } from 'anyllm';
import { drain } from './support/faulty-plugin.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
/** As the fixture plugin streams them for 'escapes'. */
const ESCAPES = [
  'quote " backslash \\ slash /',
  'newline \n return \r tab \t',
  'nul \u0000 bell \u0007 del \u007f',
  'separators \u2028 \u2029',
  'lone \ud800 surrogate \udfff',
  'emoji 🌍 é',
  '</script>{"jsonrpc":"2.0"}',
];

describe.each(['worker', 'process', 'sandbox'] as const)('a plugin streaming awkward chunks (%s tier)', (isolation) => {
  let llm: AnyLLM;
  beforeAll(async () => {
    const name = await registerPlugin(fileURLToPath(new URL('./fixtures/plugins/chunk-shapes/', import.meta.url)));
    llm = await AnyLLM.create(name, { isolation, retry: false });
  });
  afterAll(() => llm.close());

  const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? chunk.choices[0]?.finish_reason);

  it('streams each state of one chunk object reused for every yield', async () => {
    const { chunks, error } = await drain(llm.completionStream({ model: 'reuse', messages }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toEqual(['a', 'b', 'c', 'stop']);
  });

  it('streams text that JSON escapes, as it was yielded', async () => {
    const { chunks, error } = await drain(llm.completionStream({ model: 'escapes', messages }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toEqual(ESCAPES);
    expect(chunks.map((chunk, i) => (chunk as unknown as Record<string, unknown>)[ESCAPES[i]])).toEqual(ESCAPES);
  });

  it.each(['bigint', 'cycle', 'string'])('ends a stream at a chunk with no JSON object (%s) with a typed error; the plugin serves on', async (model) => {
    const instance = (await llm.completion({ model: 'pid', messages })).choices[0].message.content;
    const beside = drain(llm.completionStream({ model: 'slow:30', messages }));
    const { chunks, error } = await drain(llm.completionStream({ model, messages }));
    // Of the chunks before it, those the consumer had not taken yet are dropped: an error surfaces at once (chunk-stream.ts).
    expect(['one', 'two'].slice(0, chunks.length)).toEqual(text(chunks));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'unserialisable_chunk', provider: 'chunkshapes' });
    expect((error as Error).message).toMatch(/chunk 3\b/);
    const other = await beside;
    expect(other.error).toBeUndefined();
    expect(text(other.chunks)).toEqual(Array.from({ length: 30 }, (_, i) => `s${i} `));
    // The same plugin answers (not a restarted one).
    expect((await llm.completion({ model: 'pid', messages })).choices[0].message.content).toBe(instance);
  });
});
