/**
 * Plugin manifests: what a provider declares about itself, read without loading its code.
 * Built-in providers (`plugins/<name>/manifest.json`) and community plugins (the `anyllm` field of
 * their `package.json`) share this shape and this validator.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { Capabilities, Isolation } from '../types.js';

/** A validated manifest. */
export interface PluginManifest {
  /** The provider name users pass to `AnyLLM.create` (lowercase letters, digits, '-'). */
  provider: string;
  /** The module whose default export is the Provider class, relative to the plugin folder. */
  entry: string;
  /** Environment variables the plugin may see; no other variable reaches it. */
  env: string[];
  /** The variable holding the API key; `null` when the provider needs no key (local servers). */
  apiKeyEnv: string | null;
  /** The variable that may override the base URL. */
  baseUrlEnv?: string;
  /** The base URL used when neither the option nor `baseUrlEnv` gives one. */
  defaultBaseUrl?: string;
  /** Origins (`https://host[:port]`) the plugin may reach; enforced in the sandbox tier. */
  network: string[];
  capabilities: Capabilities;
  /** The npm package the plugin imports (informational: named in errors and the README table). */
  sdk?: string;
  /** The isolation used when the caller does not choose one. */
  isolation?: Isolation;
}

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CAPABILITIES: readonly (keyof Capabilities)[] = [
  'completion',
  'streaming',
  'tools',
  'reasoning',
  'images',
  'pdf',
  'listModels',
  'responseFormat',
];
const ISOLATIONS: readonly Isolation[] = ['worker', 'process', 'sandbox'];

/**
 * Validates a manifest, with an error naming the field and what was wrong with it.
 *
 * @param value the parsed JSON (`package.json`'s `anyllm` field, or a built-in `manifest.json`)
 * @param source where it came from, for error messages
 * @example
 * ```ts
 * const manifest = parseManifest(JSON.parse(text).anyllm, '/plugins/acme/package.json');
 * ```
 */
export function parseManifest(value: unknown, source: string): PluginManifest {
  const fail = (field: string, problem: string): never => {
    throw new InvalidRequestError(`Invalid plugin manifest in ${source}: '${field}' ${problem}.`, {
      code: 'invalid_manifest',
    });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('anyllm', 'must be an object');
  }
  const raw = value as Record<string, unknown>;

  const provider = raw.provider;
  if (typeof provider !== 'string' || !PROVIDER_NAME.test(provider)) {
    fail('provider', 'must be a lowercase name of letters, digits and "-", starting with a letter');
  }

  const entry = raw.entry;
  if (typeof entry !== 'string' || entry.trim() === '') fail('entry', 'must be a relative path to a module');
  const entryPath = entry as string;
  if (entryPath.startsWith('/') || /^[a-z]+:/i.test(entryPath) || entryPath.split(/[\\/]/).includes('..')) {
    fail('entry', 'must be a path inside the plugin folder');
  }

  const env = raw.env ?? [];
  if (!Array.isArray(env) || env.some((name) => typeof name !== 'string' || !ENV_NAME.test(name))) {
    fail('env', 'must be an array of environment variable names');
  }
  const envNames = env as string[];

  let apiKeyEnv: string | null;
  if (raw.apiKeyEnv === undefined) {
    apiKeyEnv = envNames.find((name) => name.endsWith('_API_KEY')) ?? null;
  } else if (raw.apiKeyEnv === null) {
    apiKeyEnv = null;
  } else if (typeof raw.apiKeyEnv !== 'string' || !envNames.includes(raw.apiKeyEnv)) {
    return fail('apiKeyEnv', 'must be null or one of the names in env');
  } else {
    apiKeyEnv = raw.apiKeyEnv;
  }

  if (raw.baseUrlEnv !== undefined && (typeof raw.baseUrlEnv !== 'string' || !envNames.includes(raw.baseUrlEnv))) {
    fail('baseUrlEnv', 'must be one of the names in env');
  }
  if (raw.defaultBaseUrl !== undefined && (typeof raw.defaultBaseUrl !== 'string' || !isHttpUrl(raw.defaultBaseUrl))) {
    fail('defaultBaseUrl', 'must be an http(s) URL');
  }

  const network = raw.network ?? [];
  if (!Array.isArray(network)) fail('network', 'must be an array of origins like "https://api.example.com"');
  const origins = (network as unknown[]).map((origin) => {
    if (typeof origin !== 'string' || !isHttpUrl(origin)) {
      return fail('network', `has '${String(origin)}', which is not an http(s) origin`);
    }
    const url = new URL(origin);
    if (url.pathname !== '/' || url.search || url.hash || url.username) {
      fail('network', `has '${origin}': give an origin only (scheme, host and port), no path`);
    }
    return url.origin;
  });

  const capabilities = raw.capabilities ?? {};
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) {
    fail('capabilities', 'must be an object of booleans');
  }
  for (const [name, flag] of Object.entries(capabilities as Record<string, unknown>)) {
    if (!CAPABILITIES.includes(name as keyof Capabilities)) {
      fail(`capabilities.${name}`, `is not a capability (known: ${CAPABILITIES.join(', ')})`);
    }
    if (typeof flag !== 'boolean') fail(`capabilities.${name}`, 'must be true or false');
  }

  if (raw.isolation !== undefined && !ISOLATIONS.includes(raw.isolation as Isolation)) {
    fail('isolation', `must be one of ${ISOLATIONS.join(', ')}`);
  }
  if (raw.sdk !== undefined && typeof raw.sdk !== 'string') fail('sdk', 'must be a package name');

  return {
    provider: provider as string,
    entry: entryPath,
    env: envNames,
    apiKeyEnv,
    baseUrlEnv: raw.baseUrlEnv as string | undefined,
    defaultBaseUrl: raw.defaultBaseUrl as string | undefined,
    network: origins,
    capabilities: capabilities as Capabilities,
    sdk: raw.sdk as string | undefined,
    isolation: raw.isolation as Isolation | undefined,
  };
}

/**
 * The stricter rules for a community plugin's manifest: it may not choose a weaker isolation than
 * the sandbox for itself (only the caller may), and the variables it asks for must carry its own
 * prefix (`ACME_` for provider `acme`), so it cannot ask for another provider's key.
 *
 * @example
 * ```ts
 * checkCommunityManifest(parseManifest(json.anyllm, file), file);
 * ```
 */
export function checkCommunityManifest(manifest: PluginManifest, source: string): void {
  const fail = (field: string, problem: string): never => {
    throw new InvalidRequestError(`Invalid plugin manifest in ${source}: '${field}' ${problem}.`, {
      code: 'invalid_manifest',
    });
  };
  if (manifest.isolation !== undefined && manifest.isolation !== 'sandbox') {
    fail('isolation', `cannot be '${manifest.isolation}' for a community plugin: it runs sandboxed unless the caller passes { isolation } to AnyLLM.create`);
  }
  const prefix = `${manifest.provider.toUpperCase().replaceAll('-', '_')}_`;
  const foreign = manifest.env.find((name) => !name.startsWith(prefix));
  if (foreign !== undefined) {
    fail('env', `has '${foreign}': a community plugin may only read variables named ${prefix}*`);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
