/**
 * Where exactly the structure bound of src/protocol/json-bounds.ts falls: the container limit and
 * the depth limit at their value and one past it, for the decoded value and for the text scan, and
 * what does not count (primitives, nulls, brackets inside strings, closed siblings).
 */
import { describe, expect, it } from 'vitest';
import { checkStructure, MAX_DEPTH, scanStructure, TEXT_PER_CONTAINER } from 'anyllm/internal/protocol/json-bounds.js';

const empties = (n: number) => Array.from({ length: n }, () => ({}));
const nestedArrays = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
const nestedObjects = (depth: number) => JSON.parse('{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1)) as unknown;

describe('checkStructure limits', () => {
  it('the documented constants', () => {
    expect(TEXT_PER_CONTAINER).toBe(16);
    expect(MAX_DEPTH).toBe(64);
  });

  it('allows 64 + size/16 objects and arrays, not one more', () => {
    // 1 600 characters: 64 + 100 = 164 containers (the outer array is one of them).
    expect(checkStructure(empties(163), 1_600)).toBeUndefined();
    expect(checkStructure(empties(164), 1_600)).toBe('a value holding more than 164 objects and arrays for its 1600 characters');
    expect(checkStructure(empties(164), 1_615)).toBe('a value holding more than 164 objects and arrays for its 1615 characters');
    expect(checkStructure(empties(164), 1_616)).toBeUndefined();
    expect(checkStructure({ a: empties(62) }, 0)).toBeUndefined();
    expect(checkStructure({ a: empties(63) }, 0)).toMatch(/more than 64 objects/);
  });

  it('allows nesting 64 deep, not 65, for arrays and for objects', () => {
    expect(checkStructure(nestedArrays(64), 1e6)).toBeUndefined();
    expect(checkStructure(nestedArrays(65), 1e6)).toBe('a value nested deeper than 64');
    expect(checkStructure(nestedObjects(64), 1e6)).toBeUndefined();
    expect(checkStructure(nestedObjects(65), 1e6)).toBe('a value nested deeper than 64');
    expect(checkStructure({ a: [{ b: nestedObjects(62) }] }, 1e6)).toBe('a value nested deeper than 64');
  });

  it('counts only objects and arrays: numbers, strings and nulls are free', () => {
    expect(checkStructure(Array.from({ length: 500 }, (_, i) => i), 10)).toBeUndefined();
    expect(checkStructure(Array.from({ length: 500 }, () => null), 10)).toBeUndefined();
    expect(checkStructure(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i % 2 ? null : 'v'])), 10)).toBeUndefined();
    expect(checkStructure('text', 0)).toBeUndefined();
    expect(checkStructure(null, 0)).toBeUndefined();
    expect(checkStructure(7, 0)).toBeUndefined();
  });

  it('judges each value afresh (no state left from an earlier walk)', () => {
    expect(checkStructure(nestedArrays(100), 1e6)).toMatch(/nested deeper/);
    expect(checkStructure(empties(10), 0)).toBeUndefined();
    expect(checkStructure(empties(1000), 0)).toMatch(/more than 64/);
    expect(checkStructure([[]], 0)).toBeUndefined();
  });
});

describe('scanStructure limits', () => {
  const padded = (body: string, size: number) => {
    const text = `{"p":"${'_'.repeat(Math.max(0, size - body.length - 13))}","b":${body}}`;
    return text;
  };

  it('allows 64 + length/16 containers, not one more', () => {
    const at = (n: number) => `[${Array.from({ length: n }, () => '{}').join(',')}]`;
    // 200 empty objects in one array: 201 containers; 3 216 characters allow 64 + 201 = 265.
    expect(scanStructure(at(200))).toMatch(/more than 101 objects and arrays for its 601 characters/);
    const text = padded(at(200), 3_216);
    expect(text.length).toBe(3_216);
    // 202 containers (the envelope object too) under a limit of 265.
    expect(scanStructure(text)).toBeUndefined();
    // Exactly at the limit and one past it: 64 + floor(1 024 / 16) = 128 containers.
    const exact = (containers: number) => {
      const body = `[${Array.from({ length: containers - 2 }, () => '[]').join(',')}]`;
      return padded(body, 1_024);
    };
    expect(exact(128).length).toBe(1_024);
    expect(scanStructure(exact(128))).toBeUndefined();
    expect(scanStructure(exact(129))).toBe('a value holding more than 128 objects and arrays for its 1024 characters');
  });

  it('allows nesting 64 deep, not 65, with content between the brackets', () => {
    expect(scanStructure('[0,'.repeat(64) + '0' + ']'.repeat(64))).toBeUndefined();
    expect(scanStructure('[0,'.repeat(65) + '0' + ']'.repeat(65))).toBe('a value nested deeper than 64');
    expect(scanStructure('{"a":'.repeat(65) + '1' + '}'.repeat(65))).toBe('a value nested deeper than 64');
  });

  it('closing brackets and braces end their level: many siblings stay shallow', () => {
    const siblings = (unit: string) => padded(`[${Array.from({ length: 100 }, () => unit).join(',')}]`, 10_000);
    expect(scanStructure(siblings('[[]]'))).toBeUndefined();
    expect(scanStructure(siblings('{"a":{}}'))).toBeUndefined();
    expect(scanStructure(siblings('[{}]'))).toBeUndefined();
  });

  it('skips strings, escaped quotes included', () => {
    expect(scanStructure(`["${'['.repeat(100)}"]`)).toBeUndefined();
    expect(scanStructure(`["\\"${'['.repeat(100)}"]`)).toBeUndefined();
    expect(scanStructure(`["\\\\"${',['.repeat(100)}]`)).toMatch(/nested deeper|more than/);
  });
});
