// The README's provider table is generated from the manifests, and the built-in names match the folders.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownProviders, LLMProvider } from 'anyllm';
import { renderProviderTable, withProviderTable } from '../scripts/provider-table.mjs';

const pluginFolders = readdirSync(new URL('../plugins/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('provider table', () => {
  it('in README.md is what the manifests generate (run `npm run providers:table` after changing one)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withProviderTable(readme)).toBe(readme);
  });

  it('has one row per built-in provider, with its key variable and capabilities', () => {
    const table = renderProviderTable();
    const rows = table.split('\n').slice(2);
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(pluginFolders);
    expect(rows.find((row) => row.startsWith('| `ollama`'))).toContain('none (local server)');
    expect(rows.find((row) => row.startsWith('| `groq`'))).toContain('`GROQ_API_KEY`');
    // Perplexity's manifest claims no tools; Groq's does.
    expect(rows.find((row) => row.startsWith('| `perplexity`'))?.split(' | ')[3]).toBe('—');
    expect(rows.find((row) => row.startsWith('| `groq`'))?.split(' | ')[3]).toBe('✓');
    // The Embeddings column: Gemini's manifest claims an embeddings endpoint, Groq's does not.
    expect(table.split('\n')[0].split(' | ')[8]).toBe('Embeddings');
    expect(rows.find((row) => row.startsWith('| `gemini`'))?.split(' | ')[8]).toBe('✓');
    expect(rows.find((row) => row.startsWith('| `groq`'))?.split(' | ')[8]).toBe('—');
  });

  it('replaces only what is between the markers, or appends a Providers section when they are missing', () => {
    const table = '| t |';
    expect(withProviderTable('a\n<!-- providers:start -->\nold\n<!-- providers:end -->\nb', table)).toBe(
      'a\n<!-- providers:start -->\n| t |\n<!-- providers:end -->\nb',
    );
    expect(withProviderTable('# Title\n', table)).toBe('# Title\n\n## Providers\n\n<!-- providers:start -->\n| t |\n<!-- providers:end -->\n');
  });
});

describe('built-in provider names', () => {
  it('LLMProvider lists exactly the plugin folders', () => {
    expect(Object.values(LLMProvider).sort()).toEqual(pluginFolders);
  });

  it('every plugin folder is a provider AnyLLM knows', () => {
    expect(knownProviders()).toEqual(expect.arrayContaining(pluginFolders));
  });
});
