// The test suite's one stream accumulator (test/support/accumulate.ts) follows OpenAI's rules and
// refuses a stream that breaks them, so every provider test that folds a stream checks them too.
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionChunkChoice, CompletionUsage } from 'anyllm';
import { accumulate, StreamShapeError } from './support/accumulate.js';

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
const chunk = (...choices: Partial<ChatCompletionChunkChoice>[]): ChatCompletionChunk => ({
  ...base,
  choices: choices.map((c, i) => ({ index: i, delta: {}, finish_reason: null, ...c })),
});
const usage: CompletionUsage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };
const usageChunk: ChatCompletionChunk = { ...base, choices: [], usage };

/** Two calls streamed the way OpenAI does: id, type and name once, then argument pieces. */
const toolStream = (): ChatCompletionChunk[] => [
  chunk({ delta: { role: 'assistant', content: null } }),
  chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] } }),
  chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }),
  chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone"' } }] } }),
  chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }),
  chunk({ delta: { tool_calls: [{ index: 1, function: { arguments: ':"CET"}' } }] } }),
  chunk({ delta: {}, finish_reason: 'tool_calls' }),
  usageChunk,
];

describe('the stream accumulator', () => {
  it('keys tool-call fragments by index, takes id/type/name from the first and concatenates arguments', () => {
    const result = accumulate(toolStream());
    expect(result.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone":"CET"}' } },
      ],
    });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage).toEqual(usage);
    expect(result.toolDeltas.map((d) => [d.index, d.name])).toEqual([
      [0, 'get_weather'],
      [0, undefined],
      [1, 'get_time'],
      [0, undefined],
      [1, undefined],
    ]);
  });

  it('refuses a stream that repeats the name in every fragment (a concatenating client would call get_weatherget_weather)', () => {
    const repeating = toolStream().map((c) => ({
      ...c,
      choices: c.choices.map((choice) => ({
        ...choice,
        delta: {
          ...choice.delta,
          tool_calls: choice.delta.tool_calls?.map((t) => ({ ...t, function: { ...t.function, name: t.index === 0 ? 'get_weather' : 'get_time' } })),
        },
      })),
    }));
    expect(() => accumulate(repeating)).toThrow(StreamShapeError);
    expect(() => accumulate(repeating)).toThrow(/chunk 2: tool call 0 repeats function\.name/);
  });

  it('refuses a repeated id or type, and a call whose id, type or name never came', () => {
    const withRepeat = (extra: object) => {
      const chunks = toolStream();
      chunks[2] = chunk({ delta: { tool_calls: [{ index: 0, ...extra, function: { arguments: '{"city":' } }] } });
      return chunks;
    };
    expect(() => accumulate(withRepeat({ id: 'call_a' }))).toThrow(/repeats its id/);
    expect(() => accumulate(withRepeat({ type: 'function' }))).toThrow(/repeats its type/);

    const without = (drop: 'id' | 'type' | 'name') => {
      const chunks = toolStream();
      const first = { index: 0, id: 'call_a', type: 'function' as const, function: { name: 'get_weather', arguments: '' } };
      if (drop === 'name') first.function = { arguments: '' } as typeof first.function;
      else delete (first as Partial<typeof first>)[drop];
      chunks[1] = chunk({ delta: { tool_calls: [first] } });
      return chunks;
    };
    expect(() => accumulate(without('id'))).toThrow(/missing choices\[0\]\.tool_calls\[0\]\.id/);
    expect(() => accumulate(without('type'))).toThrow(/missing choices\[0\]\.tool_calls\[0\]\.type/);
    expect(() => accumulate(without('name'))).toThrow(/missing choices\[0\]\.tool_calls\[0\]\.function\.name/);
  });

  it('concatenates content and reasoning, keeps the last provider_data, and content null when none came', () => {
    const result = accumulate([
      chunk({ delta: { role: 'assistant', reasoning: 'Two and ' } }),
      chunk({ delta: { reasoning: 'two.', provider_data: { p: { n: 1 } } } }),
      chunk({ delta: { content: '4', provider_data: { p: { n: 2 } } } }),
      chunk({ delta: { content: '.' }, finish_reason: 'stop' }),
      usageChunk,
    ]);
    expect(result.message).toEqual({ role: 'assistant', content: '4.', reasoning: 'Two and two.', provider_data: { p: { n: 2 } } });
    expect(accumulate([chunk({ delta: { role: 'assistant' }, finish_reason: 'stop' })]).message.content).toBeNull();
  });

  it('keeps the finish reason per choice and refuses a second one for the same choice', () => {
    const result = accumulate([
      chunk({ index: 0, delta: { content: 'a' } }, { index: 1, delta: { content: 'b' } }),
      chunk({ index: 1, delta: {}, finish_reason: 'length' }),
      chunk({ index: 0, delta: {}, finish_reason: 'stop' }),
    ]);
    expect(result.choices.map((c) => [c.message.content, c.finishReason])).toEqual([
      ['a', 'stop'],
      ['b', 'length'],
    ]);
    expect(() => accumulate([chunk({ finish_reason: 'stop' }), chunk({ finish_reason: 'stop' })])).toThrow(/second finish_reason/);
  });

  it('takes usage only from a final chunk with empty choices', () => {
    const onFinish = [chunk({ delta: { content: 'a' } }), { ...chunk({ finish_reason: 'stop' }), usage }];
    expect(() => accumulate(onFinish)).toThrow(/usage on a chunk with choices/);
    expect(() => accumulate([{ ...chunk({ delta: { content: 'a' } }), usage }])).toThrow(/usage on a chunk with choices/);
    expect(() => accumulate([chunk({ finish_reason: 'stop' }), usageChunk, chunk({ delta: { content: 'late' } })])).toThrow(
      /after the usage chunk/,
    );
  });
});
