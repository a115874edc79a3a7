// The helpers of a completion stream through the public API: finalChatCompletion(), toReadableStream()
// and accumulateChunks(), against a local server speaking OpenAI's wire format.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accumulateChunks,
  AnyLLM,
  ChunkAccumulator,
  completionStream,
  InvalidRequestError,
  ProviderError,
  type ChatCompletionChunk,
  type CompletionParams,
} from 'anyllm';
import { sseEvents } from './support/fixtures.js';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, syntheticStream, textChunk, trickle } from './support/openai-wire.js';

let server: LocalServer;
let deepseek: AnyLLM;
let openai: AnyLLM;
const messages: CompletionParams['messages'] = [{ role: 'user', content: 'Weather and time?' }];

const base = { id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1700000001, model: 'deepseek-chat' };
const wire = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
/** DeepSeek's stream: reasoning, then two tool calls whose argument fragments interleave, then usage. */
const reasoningToolStream = [
  wire({ role: 'assistant', content: null, reasoning_content: 'Two ' }),
  wire({ reasoning_content: 'lookups.' }),
  wire({ content: 'Checking.' }),
  wire({ tool_calls: [{ index: 0, id: 'call_w', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] }),
  wire({ tool_calls: [{ index: 1, id: 'call_t', type: 'function', function: { name: 'time', arguments: '{"zone"' } }] }),
  wire({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  wire({ tool_calls: [{ index: 1, function: { arguments: ':"CET"}' } }] }),
  wire({}, 'tool_calls'),
  { ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 } },
];
const expectedFinal = {
  id: 'chatcmpl-9',
  object: 'chat.completion',
  created: 1700000001,
  model: 'deepseek-chat',
  choices: [
    {
      index: 0,
      finish_reason: 'tool_calls',
      logprobs: null,
      message: {
        role: 'assistant',
        content: 'Checking.',
        refusal: null,
        reasoning: 'Two lookups.',
        tool_calls: [
          { id: 'call_w', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_t', type: 'function', function: { name: 'time', arguments: '{"zone":"CET"}' } },
        ],
      },
    },
  ],
  usage: { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('it resolved'),
    (error: unknown) => error,
  );
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

beforeAll(async () => {
  server = await LocalServer.start();
  deepseek = await AnyLLM.create('deepseek', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
  openai = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await Promise.all([deepseek.close(), openai.close()]);
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

describe('finalChatCompletion()', () => {
  it('reads the stream itself and assembles content, reasoning, tool calls merged by index, usage and finish_reason', async () => {
    onChat(server, (_req, res) => streamChunks(res, reasoningToolStream));
    const final = await deepseek.completionStream({ model: 'deepseek-chat', messages, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final).toEqual(expectedFinal);
  });

  it('called before a for-await loop, folds the chunks the loop reads (every chunk still reaches the loop)', async () => {
    onChat(server, (_req, res) => streamChunks(res, reasoningToolStream));
    const stream = deepseek.completionStream({ model: 'deepseek-chat', messages, stream_options: { include_usage: true } });
    const final = stream.finalChatCompletion();
    const seen: ChatCompletionChunk[] = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen.length).toBeGreaterThanOrEqual(reasoningToolStream.length - 1);
    expect(await final).toEqual(expectedFinal);
    expect(accumulateChunks(seen)).toEqual(expectedFinal);
  });

  it('refuses, with InvalidRequestError, once the stream was read without it (those chunks were not kept)', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(3)));
    const stream = openai.completionStream({ model: 'gpt-4o-mini', messages });
    await stream.next();
    const error = await rejection(stream.finalChatCompletion());
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/before the stream is read/);
    await stream.return();
  });

  it('the top-level completionStream() has it too', async () => {
    onChat(server, (_req, res) => streamChunks(res, reasoningToolStream));
    const final = await completionStream({ model: 'deepseek:deepseek-chat', messages }, { apiKey: 'sk-test', apiBase: `${server.origin}/v1` }).finalChatCompletion();
    expect(final).toEqual(expectedFinal);
  });
});

describe('toReadableStream()', () => {
  it('gives every chunk to a reader, in order, then closes', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(5)));
    const chunks = await readAll(openai.completionStream({ model: 'gpt-4o-mini', messages }).toReadableStream());
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('t0 t1 t2 t3 t4 ');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(5);
  });

  it("{ format: 'ndjson' } gives bytes, one JSON chunk per line (openai-node's form, for an HTTP body)", async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(2)));
    const body = await new Response(openai.completionStream({ model: 'gpt-4o-mini', messages }).toReadableStream({ format: 'ndjson' })).text();
    const lines = body.split('\n');
    expect(lines.at(-1)).toBe('');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as ChatCompletionChunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('t0 t1 ');
  });

  it('cancelling the reader midway cancels the upstream request (the server sees the client go)', async () => {
    onChat(server, (_req, res) => trickle(res, 5));
    const aborted = server.nextAbort();
    const reader = openai.completionStream({ model: 'gpt-4o-mini', messages }).toReadableStream().getReader();
    expect((await reader.read()).value?.choices[0].delta.content).toBe('w0 ');
    expect((await reader.read()).value?.choices[0].delta.content).toBe('w1 ');
    await reader.cancel();
    await aborted;
    expect(server.abortedResponses).toBeGreaterThan(0);
  });

  it('with finalChatCompletion() asked next, the reader gets the chunks and the final result still comes', async () => {
    onChat(server, (_req, res) => streamChunks(res, reasoningToolStream));
    const stream = completionStream({ model: 'deepseek:deepseek-chat', messages }, { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    const readable = stream.toReadableStream();
    const final = stream.finalChatCompletion();
    const chunks = await readAll(readable);
    expect(accumulateChunks(chunks)).toEqual(expectedFinal);
    expect(await final).toEqual(expectedFinal);
  });
});

