// Red team (issue 10, third round): the JSON chunk batch (src/protocol/chunk-batch.ts). Whatever JS
// value a plugin yields, the host must get exactly JSON.parse(JSON.stringify(chunk)) as it was when
// added; a chunk whose JSON is not an object the writer refuses (its stream fails): never another chunk. A
// seeded differential fuzzer over exotic objects, and the values it found, each as a case of its own.
import { describe, expect, it } from 'vitest';
import { ChunkBatchWriter, decodeChunkBatch, MAX_TEMPLATE_CHARS } from 'anyllm/internal/protocol/chunk-batch.js';
import type { ChatCompletionChunk } from 'anyllm';
import { prng } from './support/prng.js';

type Obj = Record<PropertyKey, unknown>;
/** JSON.rawJSON (Node 21+), which the es2024 lib does not declare. */
const rawJSON = (JSON as unknown as { rawJSON: (text: string) => object }).rawJSON;

/** Adds each chunk, then checks the decoded batch against each chunk's JSON when it was added; returns the batch's text. */
function check(chunks: readonly unknown[], label = ''): string {
  const writer = new ChunkBatchWriter();
  const expected: string[] = [];
  for (const chunk of chunks) {
    let json: string | undefined;
    try {
      json = JSON.stringify(chunk) as string | undefined;
    } catch {
      expect(() => writer.add(chunk as ChatCompletionChunk), label).toThrow();
      continue;
    }
    // A chunk whose JSON is not an object has no item of its own: the writer refuses it (the
    // plugin's sender fails that stream), and the batch goes on without it.
    if (json === undefined || !json.startsWith('{')) {
      expect(() => writer.add(chunk as ChatCompletionChunk), label).toThrow(TypeError);
      continue;
    }
    writer.add(chunk as ChatCompletionChunk);
    expected.push(json);
  }
  const text = writer.take();
  const got = decodeChunkBatch(text);
  expect(got, `${label}\n${text}`).toBeDefined();
  // Compared as written again: a JSON.rawJSON's text is read as JSON.parse reads it.
  const want = expected.map((json) => JSON.parse(json) as unknown);
  expect(JSON.stringify(got), label).toBe(JSON.stringify(want));
  expect(got, label).toEqual(want);
  // Every decoded object is a plain one of its own (own __proto__ keys stay keys).
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    expect(seen.has(value), label).toBe(false);
    seen.add(value);
    expect([Object.prototype, Array.prototype]).toContain(Object.getPrototypeOf(value));
    for (const item of Object.values(value)) walk(item);
  };
  walk(got);
  return text;
}


const base = (content: unknown): Obj => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  system_fingerprint: null,
  choices: [{ index: 0, delta: { role: 'assistant', content }, logprobs: null, finish_reason: null }],
});

