// The README's provider table is generated from the manifests, and the built-in names match the folders.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownProviders, LLMProvider } from 'anyllm';
import { renderProviderTable, withProviderTable } from '../scripts/provider-table.mjs';
import { builtinProviderNames } from './support/compat-table.js';

// Folders with a manifest, and the rows of plugins/openai-compatible/providers.json.
const pluginFolders = builtinProviderNames();

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
    expect(rows.find((row) => row.startsWith('| `perplexity`'))?.split(' | ')[5]).toBe('—');
    expect(rows.find((row) => row.startsWith('| `groq`'))?.split(' | ')[5]).toBe('✓');
    // any-llm's variable names, read as aliases, are listed with the provider.
    expect(rows.find((row) => row.startsWith('| `ollama`'))?.split(' | ')[3]).toBe('`OLLAMA_HOST`');
    expect(rows.find((row) => row.startsWith('| `gemini`'))?.split(' | ')[3]).toBe('`GOOGLE_API_KEY`, `GOOGLE_GEMINI_BASE_URL`');
    expect(rows.find((row) => row.startsWith('| `deepinfra`'))).toContain('`DEEPINFRA_API_KEY` | `DEEPINFRA_BASE_URL` | `DEEPINFRA_API_BASE` |');
    // The Embeddings column: Gemini's manifest claims an embeddings endpoint, Groq's does not.
    expect(table.split('\n')[0].split(' | ')[10]).toBe('Embeddings');
    expect(rows.find((row) => row.startsWith('| `gemini`'))?.split(' | ')[10]).toBe('✓');
    expect(rows.find((row) => row.startsWith('| `groq`'))?.split(' | ')[10]).toBe('—');
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
