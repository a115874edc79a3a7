// Red team (issue 10, third round): DeltaJsonParser (src/plugins/delta-json.ts) must be JSON.parse
// for any sequence of texts: the same value (key order, own __proto__ keys, -0), a fresh one each
// call, and a SyntaxError exactly when JSON.parse throws. A seeded differential fuzzer, and the
// inputs it found, each as a case of its own.
import { describe, expect, it, vi } from 'vitest';
import { DeltaJsonParser } from 'anyllm/internal/plugins/delta-json.js';
import { prng } from './support/prng.js';

/** JSON with key order, -0 and every object's prototype written out, to compare two parses exactly. */
function canon(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (Object.is(v, -0)) return '<-0>';
    if (typeof v === 'object' && v !== null) {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== Array.prototype) return '<foreign prototype>';
    }
    return v;
  });
}

/** Parses `texts` with one parser, each checked against JSON.parse; mutates every result after. */
function check(texts: readonly string[], count?: { parse: { mock: { calls: unknown[][] } }; rebuilt: number }): void {
  const parser = new DeltaJsonParser();
  for (const text of texts) {
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      expect(() => parser.parse(text), text).toThrow(SyntaxError);
      continue;
    }
    const start = count?.parse.mock.calls.length ?? 0;
    const got = parser.parse(text);
    if (count && !count.parse.mock.calls.slice(start).some(([arg]) => arg === text)) count.rebuilt++;
    expect(canon(got), text).toBe(canon(expected));
    vandalise(got);
  }
}

/** What a caller may do to a result: none of it may show in a later one. */
function vandalise(value: unknown, depth = 0): void {
  if (typeof value !== 'object' || value === null || depth > 8) return;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) vandalise(item, depth + 1);
    else (value as Record<string, unknown>)[key] = 'vandalised';
  }
  if (Array.isArray(value)) value.push('vandalised');
  else (value as Record<string, unknown>).vandalised = true;
}


/** String literals for a slot: escapes at either end, quotes and keys inside, and some invalid ones. */
const LITERALS = [
  '"a"', '""', '" "', '"\\""', '"\\\\"', '"x\\\\"', '"\\\\\\""', '"\\u0041"', '"\\ud800"', '"\\udc00x"', '"😀"', '"\u2028"',
  '"\\"content\\":\\"x"', '"content"', '"\\"content\\": \\"', '"\\/"', '"a\\nb"', '"\\t"',
  // Read as written (no escape, no control character): DEL, a lone surrogate, a pair, a long run.
  '"a\u007fb"', '"\ud800"', '"x\udc00"', '"\ud83d\ude00"', `"${'word '.repeat(40)}"`,
  // Not JSON: a raw newline, a bad escape, a short unicode escape, an unclosed string, raw controls.
  '"\n"', '"\\x"', '"\\u12"', '"\\"', '"a\u0000"', '"\tb"', '"\u001f"',
];
/** Ways a key named content is written: with spaces, on another line, escaped. */
const CONTENT_KEYS = ['"content":', '"content": ', '"content" :', '"content"\n:', '"content"\t: ', '"\\u0063ontent":', '"con\\u0074ent":', '"content":  '];
const OTHER_KEYS = ['"id":', '"x":', '"__proto__":', '"0":', '"1":', '"4294967295":', '"":', '"choices":', '"delta":', '"a\\"b":', '"contents":', '"Content":'];

