/**
 * The OpenAI-compatible providers that are data, not code: one row each in
 * `plugins/openai-compatible/providers.json`, all run by that folder's one plugin on the shared
 * OpenAI-compatible base. A row is a manifest without the boilerplate (entry, SDK, `env` and
 * `network` follow from it) plus the provider's wire quirks (`compat`, which the plugin reads).
 * `AnyLLM.createOpenAICompatible` builds a row of the same kind for any server at run time.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InvalidRequestError } from '../errors.js';
import { builtinPluginsDir } from '../package-paths.js';
import type { Capabilities } from '../types.js';
import { parseManifest, type PluginManifest } from './manifest.js';
import { readPluginJson } from './safe-read.js';

const { existsSync, realpathSync } = createRequire(import.meta.url ?? __filename)('node:fs') as typeof import('node:fs');

/** The folder of the plugin that runs every row. */
export const COMPAT_FOLDER = 'openai-compatible';
const TABLE_FILE = 'providers.json';
const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** What a server of unknown abilities is allowed to try: it refuses what it cannot do itself. */
const ALL_CAPABILITIES: Capabilities = {
  completion: true,
  streaming: true,
  tools: true,
  reasoning: true,
  images: true,
  pdf: true,
  listModels: true,
  responseFormat: true,
};

const ROW_FIELDS = ['docs', 'apiKeyEnv', 'baseUrlEnv', 'defaultBaseUrl', 'envAliases', 'network', 'capabilities', 'compat'];
const isFlag = { valid: (v: unknown) => typeof v === 'boolean', what: 'true or false' };
const isName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(v);
const isRename = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([from, to]) => isName(from) && isName(to));
/** The data quirks the plugin applies (`CompatOptions` without its functions, plus `path`), each with its value's shape. */
const COMPAT_FIELDS: Readonly<Record<string, { valid: (value: unknown) => boolean; what: string }>> = {
  thinkTags: isFlag,
  maxTokensOnly: isFlag,
  streamOptions: isFlag,
  unsupported: { valid: (v) => Array.isArray(v) && v.every(isName), what: 'an array of parameter names' },
  rename: { valid: isRename, what: 'an object of parameter name to parameter name' },
  reasoningEcho: { valid: isName, what: 'a field name' },
  embedding: { valid: (v) => embeddingQuirksProblem(v) === undefined, what: 'an object of embedding quirks' },
  path: { valid: (v) => typeof v === 'string' && /^\/[A-Za-z0-9._~/-]*$/.test(v) && !v.split('/').includes('..'), what: "a URL path starting with '/'" },
};

/** The row's `compat.embedding` (`EmbeddingCompat` as data), each with its value's shape. */
const EMBEDDING_FIELDS: Readonly<Record<string, { valid: (value: unknown) => boolean; what: string }>> = {
  maxInputs: { valid: (v) => Number.isSafeInteger(v) && (v as number) > 0, what: 'a positive integer' },
  unsupported: { valid: (v) => Array.isArray(v) && v.every((p) => p === 'dimensions' || p === 'user'), what: "an array of 'dimensions' and 'user'" },
  rename: { valid: isRename, what: 'an object of parameter name to parameter name' },
  encodingFormat: isFlag,
  tokens: isFlag,
  base64Floats: isFlag,
  path: {
    valid: (v) => typeof v === 'string' && /^[A-Za-z0-9._~/{}-]+$/.test(v) && !v.startsWith('/'),
    what: "a relative URL path (e.g. '../models/{model}/embed')",
  },
  format: { valid: (v) => v === 'openai' || v === 'feature-extraction', what: "'openai' or 'feature-extraction'" },
};

/** What is wrong with a row's `compat.embedding`, or undefined. */
function embeddingQuirksProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return "'compat.embedding' must be an object";
  for (const [key, quirk] of Object.entries(value as Record<string, unknown>)) {
    const check = EMBEDDING_FIELDS[key];
    if (!check) return `'compat.embedding.${key}' is not an embedding quirk (known: ${Object.keys(EMBEDDING_FIELDS).join(', ')})`;
    if (!check.valid(quirk)) return `'compat.embedding.${key}' must be ${check.what}`;
  }
  return undefined;
}

/** A provider the registry can start, built from a row (the fields `registry.ts` keeps). */
export interface CompatPlugin {
  manifest: PluginManifest;
  dir: string;
  entryPath: string;
  /** The row has no default base URL (a per-tenant host): `AnyLLM.create` requires one. */
  baseUrlRequired: boolean;
}

let table: Map<string, CompatPlugin> | undefined;

/** The folder holding the plugin and its table, real (the sandbox grants real paths). */
function compatDir(): string | undefined {
  const dir = join(builtinPluginsDir, COMPAT_FOLDER);
  return existsSync(join(dir, TABLE_FILE)) ? realpathSync(dir) : undefined;
}

/**
 * Every row of the table, validated as manifests, by provider name (read once).
 *
 * @example
 * ```ts
 * compatTable().get('deepinfra')?.manifest.defaultBaseUrl; // 'https://api.deepinfra.com/v1/openai'
 * ```
 */
