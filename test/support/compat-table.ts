/**
 * The rows of `plugins/openai-compatible/providers.json`, read from the source tree: the providers
 * that are data on the shared OpenAI-compatible base.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** One row, as far as tests read it. */
export interface CompatRow {
  docs: string;
  apiKeyEnv: string | null;
  baseUrlEnv: string;
  defaultBaseUrl?: string;
  envAliases?: { apiKey?: string[]; baseUrl?: string[] };
  network?: string[];
  capabilities: Record<string, boolean>;
  compat?: { thinkTags?: boolean; maxTokensOnly?: boolean; unsupported?: string[]; path?: string; embedding?: { path?: string; format?: 'openai' | 'feature-extraction' } };
}

/** `[provider, row]` pairs, sorted by provider. */
export function compatRows(): [string, CompatRow][] {
  const table = JSON.parse(readFileSync(new URL('../../plugins/openai-compatible/providers.json', import.meta.url), 'utf8')) as {
    providers: Record<string, CompatRow>;
  };
  return Object.entries(table.providers).sort(([a], [b]) => a.localeCompare(b));
}

const pluginsDir = new URL('../../plugins/', import.meta.url);

/** Every built-in provider: a folder with a manifest, or a row of the table; sorted. */
export function builtinProviderNames(): string[] {
  const folders = readdirSync(pluginsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/manifest.json`, pluginsDir)))
    .map((entry) => entry.name);
  return [...folders, ...compatRows().map(([name]) => name)].sort();
}

/** A built-in provider's declared capabilities, from its manifest or its row. */
export function builtinCapabilities(provider: string): Record<string, boolean> {
  const row = compatRows().find(([name]) => name === provider)?.[1];
  if (row) return { completion: true, ...row.capabilities };
  return (JSON.parse(readFileSync(new URL(`${provider}/manifest.json`, pluginsDir), 'utf8')) as { capabilities: Record<string, boolean> }).capabilities;
}