/** A text with `SLOT` where a varying string literal goes; the first slot is the delta's content. */
function frame(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const ws = () => pick(['', '', '', ' ', '\n', '\t', ' \r\n ']);
  const value = (depth: number): string => {
    const r = random();
    if (depth > 3 || r < 0.35) return pick(['1', '-0', '0.5', '1e400', 'null', 'true', '"v"', '[]', '{}', 'SLOT', pick(LITERALS)]);
    if (r < 0.55) return `[${ws()}${value(depth + 1)}${ws()},${value(depth + 1)}]`;
    return object(depth + 1);
  };
  const member = (depth: number) => `${ws()}${random() < 0.3 ? pick(CONTENT_KEYS) : pick(OTHER_KEYS)}${ws()}${value(depth)}`;
  const object = (depth: number): string => {
    const members: string[] = [];
    const n = Math.floor(random() * 3);
    for (let i = 0; i < n; i++) members.push(member(depth));
    return `{${members.join(',')}${ws()}}`;
  };
  // The delta, with content where a stream puts it, and maybe another content key near it.
  const deltaMembers = [`${pick(['"content":', '"content":', '"content": ', pick(CONTENT_KEYS)])}SLOT`];
  if (random() < 0.5) deltaMembers.splice(random() < 0.5 ? 0 : 1, 0, member(2));
  if (random() < 0.3) deltaMembers.push(`${pick(CONTENT_KEYS)}${ws()}${value(3)}`);
  if (random() < 0.25) deltaMembers.splice(random() < 0.5 ? 0 : 1, 0, `"x":{${pick(CONTENT_KEYS)}SLOT}`);
  const choice = [`"index":0`, `"delta":{${deltaMembers.join(',')}}`];
  if (random() < 0.3) choice.splice(Math.floor(random() * 3), 0, member(1));
  const choices = [`{${choice.join(',')}}`];
  if (random() < 0.2) choices.push(object(1));
  const top = [`"id":"c1"`, `"model":"m"`, `"choices":[${choices.join(',')}]`];
  for (let i = Math.floor(random() * 3); i > 0; i--) top.splice(Math.floor(random() * (top.length + 1)), 0, member(0));
  return `${ws()}{${top.join(',')}}${ws()}`;
}

/** A stream over a few frames: runs of one frame with new content, other slots changing now and then. */
function stream(random: () => number): string[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const content = () => (random() < 0.6 ? JSON.stringify(`t${Math.floor(random() * 1000)}`) : pick(LITERALS));
  const frames = [frame(random), frame(random)];
  const texts: string[] = [];
  for (let run = 0; run < 4; run++) {
    const f = pick(frames);
    const slots = f.split('SLOT');
    const fixed = slots.map(() => content());
    const length = 2 + Math.floor(random() * 6);
    // Most runs change the delta's content; some another string, which may be the first after a "content":.
    const varying = random() < 0.7 ? 0 : Math.floor(random() * (slots.length - 1));
    for (let i = 0; i < length; i++) {
      fixed[varying] = content();
      if (random() < 0.2) fixed[1 + Math.floor(random() * Math.max(1, slots.length - 2))] = content();
      let text = slots[0] as string;
      for (let s = 1; s < slots.length; s++) text += `${fixed[s - 1] as string}${slots[s] as string}`;
      texts.push(random() < 0.05 ? text.slice(0, -1) : text);
    }
  }
  return texts;
}

describe('DeltaJsonParser against JSON.parse, fuzzed', () => {
  it('gives what JSON.parse gives for every text of 3 000 seeded streams', () => {
    // Counts the texts the parser rebuilt, not passing them whole to JSON.parse.
    const count = { parse: vi.spyOn(JSON, 'parse'), rebuilt: 0 };
    try {
      for (let seed = 1; seed <= 3000; seed++) check(stream(prng(seed)), count);
    } finally {
      count.parse.mockRestore();
    }
    // The shortcut is taken often enough for the comparison to mean something.
    expect(count.rebuilt).toBeGreaterThan(2000);
  });
});

describe('texts the fuzzer found', () => {
  it('takes the delta\'s content from its key written with a space before the colon, not from an earlier "content":', () => {
    // The first `"content":` is the chunk's own key; the delta's is `"content" :`, which JSON.parse reads the same.
    check(['a', 'b', 'X'].map((c) => `{"content":"${c}","choices":[{"delta":{"content" :"z"}}]}`));
  });

  it('keeps the last of two content keys in the delta when the second has a space before its colon', () => {
    check(['a', 'b', 'c'].map((c) => `{"choices":[{"index":0,"delta":{"content":"${c}","content" :"last"}}]}`));
  });

  it('takes the content of the delta written "content" :, not of an object nested after it', () => {
    check(['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"content" :"delta's","x":{"content":"${c}"}}}]}`));
  });

  it('takes the content of the delta, not of an object nested in it ahead of a content key on another line', () => {
    check(['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"x":{"content":"${c}"},"content"\n:"delta's"}}]}`));
  });
});
