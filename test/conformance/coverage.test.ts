// The conformance suite covers every built-in provider: none can be added without a dialect.
import { describe, expect, it } from 'vitest';
import { builtinProviderNames } from '../support/compat-table.js';
import { dialects } from './dialects/index.js';

describe('conformance coverage', () => {
  it('has exactly one dialect for every built-in provider (folder or row of the OpenAI-compatible table)', () => {
    expect(dialects.map((d) => d.provider).sort()).toEqual(builtinProviderNames());
  });
});