describe('accumulateChunks()', () => {
  /** openai-python's recording of two parallel tool calls (test/fixtures/recorded/SOURCES.md). */
  const recorded = sseEvents('openai-python/f82268f2fefd.sse.txt')
    .map((event) => event.replace(/^data: /, ''))
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as ChatCompletionChunk);

  it('assembles a recorded OpenAI stream of two parallel tool calls', () => {
    const completion = accumulateChunks(recorded);
    expect(completion.id).toBe(recorded[0].id);
    expect(completion.model).toBe('gpt-4o-2024-08-06');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.content).toBeNull();
    expect(completion.choices[0].message.tool_calls).toEqual([
      { id: 'call_JMW1whyEaYG438VE1OIflxA2', type: 'function', function: { name: 'GetWeatherArgs', arguments: '{"city": "Edinburgh", "country": "GB", "units": "c"}' } },
      { id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', type: 'function', function: { name: 'get_stock_price', arguments: '{"ticker": "AAPL", "exchange": "NASDAQ"}' } },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 149, completion_tokens: 60, total_tokens: 209 });
  });

  it('keeps the last provider_data (each holds everything so far), merges custom tool input, and the ChunkAccumulator gives the same', () => {
    const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const chunks = [
      chunk({ role: 'assistant', reasoning: 'hm', provider_data: { anthropic: { blocks: [1] } } }),
      chunk({ tool_calls: [{ index: 0, id: 'call_c', type: 'custom', custom: { name: 'sql', input: 'SELECT ' } }], provider_data: { anthropic: { blocks: [1, 2] } } }),
      chunk({ tool_calls: [{ index: 0, custom: { input: '1' } }] }, 'tool_calls'),
    ];
    const completion = accumulateChunks(chunks);
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      reasoning: 'hm',
      provider_data: { anthropic: { blocks: [1, 2] } },
      tool_calls: [{ id: 'call_c', type: 'custom', custom: { name: 'sql', input: 'SELECT 1' } }],
    });
    const accumulator = new ChunkAccumulator();
    for (const c of chunks) accumulator.add(c);
    expect(accumulator.toChatCompletion()).toEqual(completion);
  });

  it('refuses, with ProviderError, chunks that cannot make a whole completion', () => {
    const cut = [textChunk('half') as unknown as ChatCompletionChunk];
    expect(() => accumulateChunks(cut)).toThrow(ProviderError);
    expect(() => accumulateChunks(cut)).toThrow(/choice 0 has no finish_reason/);
    // The recording with the first tool call's name taken out.
    const first = recorded.findIndex((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.name !== undefined);
    const nameless = recorded.map((c, i) =>
      i === first ? { ...c, choices: [{ ...c.choices[0], delta: { tool_calls: [{ index: 0, id: 'x', type: 'function' as const, function: { arguments: '' } }] } }] } : c,
    );
    expect(() => accumulateChunks(nameless)).toThrow(/tool_calls\[0\] has no name/);
    expect(() => accumulateChunks([])).toThrow(/no chunks/);
  });
});
