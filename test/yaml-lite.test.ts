// The YAML reader the pydantic-ai cassettes are read with (test/support/yaml-lite.ts): each PyYAML
// construct they use, and a loud failure for one they do not.
import { describe, expect, it } from 'vitest';
import { parseYaml } from './support/yaml-lite.js';

describe('parseYaml (the PyYAML subset of the cassettes)', () => {
  it('reads mappings, sequences at their key’s indentation, and plain scalars', () => {
    expect(parseYaml('a:\n- 1\n- x: y\n  z: 2.5\nb: true\nc: null\nd: text here\ne: []\nf: {}\n')).toEqual({
      a: [1, { x: 'y', z: 2.5 }],
      b: true,
      c: null,
      d: 'text here',
      e: [],
      f: {},
    });
  });

  it('reads quoted scalars over several lines, and plain scalars continued on deeper lines', () => {
    expect(parseYaml("a: 'it''s\n  folded'\nb: \"tab\\tand \\u00e9\\\n  joined\"\nc: one\n  two\n")).toEqual({ a: "it's folded", b: 'tab\tand éjoined', c: 'one two' });
    expect(parseYaml("k: '200'\n")).toEqual({ k: '200' });
  });

  it('reads block scalars with each chomping, and the document end marker', () => {
    expect(parseYaml('a: |\n  x\n  y\nb: |-\n  z\nc: |+\n  w\n\n...\n')).toEqual({ a: 'x\ny\n', b: 'z', c: 'w\n\n' });
  });

  it('throws on a construct it does not read, instead of misreading it', () => {
    expect(() => parseYaml('a: [1, 2]\n')).toThrow(/flow collection/);
    expect(() => parseYaml('a: >\n  folded\n')).toThrow(/block scalar/);
  });
});
