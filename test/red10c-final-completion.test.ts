// Red team 10c: stream chunks that pass every check of the host (in the sandbox, the channel
// guard's OpenAI shape check) and were built to hurt `finalChatCompletion()`, which folds them
// with the host's own ChunkAccumulator. A choice or tool call at index 4294967294 (a whole number,
// as the check asks) made the fold walk a sparse array of 4 G holes (~100 s of the host's main
// thread, and a `tool_calls` array 4 G long handed to the caller); logprobs whose content is a
// number, or 300 000 entries spread into one `push`, threw inside the fold, which left
// `finalChatCompletion()` pending forever and the call in flight. Each tier, the sandbox first.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accumulateChunks, PluginProtocolError, ProviderError, type AnyLLM, type ChatCompletionChunk } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/red10c-chunks/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const MAX_INDEX = 4294967294;
const plugin = useRegisteredCopy(source);


describe.each(TIERS)('finalChatCompletion() of a hostile stream (%s tier)', (_tier, options) => {
  const create = () => plugin.started(options);
  const final = (llm: AnyLLM, model: string) => llm.completionStream({ model, messages }).finalChatCompletion();

  it('folds a choice at index 4294967294 at once, into one choice', async () => {
    const llm = await create();
    const completion = await final(llm, `index:${MAX_INDEX}`);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({ index: MAX_INDEX, message: { content: 'x' }, finish_reason: 'stop' });
    // The plugin and the client go on.
    expect((await final(llm, 'ok')).choices[0].message.content).toBe('ok');
  });

  it('refuses a lone tool call at index 4294967294 as a stream with a gap, never a 4 G array', async () => {
    const llm = await create();
    const error = await final(llm, `tool-index:${MAX_INDEX}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'incomplete_stream', message: expect.stringMatching(/tool_calls\[0\] never came/) });
    expect((await final(llm, 'ok')).choices[0].message.content).toBe('ok');
  });

  it('settles when logprobs are not a list: a typed error, not a pending promise', async () => {
    const llm = await create();
    const error = await final(llm, 'logprobs-number').catch((e: unknown) => e);
    // The sandbox's guard refuses the chunk (and kills the plugin); the trusted tiers' fold refuses it.
    expect(error).toBeInstanceOf(options.isolation === 'sandbox' ? PluginProtocolError : ProviderError);
    expect((error as Error).message).toMatch(/logprobs\.content/);
    expect((await final(llm, 'ok')).choices[0].message.content).toBe('ok');
    expect(llm.stats().inFlight).toBe(0);
  });

  it('folds 300 000 logprob entries of one chunk', async () => {
    const llm = await create();
    const completion = await final(llm, 'logprobs-wide:300000');
    expect(completion.choices[0].logprobs?.content).toHaveLength(300_000);
  });
});

describe('accumulateChunks() on chunks the caller got elsewhere', () => {
  const chunk = (choice: object): ChatCompletionChunk =>
    ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: null, ...choice }] }) as ChatCompletionChunk;

  it('orders choices by index whatever order they came in, and skips gaps between them', () => {
    const result = accumulateChunks([
      chunk({ index: 7, delta: { content: 'b' }, finish_reason: 'stop' }),
      chunk({ index: 2, delta: { content: 'a' }, finish_reason: 'length' }),
    ]);
    expect(result.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [2, 'a', 'length'],
      [7, 'b', 'stop'],
    ]);
  });

  it('refuses tool calls with a gap in their indexes', () => {
    const call = (index: number, id: string) => ({ index, id, type: 'function', function: { name: 'f', arguments: '' } });
    expect(() =>
      accumulateChunks([chunk({ delta: { tool_calls: [call(0, 'a'), call(2, 'c')] }, finish_reason: 'tool_calls' })]),
    ).toThrow(/tool_calls\[1\] never came/);
  });
});
