import { describe, expect, it } from 'vitest';
import { ChunkBatchWriter, chunkJson, decodeChunkBatch, encodeChunkBatch } from 'anyllm/internal/protocol/chunk-batch.js';
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

  it('leaves the plugin\'s chunks as they were, and sends a frozen one as its text too (it never writes to them)', () => {
    const chunks = [token('one'), token('two')];
    const before = JSON.stringify(chunks);
    encodeChunkBatch(chunks);
    expect(JSON.stringify(chunks)).toBe(before);
    const frozen = Object.freeze(token('three'));
    Object.freeze(frozen.choices);
    Object.freeze(frozen.choices[0]);
    Object.freeze(frozen.choices[0].delta);
    const text = encodeChunkBatch([token('one'), frozen]);
    expect((JSON.parse(text) as unknown[])[1]).toBe('three');
    expect(decodeChunkBatch(text)).toEqual([token('one'), token('three')]);
  });

  it('gives the receiver exactly the JSON of every chunk, whatever else in it changes from one to the next', () => {
    // A seeded walk through chunks that differ from the one before in one place each: a value of
    // another JSON type or none (undefined, a function), a non-finite number, a Date, a class
    // instance, a toJSON deep inside, keys in another order, the delta reused elsewhere in the
    // chunk, a second choice. Whatever the writer sends as text must rebuild to the chunk's JSON.
    let seed = 7;
    const draw = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    class Tag {
      readonly name: string;
      constructor(name: string) {
        this.name = name;
      }
    }
    const values: unknown[] = ['fp_1', 'fp_2', 0, -0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, null, true, false, undefined, () => 1, new Date(0), new Tag('x'), { toJSON: () => 'json' }, [1, undefined], [1, null], { 0: 1, 1: null }, [], {}, { a: { b: [null] } }, Object.assign(Object.create({ inherited: 1 }), { own: 2 }), new Map([[1, 2]]), ['x', 'y'], ['x', 'z'], { a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2, b: 2 }, [{ a: 1 }], [{ a: 2 }]];
    const variants: ((chunk: Record<string, any>) => void)[] = [
      (chunk) => (chunk.system_fingerprint = values[draw(values.length)]),
      (chunk) => (chunk.choices[0].logprobs = values[draw(values.length)]),
      (chunk) => (chunk.choices[0].delta.refusal = values[draw(values.length)]),
      (chunk) => (chunk.usage = values[draw(values.length)]),
      (chunk) => (chunk.choices[0].delta = { refusal: null, content: chunk.choices[0].delta.content }),
      (chunk) => (chunk.choices[0] = { delta: chunk.choices[0].delta, index: 0, logprobs: null, finish_reason: null }),
      (chunk) => (chunk.echo = chunk.choices[0].delta),
      (chunk) => (chunk.choices[0].extra = { nested: { toJSON: () => ({ other: true }) } }),
      (chunk) => chunk.choices.push({ index: 1, delta: { content: 'second' }, logprobs: null, finish_reason: null }),
      // Most tokens change nothing but their content.
      ...Array.from({ length: 12 }, () => () => {}),
    ];
    const reused = token('');
    let asText = 0;
    for (let round = 0; round < 300; round++) {
      const writer = new ChunkBatchWriter();
      const expected: string[] = [];
      for (let i = 0; i < 12; i++) {
        // Now and then one object yielded again and again, changed in between.
        const chunk = (draw(4) === 0 ? reused : token('')) as unknown as Record<string, any>;
        if (chunk === reused) {
          chunk.choices = [{ index: 0, delta: { content: '' }, logprobs: null, finish_reason: null }];
          delete chunk.echo;
          delete chunk.usage;
        }
        variants[draw(variants.length)](chunk);
        if (draw(3) === 0) variants[draw(variants.length)](chunk);
        if (typeof chunk.choices[0].delta?.content === 'string') chunk.choices[0].delta.content = `t${round}-${i}`;
        writer.add(chunk as ChatCompletionChunk);
        // What this chunk's JSON was when it was added.
        expected.push(JSON.stringify(chunk));
      }
      const text = writer.take();
      const back = decodeChunkBatch(text);
      expect(back, text).toBeDefined();
      expect(back!.map((chunk) => JSON.stringify(chunk)), text).toEqual(expected);
      expect(text.length).toBeLessThanOrEqual(`[${expected.join(',')}]`.length);
      asText += (JSON.parse(text) as unknown[]).filter((item) => typeof item === 'string').length;
    }
    // The walk sent many chunks as their text (and so tested the rebuilding), not all in full.
    expect(asText).toBeGreaterThan(400);
  });

  it('sends in full a chunk where the template had an array and it has an object with the same keys', () => {
    const chunks = [token('a', { tags: ['x', 'y'] }), token('b', { tags: { 0: 'x', 1: 'y' } }), token('c', { tags: ['x', 'y'] })];
    const text = encodeChunkBatch(chunks);
    expect((JSON.parse(text) as unknown[]).map((item) => typeof item)).toEqual(['object', 'object', 'object']);
    expect(decodeChunkBatch(text)).toEqual(chunks);
  });

  // Each pair: the template's chunk, then one whose JSON differs from it only outside the content,
  // somewhere the comparison must look.
  const choice = (delta: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...more }] });
  class Fixed {
    readonly content: string;
    constructor(content: string) {
      this.content = content;
    }
    toJSON() {
      return { content: 'fixed' };
    }
  }
  const inherited = (content: string) => Object.assign(Object.create({ role: 'assistant' }) as Record<string, unknown>, { content });
  const differing: [string, (content: string) => Record<string, unknown>, (content: string) => Record<string, unknown>][] = [
    ['an array item', () => ({ tags: ['x', 'y'] }), () => ({ tags: ['x', 'z'] })],
    ['an array length', () => ({ tags: ['x'] }), () => ({ tags: ['x', 'y'] })],
    ['a shorter array', () => ({ tags: ['x', 'y'] }), () => ({ tags: ['x'] })],
    ['the value of an empty key', () => ({ meta: { '': 1 } }), () => ({ meta: { '': 2 } })],
    ['a nested value', () => ({ meta: { a: { b: 1 } } }), () => ({ meta: { a: { b: 2 } } })],
    ['nested keys in another order', () => ({ meta: { a: 1, b: 2 } }), () => ({ meta: { b: 2, a: 1 } })],
    ['a nested key more', () => ({ meta: { a: 1 } }), () => ({ meta: { a: 1, b: 2 } })],
    ['null against an object', () => ({ usage: null }), () => ({ usage: {} })],
    ['an object against null', () => ({ usage: {} }), () => ({ usage: null })],
    ['a string against a number', () => ({ meta: '1' }), () => ({ meta: 1 })],
    ['a value with no JSON', () => ({ meta: null }), () => ({ meta: undefined })],
    ['a top-level key more', () => ({}), () => ({ extra: true })],
    ['the choice\'s finish reason', (c) => choice({ content: c }), (c) => choice({ content: c }, { finish_reason: 'stop' })],
    ['a choice key more', (c) => choice({ content: c }), (c) => choice({ content: c }, { extra: 1 })],
    ['a delta key more', (c) => choice({ content: c }), (c) => choice({ role: 'assistant', content: c })],
    ['a delta key less', (c) => choice({ role: 'assistant', content: c }), (c) => choice({ content: c })],
    ['an inherited enumerable key on the delta', (c) => choice({ content: c }), (c) => choice(inherited(c))],
    ['a toJSON its delta\'s class has', (c) => choice({ content: c }), (c) => choice(new Fixed(c) as unknown as Record<string, unknown>)],
    ['a toJSON on the choices', (c) => choice({ content: c }), (c) => ({ choices: Object.assign([{ index: 0, delta: { content: c }, logprobs: null, finish_reason: null }], { toJSON: () => [] }) })],
  ];

  it.each(differing)('sends in full a chunk that differs from the template in %s', (_what, template, next) => {
    const chunks = [token('a', template('a')), token('b', next('b')), token('c', next('c'))];
    const text = encodeChunkBatch(chunks);
    expect(typeof (JSON.parse(text) as unknown[])[1]).toBe('object');
    expect(JSON.stringify(decodeChunkBatch(text))).toBe(JSON.stringify(chunks));
  });

  it('sends as text a chunk whose JSON is the template\'s, whatever objects make it (a class instance, -0)', () => {
    class Meta {
      readonly a = 1;
    }
    const chunks = [token('a', { meta: { a: 1 }, n: 0, tags: [null] }), token('b', { meta: new Meta(), n: -0, tags: [null] })];
    const text = encodeChunkBatch(chunks);
    expect((JSON.parse(text) as unknown[])[1]).toBe('b');
    expect(JSON.stringify(decodeChunkBatch(text))).toBe(JSON.stringify(chunks));
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

  it('refuses to write a chunk whose JSON is not an object (none, a string, an array, a number), and writes on', () => {
    const writer = new ChunkBatchWriter();
    writer.add(token('a'));
    for (const chunk of [undefined, 'b', new String('b'), { toJSON: () => 'b' }, [token('b')], 7, null]) {
      expect(() => writer.add(chunk as unknown as ChatCompletionChunk)).toThrow(TypeError);
    }
    writer.add(token('c'));
    expect(decodeChunkBatch(writer.take())).toEqual([token('a'), token('c')]);
  });

  it('is refused when it is not a batch: not JSON, not an array, a string before any template, other items', () => {
    expect(decodeChunkBatch('[]')).toEqual([]);
    for (const text of ['[{"a":1}', '{"choices":[]}', '["orphan"]', '[{"choices":[]},"no template"]', '[1]', '[null]', '[[]]', '[true]']) {
      expect(decodeChunkBatch(text), text).toBeUndefined();
    }
  });
});

describe('chunkJson', () => {
  it("is a chunk's JSON when it is an object's, and names what else it got in at most 40 characters", () => {
    expect(chunkJson({ id: 'c1', choices: [] } as unknown as ChatCompletionChunk)).toBe('{"id":"c1","choices":[]}');
    expect(() => chunkJson(undefined as never)).toThrow(new TypeError('its JSON is nothing'));
    // JSON of 40 characters is named whole; of 41, its first 40 and an ellipsis.
    const forty = 'a'.repeat(38);
    expect(() => chunkJson(forty as never)).toThrow(new TypeError(`its JSON is not an object ("${forty}")`));
    const fortyOne = 'a'.repeat(39);
    expect(() => chunkJson(fortyOne as never)).toThrow(new TypeError(`its JSON is not an object ("${'a'.repeat(39)}…)`));
    expect(() => chunkJson([1, 2] as never)).toThrow(new TypeError('its JSON is not an object ([1,2])'));
  });
});