export function compatTable(): ReadonlyMap<string, CompatPlugin> {
  if (table) return table;
  const rows = new Map<string, CompatPlugin>();
  const dir = compatDir();
  if (dir) {
    const file = join(dir, TABLE_FILE);
    const json = readPluginJson(file, 'provider table') as { providers?: unknown };
    if (typeof json.providers !== 'object' || json.providers === null) {
      throw new InvalidRequestError(`Invalid provider table ${file}: 'providers' must be an object of rows.`, { code: 'invalid_manifest' });
    }
    for (const [name, row] of Object.entries(json.providers as Record<string, unknown>)) {
      rows.set(name, parseCompatRow(name, row, dir, `${file} (row '${name}')`));
    }
  }
  table = rows;
  return rows;
}

/**
 * One row as a manifest: the row's own fields, with `env` and `network` derived when not given;
 * an unknown field or quirk name is an error (a misspelt quirk would otherwise be ignored).
 *
 * @example
 * ```ts
 * parseCompatRow('acme', { docs: 'https://acme.example/docs', apiKeyEnv: 'ACME_API_KEY', defaultBaseUrl: 'https://api.acme.example/v1' }, dir, 'test');
 * ```
 */
export function parseCompatRow(name: string, value: unknown, dir: string, source: string): CompatPlugin {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`Invalid provider table ${source}: a row must be an object.`, { code: 'invalid_manifest' });
  }
  const row = value as Record<string, unknown>;
  const fail = (problem: string): never => {
    throw new InvalidRequestError(`Invalid provider table ${source}: ${problem}.`, { code: 'invalid_manifest' });
  };
  for (const key of Object.keys(row)) if (!ROW_FIELDS.includes(key)) fail(`'${key}' is not a row field (known: ${ROW_FIELDS.join(', ')})`);
  if (typeof row.docs !== 'string' || !row.docs.startsWith('https://')) fail("'docs' must be the https link of the provider's API reference");
  if (row.compat !== undefined) {
    if (typeof row.compat !== 'object' || row.compat === null || Array.isArray(row.compat)) fail("'compat' must be an object");
    for (const [key, quirk] of Object.entries(row.compat as Record<string, unknown>)) {
      const check = COMPAT_FIELDS[key];
      if (!check) fail(`'compat.${key}' is not a quirk (known: ${Object.keys(COMPAT_FIELDS).join(', ')})`);
      else if (key === 'embedding') {
        const problem = embeddingQuirksProblem(quirk);
        if (problem) fail(problem);
      } else if (!check.valid(quirk)) fail(`'compat.${key}' must be ${check.what}`);
    }
  }
  const env = [row.apiKeyEnv, row.baseUrlEnv].filter((item): item is string => typeof item === 'string');
  const base = typeof row.defaultBaseUrl === 'string' && URL.canParse(row.defaultBaseUrl) ? new URL(row.defaultBaseUrl) : undefined;
  const manifest = parseManifest(
    {
      provider: name,
      entry: './index.js',
      sdk: 'openai',
      env,
      apiKeyEnv: row.apiKeyEnv ?? null,
      baseUrlEnv: row.baseUrlEnv,
      defaultBaseUrl: row.defaultBaseUrl,
      envAliases: row.envAliases,
      network: row.network ?? (base ? [base.origin] : []),
      capabilities: { completion: true, ...(row.capabilities as object) },
    },
    source,
  );
  return { manifest, dir, entryPath: join(dir, 'index.js'), baseUrlRequired: manifest.defaultBaseUrl === undefined };
}

/**
 * A row for any OpenAI-compatible server, named by the caller: keyless unless a key is given, every
 * capability left to the server, no variables read, reaching only the caller's `apiBase`.
 *
 * @param taken whether a provider of that name exists already (built-in or registered)
 * @throws InvalidRequestError for a bad name, a taken name, or a missing or non-http(s) `apiBase`.
 * @example
 * ```ts
 * openAICompatiblePlugin('mylocal', 'http://127.0.0.1:8080/v1', () => false).manifest.provider; // 'mylocal'
 * ```
 */
export function openAICompatiblePlugin(name: unknown, apiBase: unknown, taken: (name: string) => boolean): CompatPlugin {
  if (typeof name !== 'string' || !PROVIDER_NAME.test(name)) {
    throw new InvalidRequestError(
      `AnyLLM.createOpenAICompatible(): the name must be lowercase letters, digits and '-', starting with a letter (got ${JSON.stringify(name)}).`,
      { code: 'invalid_option' },
    );
  }
  if (taken(name)) {
    throw new InvalidRequestError(
      `AnyLLM.createOpenAICompatible('${name}'): '${name}' is already a provider; use AnyLLM.create('${name}', { apiBase }) for it, or choose another name.`,
      { provider: name, code: 'invalid_option' },
    );
  }
  if (typeof apiBase !== 'string' || !URL.canParse(apiBase) || !/^https?:$/.test(new URL(apiBase).protocol)) {
    throw new InvalidRequestError(
      `AnyLLM.createOpenAICompatible('${name}'): { apiBase } must be the server's http(s) base URL, e.g. 'http://127.0.0.1:8080/v1' (got ${JSON.stringify(apiBase)}).`,
      { provider: name, code: 'invalid_option' },
    );
  }
  const dir = compatDir();
  if (!dir) throw new InvalidRequestError(`This build has no ${COMPAT_FOLDER} plugin.`, { provider: name });
  const manifest: PluginManifest = {
    provider: name,
    entry: './index.js',
    sdk: 'openai',
    env: [],
    apiKeyEnv: null,
    defaultBaseUrl: apiBase,
    network: [new URL(apiBase).origin],
    capabilities: { ...ALL_CAPABILITIES },
  };
  return { manifest, dir, entryPath: join(dir, 'index.js'), baseUrlRequired: false };
}
