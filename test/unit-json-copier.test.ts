// JsonCopier: the token-event parser's copies of its template (src/plugins/delta-json.ts). Each copy
// must be what JSON.parse gives for the template's text, with objects of its own at every level,
// whatever was done to the copies before.
import { describe, expect, it } from 'vitest';
import { JsonCopier } from 'anyllm/internal/protocol/copy-json.js';

const TEXTS = [
  '{"id":"c","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}]}',
  '{"a":[1,[2,{"b":[]}],{"c":{"d":null}}],"e":"f","g":true,"h":{}}',
  '[{"x":1},[[{"y":[2]}]],3,"s",null]',
  '{"__proto__":{"polluted":true},"n":{"__proto__":[1,{"k":2}]}}',
];

describe('JsonCopier', () => {
  it.each(TEXTS)('copies %s as JSON.parse reads it, each copy with objects of its own', (text) => {
    const copier = new JsonCopier(JSON.parse(text) as object);
    const first = copier.copy();
    const second = copier.copy();
    expect(first).toStrictEqual(JSON.parse(text));
    expect(JSON.stringify(second)).toBe(JSON.stringify(JSON.parse(text)));
    const objects = (value: unknown): unknown[] =>
      typeof value === 'object' && value !== null ? [value, ...Object.values(value).flatMap(objects)] : [];
    const shared = objects(first).filter((object) => objects(second).includes(object));
    expect(shared).toEqual([]);
  });

  it('is not changed by what a caller does to a copy (a normaliser rewrites its chunk)', () => {
    const text = TEXTS[0];
    const copier = new JsonCopier(JSON.parse(text) as object);
    const chunk = copier.copy() as { choices: { delta: Record<string, unknown>; index: number }[]; id?: string };
    chunk.choices[0].delta.content = 'changed';
    chunk.choices[0].delta.reasoning = 'added';
    chunk.choices[0].index = 9;
    chunk.choices.push(chunk.choices[0]);
    delete chunk.id;
    expect(copier.copy()).toStrictEqual(JSON.parse(text));
  });

  it('keeps a "__proto__" key an own property at every level, never a prototype', () => {
    const copy = new JsonCopier(JSON.parse(TEXTS[3]) as object).copy() as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(copy.n)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy.n, '__proto__')?.value).toEqual([1, { k: 2 }]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