/** Replacements for an object that may or may not write the same JSON. */
const OBJECT_TRANSFORMS: ((o: Obj) => unknown)[] = [
  (o) => Object.assign(new (class Chunk {})(), o),
  (o) => Object.assign(Object.create({ inherited: 1 }) as Obj, o),
  (o) => new Proxy(o, {}),
  (o) => {
    // A virtual key: listed and described by the proxy, absent from its target.
    const virtual: Obj = { ...o, virt: 1 };
    return new Proxy(o, {
      ownKeys: () => Reflect.ownKeys(virtual),
      getOwnPropertyDescriptor: (_t, k) => Reflect.getOwnPropertyDescriptor(virtual, k),
      get: (_t, k) => virtual[k],
    });
  },
  (o) => {
    const key = Object.keys(o)[0];
    if (key === undefined) return o;
    const value = o[key];
    return Object.defineProperty({ ...o }, key, { get: () => value, enumerable: true, configurable: true });
  },
  (o) => Object.assign({ ...o }, { [Symbol('s')]: 1 }),
  (o) => Object.defineProperty({ ...o }, 'hidden', { value: 1, enumerable: false }),
  (o) => Object.assign({ ...o }, { toJSON: () => ({ ...o }) }),
  (o) => Object.assign({ ...o }, { toJSON: () => ({ other: 1 }) }),
  (o) => Object.assign(Object.create({ toJSON: () => 'proto toJSON' }) as Obj, o),
  (o) => Object.assign([], o),
  (o) => Object.assign(() => 1, o),
  (o) => Object.assign(new String(''), o),
  (o) => Object.assign(new String('ab'), o),
  (o) => Object.assign(new Number(7), o),
  (o) => Object.assign(new Boolean(false), o),
  (o) => Object.assign(new Uint8Array(0), o),
  (o) => Object.assign(new Uint8Array(2), o),
  (o) => Object.assign(new Date(0), o),
  (o) => rawJSON('5'),
  (o) => ({ rawJSON: '5' }),
  (o) => Object.assign({ '1': 'one', '0': 'zero' }, o),
  (o) => Object.assign({ ...o }, { '4294967295': 'x', '-0': 'y', '01': 'z' }),
  (o) => Object.defineProperty({ ...o }, '__proto__', { value: { a: 1 }, enumerable: true, writable: true, configurable: true }),
  (o) => ({ ...o, u: undefined, f: () => 1, s: Symbol('v') }),
  (o) => Object.fromEntries(Object.entries(o).reverse()),
  (o) => {
    const copy = { ...o };
    delete copy[Object.keys(copy)[0] ?? ''];
    return copy;
  },
  (o) => Object.freeze({ ...o }),
  (o) => [o, o],
  (o) => {
    const sparse: unknown[] = [];
    sparse[2] = o;
    return sparse;
  },
];
/** Replacements for a primitive: JSON that differs, or is the same from another value. */
const PRIMITIVES: unknown[] = [-0, 0, NaN, Infinity, -Infinity, 1e21, 5e-324, -1e-7, 2 ** 53 + 2, 'lone \ud800', '\udc00', '', null, undefined, true, () => 1, Symbol('p'), new String('m'), new Number(1), rawJSON('1E2'), rawJSON('1'), rawJSON('"m"'), 10n];

/** The objects of a chunk, with a way to replace each (the chunk itself has none). */
function places(chunk: Obj): [Obj, string][] {
  const out: [Obj, string][] = [];
  const walk = (o: Obj, depth: number) => {
    for (const key of Object.keys(o)) {
      out.push([o, key]);
      const value = o[key];
      if (depth < 4 && typeof value === 'object' && value !== null && !Object.isFrozen(value)) walk(value as Obj, depth + 1);
    }
  };
  walk(chunk, 0);
  return out;
}

function mutate(chunk: Obj, random: () => number): unknown {
  try {
    return mutateOnce(chunk, random);
  } catch {
    // A transform that does not apply here (a String's read-only index, a frozen object): as it was.
    return chunk;
  }
}

function mutateOnce(chunk: Obj, random: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const r = random();
  if (r < 0.08) return pick(OBJECT_TRANSFORMS)(chunk);
  if (r < 0.12) {
    // A delta shared elsewhere in the chunk.
    chunk.extra = ((chunk.choices as Obj[] | undefined)?.[0] as Obj | undefined)?.delta;
    return chunk;
  }
  const [owner, key] = pick(places(chunk));
  const value = owner[key];
  if (typeof value === 'object' && value !== null && random() < 0.7) owner[key] = pick(OBJECT_TRANSFORMS)(value as Obj);
  else owner[key] = random() < 0.3 ? structuredClone(value ?? null) : pick(PRIMITIVES);
  return chunk;
}

