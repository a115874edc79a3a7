import { describe, expect, it } from 'vitest';
import { decodeChunkBatch, encodeChunkBatch } from 'anyllm/internal/protocol/chunk-batch.js';
import type { ChatCompletionChunk } from 'anyllm';

function token(content: string, extra: Record<string, unknown> = {}): ChatCompletionChunk {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_1',
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
    ...extra,
  } as ChatCompletionChunk;
}

const roundTrip = (chunks: ChatCompletionChunk[]) => decodeChunkBatch(encodeChunkBatch(chunks));

describe('a JSON chunk batch', () => {
  it('sends a token that only changes the content as its text, and the receiver gets the whole chunk back', () => {
    const chunks = [token('Hello'), token(', '), token('world'), token('!')];
    const text = encodeChunkBatch(chunks);
    expect(JSON.parse(text)).toEqual([chunks[0], ', ', 'world', '!']);
    expect(text.length).toBeLessThan(JSON.stringify(chunks).length / 2);
    expect(decodeChunkBatch(text)).toEqual(chunks);
  });

  it('gives every rebuilt chunk objects of its own', () => {
    const [a, b, c] = roundTrip([token('a'), token('b'), token('c')])!;
    b.choices[0].delta.content = 'changed';
    (b.choices[0] as { logprobs: unknown }).logprobs = { content: [] };
    expect(a.choices[0].delta.content).toBe('a');
    expect(c.choices[0].delta.content).toBe('c');
    expect(a.choices).not.toBe(c.choices);
    expect(a.choices[0].logprobs).toBeNull();
    expect(c.choices[0].logprobs).toBeNull();
  });

  it('keeps key order, so a rebuilt chunk serialises exactly as the plugin sent it', () => {
    const chunks = [token('x'), token('y'), token('z')];
    const back = roundTrip(chunks)!;
    expect(back.map((chunk) => JSON.stringify(chunk))).toEqual(chunks.map((chunk) => JSON.stringify(chunk)));
  });

  it('sends in full a chunk that differs anywhere else, and takes the next template from it', () => {
    const chunks = [
      token('a'),
      token('b', { id: 'chatcmpl-2' }),
      token('c', { id: 'chatcmpl-2' }),
      token('', { choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }),
      token('', { choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } }),
      token('d', { id: 'chatcmpl-2' }),
    ];
    const items = JSON.parse(encodeChunkBatch(chunks)) as unknown[];
    // The receiver's template is the last object item: a token after a finish or usage chunk goes in full.
    expect(items.map((item) => typeof item)).toEqual(['object', 'object', 'string', 'object', 'object', 'object']);
    expect(roundTrip(chunks)).toEqual(chunks);
  });

  it('sends in full what is not a one-choice content chunk: tool calls, reasoning, several choices', () => {
    const tool = token('', { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }, finish_reason: null }] });
    const reasoning = token('', { choices: [{ index: 0, delta: { reasoning: 'thinking' }, finish_reason: null }] });
    const two = token('', { choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }, { index: 1, delta: { content: 'b' }, finish_reason: null }] });
    const chunks = [tool, tool, reasoning, reasoning, two, two];
    expect((JSON.parse(encodeChunkBatch(chunks)) as unknown[]).every((item) => typeof item === 'object')).toBe(true);
    expect(roundTrip(chunks)).toEqual(chunks);
  });

  it('carries content that needs escaping, and empty content, as text', () => {
    const chunks = [token('start'), token('"quoted" \\ back\nslash \u2028 ✓ 😀'), token(''), token('</script>')];
    expect(roundTrip(chunks)).toEqual(chunks);
  });

  it('leaves the plugin\'s chunks as they were, and sends a frozen one in full', () => {
    const chunks = [token('one'), token('two')];
    const before = JSON.stringify(chunks);
    encodeChunkBatch(chunks);
    expect(JSON.stringify(chunks)).toBe(before);
    const frozen = token('three');
    Object.freeze(frozen.choices[0].delta);
    const items = JSON.parse(encodeChunkBatch([token('one'), frozen])) as unknown[];
    expect(typeof items[1]).toBe('object');
    expect(frozen.choices[0].delta.content).toBe('three');
  });

  it('copies arrays of any JSON in a template: numbers, strings, null, nested arrays', () => {
    const extra = { tags: ['a', 1, null, true, [2, null]], choices: [{ index: 0, delta: { content: 'x', refusal: null }, logprobs: null, finish_reason: null }] };
    const chunks = [token('x', extra), token('y', { ...extra, choices: [{ ...extra.choices[0], delta: { content: 'y', refusal: null } }] })];
    expect(typeof (JSON.parse(encodeChunkBatch(chunks)) as unknown[])[1]).toBe('string');
    expect(roundTrip(chunks)).toEqual(chunks);
  });

  it('sends in full a first chunk that cannot be a template, and chunks whose choice or delta is not an object', () => {
    const frozen = token('one');
    Object.freeze(frozen.choices[0].delta);
    expect(roundTrip([frozen, token('two')])).toEqual([token('one'), token('two')]);
    const odd = [token('', { choices: [null] }), token('', { choices: [{ index: 0, delta: null }] }), token('', { choices: [{ index: 0, delta: 'text' }] })];
    expect(roundTrip(odd)).toEqual(odd);
  });

  it('sends in full chunks whose toJSON gives another shape, though their content would match', () => {
    const custom = (content: string) => Object.assign(token(content), { toJSON: () => ({ replaced: true }) });
    const chunks = [custom('a'), custom('b')];
    expect(roundTrip(chunks)).toEqual([{ replaced: true }, { replaced: true }]);
    // On a choice or a delta too.
    const onChoice = (content: string) => {
      const chunk = token(content);
      Object.assign(chunk.choices[0], { toJSON: () => ({ index: 0 }) });
      return chunk;
    };
    expect(roundTrip([onChoice('a'), onChoice('b')])).toEqual([token('', { choices: [{ index: 0 }] }), token('', { choices: [{ index: 0 }] })]);
    const onDelta = (content: string) => {
      const chunk = token(content);
      Object.assign(chunk.choices[0].delta, { toJSON: () => ({ role: 'assistant' }) });
      return chunk;
    };
    const plain = { index: 0, delta: { role: 'assistant' }, logprobs: null, finish_reason: null };
    expect(roundTrip([onDelta('a'), onDelta('b')])).toEqual([token('', { choices: [plain] }), token('', { choices: [plain] })]);
  });

  it('sends in full a chunk whose JSON comes from its own toJSON', () => {
    const custom = Object.assign(token('b'), { toJSON: () => ({ choices: [] }) });
    const chunks = [token('a'), custom, token('c')];
    const back = roundTrip(chunks)!;
    expect(back[1]).toEqual({ choices: [] });
    expect(back[2]).toEqual(token('c'));
  });

  it('keeps a __proto__ key an own property, as JSON.parse does, and never a prototype', () => {
    const text = '[{"__proto__":{"polluted":true},"choices":[{"index":0,"delta":{"content":"a"}}]},"b"]';
    const back = decodeChunkBatch(text)!;
    expect(Object.getPrototypeOf(back[1])).toBe(Object.prototype);
    expect(Object.hasOwn(back[1], '__proto__')).toBe(true);
    expect((back[1] as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('writes an item that has no JSON as null, which the receiver refuses', () => {
    const text = encodeChunkBatch([token('a'), undefined as unknown as ChatCompletionChunk]);
    expect(JSON.parse(text)).toEqual([token('a'), null]);
    expect(decodeChunkBatch(text)).toBeUndefined();
  });

  it('is refused when it is not a batch: not JSON, not an array, a string before any template, other items', () => {
    expect(decodeChunkBatch('[]')).toEqual([]);
    for (const text of ['[{"a":1}', '{"choices":[]}', '["orphan"]', '[{"choices":[]},"no template"]', '[1]', '[null]', '[[]]', '[true]']) {
      expect(decodeChunkBatch(text), text).toBeUndefined();
    }
  });
});
