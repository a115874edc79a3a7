// Red team (issue 10, part 6): DeltaJsonParser's shortcuts (a text matched by the template's prefix
// without searching, a content string without a backslash or control character taken as written)
// must still be JSON.parse: the same value, a fresh one each call, a SyntaxError exactly when
// JSON.parse throws. Each case runs a template into place (the same text around the content three
// times), then the attack, then a plain event again.
import { describe, expect, it } from 'vitest';
import { DeltaJsonParser } from 'anyllm/internal/plugins/delta-json.js';

/** Key order, own names (own `__proto__` too), -0 and prototypes written out, to compare two parses exactly. */
function canon(value: unknown): string {
  return JSON.stringify(value, function (_key, v: unknown) {
    if (Object.is(v, -0)) return '<-0>';
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Object.prototype) return '<foreign prototype>';
      return Object.fromEntries(Object.getOwnPropertyNames(v).map((k) => [k === '__proto__' ? '<own __proto__>' : k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

function check(texts: readonly string[]): void {
  const parser = new DeltaJsonParser();
  const seen: unknown[] = [];
  for (const text of texts) {
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      expect(() => parser.parse(text), text.slice(0, 200)).toThrow(SyntaxError);
      continue;
    }
    const value = parser.parse(text);
    expect(canon(value), text.slice(0, 200)).toBe(canon(expected));
    seen.push(value);
  }
  // Each a value of its own: changing one changes no other, nor what the parser gives next.
  for (const value of seen) if (typeof value === 'object' && value !== null) (value as Record<string, unknown>).id = 'changed';
  expect(new Set(seen.filter((v) => typeof v === 'object' && v !== null)).size).toBe(seen.filter((v) => typeof v === 'object' && v !== null).length);
  const again = texts.at(-1) as string;
  expect(canon(parser.parse(again))).toBe(canon(JSON.parse(again)));
}

const around = (before: string, after: string) => (content: string) => `${before}${content}${after}`;
const plain = around('{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":', '},"finish_reason":null}]}');
const warm = (make: (c: string) => string, attacks: string[]) => [make('"a"'), make('"b"'), make('"c"'), ...attacks.map(make), make('"z"')];

describe('DeltaJsonParser under the template shortcut', () => {
  it('takes lone surrogates, U+2028/2029, DEL and a 200 000-character content as JSON.parse does', () => {
    check(warm(plain, ['"\ud800"', '"x\udfff"', '"\udc00\ud800"', '"\u2028\u2029"', '"\u007f\u0080"', `"${'y'.repeat(200_000)}"`, `"${'é'.repeat(50_000)}\\n"`]));
  });

  it('throws a SyntaxError for every raw control character and every bad escape, and parses the good ones', () => {
    const controls = Array.from({ length: 32 }, (_, i) => `"a${String.fromCharCode(i)}b"`);
    check(warm(plain, [...controls, '"\\"', '"\\x41"', '"\\u12"', '"\\u12G4"', '"a\\"b"', '"\\\\"', '"\\\\\\""', '"\\/\\b\\f\\n\\r\\t\\u0041"', '"\\ud800"']));
  });

  it('parses a text whole when its content is not a string, or the text around it differs by a character', () => {
    check(warm(plain, ['1', 'null', '{"x":"y"}', '["q"]', '"a" ', ' "a"', '"a"}', '"a","x":"y"', '"a"}}]}']));
    check([plain('"a"'), plain('"b"'), plain('"c"'), `${plain('"d"')} `, `${plain('"e"')}x`, plain('"f"').replace('"x"', '"y"'), plain('"g"')]);
  });

  it('is not misled by "content" written with spaces, tabs, newlines or an escape, before or after the content', () => {
    const cases = [
      around('{"choices":[{"delta":{"content": ', '}}]}'),
      around('{"choices":[{"delta":{"content":', ',"content" : "fixed"}}]}'),
      around('{"choices":[{"delta":{"content":', ',"content"\t:"fixed"}}]}'),
      around('{"choices":[{"delta":{"content":', ',"content"\n:"fixed"}}]}'),
      around('{"choices":[{"delta":{"c\\u006fntent":"first","content":', '}}]}'),
      around('{"content" :{"choices":1},"choices":[{"delta":{"content":', '}}]}'),
      around('{"x":"content","choices":[{"delta":{"content":', '}}]}'),
      around('{"choices":[{"delta":{"content":', '}}],"choices":[{"delta":{"content":"fixed"}}]}'),
      around('{"choices":[{"delta":{"content":', '}}],"choices":[{"delta":{"role":"assistant"}}]}'),
      around('{"choices":[{"delta":{"content":', '},"delta":{"other":1}}]}'),
      around('{"choices":[{"delta":{"x":{"content":', '}}}]}'),
    ];
    for (const make of cases) check(warm(make, ['"d"', '"e\\"f"', '"\\u0063"']));
  });

  it('keeps own __proto__ keys own, at every depth, in every copy', () => {
    check(warm(around('{"__proto__":{"polluted":1},"choices":[{"__proto__":[1],"delta":{"__proto__":null,"content":', '}}]}'), ['"d"', '"e"']));
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