function batch(random: () => number): unknown[] {
  const chunks: unknown[] = [];
  // One object the plugin reuses, changed between yields.
  const reused = base('r');
  const length = 1 + Math.floor(random() * 12);
  for (let i = 0; i < length; i++) {
    const r = random();
    const content = random() < 0.1 ? '\ud800' : `t${i}`;
    if (r < 0.25) {
      const delta = ((reused.choices as Obj[] | undefined)?.[0] as Obj | undefined)?.delta as Obj | undefined;
      if (typeof delta === 'object' && delta !== null && !Object.isFrozen(delta)) delta.content = content;
      if (random() < 0.3) mutate(reused, random);
      chunks.push(reused);
    } else if (r < 0.55) chunks.push(base(content));
    else chunks.push(mutate(base(content), random));
  }
  return chunks;
}

describe('the JSON chunk batch against JSON.stringify, fuzzed', () => {
  it('gives the host every chunk of 4 000 seeded batches as its JSON when added; a chunk with no JSON object is refused as it is added', () => {
    let asText = 0;
    for (let seed = 1; seed <= 4000; seed++) {
      const random = prng(seed);
      // Checked as each is added: the reused object goes on changing after.
      const chunks = batch(random);
      const text = check(chunks, `seed ${seed}`);
      asText += (JSON.parse(text) as unknown[]).filter((item) => typeof item === 'string').length;
    }
    // Chunks go as text often enough for the comparison to mean something.
    expect(asText).toBeGreaterThan(4000);
  });
});

describe('values the fuzzer found', () => {
  const token = (content: string, delta: unknown = { content }) => ({ id: 'c1', choices: [{ index: 0, delta }] });

  it('sends in full a delta that is an array behind a Proxy that gives Object.prototype as its prototype', () => {
    const delta = new Proxy(Object.assign([], { content: 'b' }), { getPrototypeOf: () => Object.prototype });
    check([token('a'), token('b', delta)]);
  });

  it('sends in full a delta that is an array with a content property (its JSON is [])', () => {
    check([token('a'), token('b', Object.assign([], { content: 'b' }))]);
  });

  it('sends in full a chunk that is an array with the template\'s properties (its JSON is [], which the host refuses)', () => {
    check([token('a'), Object.assign([], token('b'))]);
  });

  it('sends in full a choice that is a function with the template\'s properties (its JSON is null)', () => {
    check([token('a'), { id: 'c1', choices: [Object.assign(() => 1, { index: 0, delta: { content: 'b' } })] }]);
  });

  it('sends in full boxed primitives with the template\'s properties (written as their primitive)', () => {
    check([token('a'), token('b', Object.assign(new String(''), { content: 'b' }))]);
    check([{ ...token('a'), x: { n: 1 } }, { ...token('b'), x: Object.assign(new Number(7), { n: 1 }) }]);
    check([{ ...token('a'), x: {} }, { ...token('b'), x: new Boolean(false) }]);
  });

  it('sends in full a JSON.rawJSON where the template had an object with a rawJSON key', () => {
    check([{ ...token('a'), x: { rawJSON: '5' } }, { ...token('b'), x: rawJSON('5') }]);
  });

  it('makes the host refuse a batch with a chunk whose JSON is a string, never read it as content', () => {
    check([token('a'), 'x']);
    check([token('a'), new String('x')]);
    check([token('a'), { toJSON: () => 'x' }]);
    check([token('a'), new Date(0)]);
  });

  it('takes no template that the host, writing it again, finds too large (a JSON.rawJSON number written short)', () => {
    // 1E20 is 4 characters in the item and 21 once parsed and written again, as the host measures it.
    const pad = (n: unknown) => ({ ...token('a'), n, pad: '' });
    const fill = MAX_TEMPLATE_CHARS - JSON.stringify(pad(rawJSON('1E20'))).length;
    const first = { ...pad(rawJSON('1E20')), pad: 'p'.repeat(fill) };
    expect(JSON.stringify(first).length).toBe(MAX_TEMPLATE_CHARS);
    check([first, { ...first, n: 1e20, choices: [{ index: 0, delta: { content: 'b' } }] }]);
  });
});
