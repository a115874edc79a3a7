// A plugin parses each token event of a stream with DeltaJsonParser (src/plugins/delta-json.ts),
// which rebuilds an event that repeats the last ones around its content instead of parsing it
// whole. Whatever the text, what it returns must be what JSON.parse returns, a value of its own.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeltaJsonParser } from 'anyllm/internal/plugins/delta-json.js';

const token = (content: string, extra = '') =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m"${extra},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}`;

/** Parses every text with one parser and checks each result against JSON.parse. */
function expectSameAsJsonParse(texts: string[]): unknown[] {
  const parser = new DeltaJsonParser();
  return texts.map((text) => {
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      expect(() => parser.parse(text), text).toThrow(SyntaxError);
      return undefined;
    }
    const got = parser.parse(text);
    expect(JSON.stringify(got), text).toBe(JSON.stringify(expected));
    expect(got, text).toEqual(expected);
    return got;
  });
}

describe('parsing token events', () => {
  it('gives what JSON.parse gives for a stream of tokens, each a value of its own', () => {
    const values = expectSameAsJsonParse(['Hello', ', ', 'world', '!', '', '"quoted" \\ and \n 😀 \u2028'].map((c) => token(c))) as {
      choices: { delta: { content: string } }[];
    }[];
    expect(values[3]).not.toBe(values[4]);
    expect(values[3].choices[0]).not.toBe(values[4].choices[0]);
  });

  it('gives values of their own: what the caller does to one (a normaliser changes them) never reaches the next', () => {
    const parser = new DeltaJsonParser();
    type Chunk = { choices: { delta: { content: string; role?: string } }[]; extra?: number };
    for (let i = 0; i < 6; i++) {
      const value = parser.parse(token(`t${i}`)) as Chunk;
      expect(value).toEqual(JSON.parse(token(`t${i}`)));
      value.choices[0].delta.content = 'changed';
      value.choices[0].delta.role = 'assistant';
      value.choices.push({ delta: { content: 'more' } });
      value.extra = i;
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** How many of `texts` the parser parsed whole, each result checked against JSON.parse. */
  function parsedWhole(texts: string[]): number {
    const expected = texts.map((text) => JSON.parse(text) as unknown);
    const parse = vi.spyOn(JSON, 'parse');
    const parser = new DeltaJsonParser();
    const got = texts.map((text) => parser.parse(text));
    const whole = parse.mock.calls.filter(([text]) => texts.includes(text as string)).length;
    parse.mockRestore();
    expect(got).toEqual(expected);
    return whole;
  }

  it('parses a stream of tokens whole only until it has seen its text twice around the content', () => {
    const contents = ['Hello', ', ', 'wor"ld', 'a\\', 'b\\"', '', '😀', ' and', ' more', ' text'];
    expect(parsedWhole(contents.map((c) => token(c)))).toBe(2);
    // As Python's json.dumps writes it: a space after each colon and comma.
    const spaced = (c: string) => `{"id": "c1", "choices": [{"index": 0, "delta": {"content": ${JSON.stringify(c)}}, "finish_reason": null}]}`;
    expect(parsedWhole(contents.map(spaced))).toBe(2);
    // The text around the content changes every third token: two whole parses each time.
    expect(parsedWhole(Array.from({ length: 12 }, (_, i) => token(`t${i}`, `,"n":${Math.floor(i / 3)}`)))).toBe(8);
    // A token the shortcut must not take, between others: parsed whole, and the next two too.
    expect(parsedWhole([token('a'), token('b'), token('c'), '{"choices":[{"delta":{"content":"x","content":"y"}}]}', token('d'), token('e'), token('f')])).toBe(5);
  });

  it('reads a rebuilt content as written, and parses only one with an escape or a control character', () => {
    // Spaces, DEL, an emoji: written as they are, no escape.
    const texts = ['first', 'second', ' third', 'a b c', 'x\u007fy', '😀 ok', ' '].map((c) => token(c));
    const expected = texts.map((text) => JSON.parse(text) as unknown);
    const parser = new DeltaJsonParser();
    const parse = vi.spyOn(JSON, 'parse');
    const got = texts.map((text) => parser.parse(text));
    // The first two are parsed whole; from the third on nothing is parsed at all.
    expect(parse.mock.calls.map(([text]) => text)).toEqual(texts.slice(0, 2));
    // With an escape, only the content's literal is parsed.
    for (const content of ['q"q', 'tab\there', '\n', 'back\\slash']) {
      parse.mockClear();
      const text = token(content);
      expect(parser.parse(text)).toEqual(JSON.parse(text));
      expect(parse.mock.calls.map(([arg]) => arg).slice(0, 1)).toEqual([JSON.stringify(content)]);
    }
    // A raw control character is not JSON: it throws, as JSON.parse does for the whole text.
    const raw = token('aXb').replace('aXb', 'a\u0001b');
    expect(() => JSON.parse(raw)).toThrow(SyntaxError);
    expect(() => parser.parse(raw)).toThrow(SyntaxError);
    parse.mockRestore();
    expect(got).toEqual(expected);
  });

  it('throws as JSON.parse does for a text with the template around a content that is not a string', () => {
    const parser = new DeltaJsonParser();
    for (const c of ['a', 'b', 'c']) expect(parser.parse(token(c))).toEqual(JSON.parse(token(c)));
    // The template's text before and after, a number and a stray quote between them.
    const text = token('X').replace('"X"', '5"');
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parser.parse(text)).toThrow(SyntaxError);
    expect(parser.parse(token('d'))).toEqual(JSON.parse(token('d')));
  });

  it('gives what JSON.parse gives for a content key outside any choice, repeated', () => {
    const texts = ['a', 'b', 'c', 'd'].map((c) => `{"content":"${c}"}`);
    expect(parsedWhole(texts)).toBe(4);
  });

  it('parses whole what it cannot rebuild exactly, and still gives what JSON.parse gives', () => {
    const texts = [
      // Escapes around the content: a key there may not read as it is written.
      ...['a', 'b', 'c'].map((c) => `{"cont\\u0065nt":"zzz","choices":[{"delta":{"content":"${c}"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"content":"${c}"}}],"model":"x\\"y"}`),
      // Another "content": key, before or after.
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"content":"${c}"}}],"logprobs":{"content":[]}}`),
      ...['a', 'b', 'c'].map((c) => `{"message":{"content":"${c}"},"choices":[{"delta":{"content":"same"}}]}`),
      // The key twice: JSON.parse keeps the last, written as it reads or with an escape.
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"content":"${c}","content":"last"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"content":"${c}","cont\\u0065nt":"last"}}]}`),
      // The only "content": as written is in another key (a\"content); the delta's is escaped.
      ...['a', 'b', 'c'].map((c) => `{"a\\"content":"${c}","choices":[{"delta":{"cont\\u0065nt":"x"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"cont\\u0065nt":"x"}}],"a\\"content":"${c}"}`),
      // The content not the first choice's delta's.
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{"content":"${c}"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"role":"assistant"},"message":{"content":"${c}"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":{"delta":{"content":"${c}"}}}`),
      // What follows the content changes while what precedes it stays.
      ...[['a', 1], ['b', 2], ['c', 1], ['d', 2], ['e', 1]].map(([c, n]) => `{"choices":[{"delta":{"content":"${c}"}}],"n":${n}}`),
      // The first choice or its delta is not an object; the content is another key's.
      ...['a', 'b', 'c'].map((c) => `{"choices":[null],"m":{"content":"${c}"}}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":null}],"m":{"content":"${c}"}}`),
      ...['a', 'b', 'c'].map((c) => `null`),
      // Content that is not a string, then is.
      ...['null', '1', '"s"', '"t"', '"u"'].map((c) => `{"choices":[{"delta":{"content":${c}}}]}`),
      // Spaces as Python writes them, then none, then the key in another case.
      ...['a', 'b', 'c'].map((c) => `{"choices": [{"delta": {"content": "${c}"}}]}`),
      ...['a', 'b', 'c'].map((c) => `{"choices":[{"delta":{"Content":"${c}"}}]}`),
      // Escaped quotes and backslashes at the content's end.
      ...['a\\\\', 'b\\"', 'c\\\\\\"', 'd\\\\\\\\'].map((c) => `{"choices":[{"delta":{"content":"${c}"}}]}`),
      ...['a\\"', 'b\\"', 'c\\"', 'd\\"'].map((c) => `{"choices":[{"delta":{"content":"${c}"}}]}`),
      // __proto__ stays an own key.
      ...['a', 'b', 'c'].map((c) => `{"__proto__":{"polluted":true},"choices":[{"delta":{"content":"${c}"}}]}`),
    ];
    const values = expectSameAsJsonParse(texts);
    const last = values.at(-1) as Record<string, unknown>;
    expect(Object.hasOwn(last, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(last)).toBe(Object.prototype);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('throws as JSON.parse does when a repeated event is not JSON, and goes on after it', () => {
    expectSameAsJsonParse([
      token('a'),
      token('b'),
      token('c'),
      // A raw control character, a bad escape, a cut text: each around the same skeleton.
      token('d').replace('"d"', '"d\u0001"'),
      token('e').replace('"e"', '"\\x"'),
      token('f').slice(0, -1),
      token('g') + 'x',
      'x' + token('h'),
      token('i'),
      token('j'),
    ]);
  });

  it('gives what JSON.parse gives along a seeded walk of events that change anywhere', () => {
    let seed = 11;
    const draw = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const extras = ['', '', '', '', ',"system_fingerprint":"fp"', ',"usage":null', ',"x":"\\n"', ',"content":1', ',"y":{"content":"z"}', ',"model":"n"'];
    const contents = ['a', ' tok', '', '"', '\\', 'é😀', '\n', '\\"', '"content":"', 'x"y'];
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = token(contents[draw(contents.length)] + i, extras[draw(extras.length)]);
      // Now and then a text that is not JSON, or another event.
      const fault = draw(40);
      texts.push(fault === 0 ? text.slice(0, -2) : fault === 1 ? '{"choices":[]}' : text);
    }
    expectSameAsJsonParse(texts);
  });
});
