// The conformance suite covers every built-in provider: none can be added without a dialect.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dialects } from './dialects/index.js';

describe('conformance coverage', () => {
  it('has exactly one dialect for every built-in provider folder', () => {
    const folders = readdirSync(new URL('../../plugins/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(dialects.map((d) => d.provider).sort()).toEqual(folders);
  });
});
