/**
 * Plugin manifests: what a provider declares about itself, read without loading its code.
 * Built-in providers (`plugins/<name>/manifest.json`) and community plugins (the `anyllm` field of
 * their `package.json`) share this shape and this validator.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { Capabilities, Isolation } from '../types.js';
import { parseCredentialSpec, type CredentialSpec } from './credentials/spec.js';

/** A validated manifest. */
export interface PluginManifest {
  /** The provider name users pass to `AnyLLM.create` (lowercase letters, digits, '-'). */
  provider: string;
  /** The module whose default export is the Provider class, relative to the plugin folder. */
  entry: string;
  /**
   * Environment variables the plugin asks for. A built-in provider gets them all; a community plugin
   * gets only those granted to it (see `env-grant.ts`), whatever it asks for.
   */
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
  /** The npm package the plugin imports (a valid npm name; the sandbox grants it as a dependency). */
  sdk?: string;
  /** The isolation used when the caller does not choose one. */
  isolation?: Isolation;
  /**
   * Other variables read, in order, when `apiKeyEnv` / `baseUrlEnv` is unset: the names another
   * library (any-llm) uses for the same thing, so its users' environment carries over. Read by the
   * host only (a community plugin's only when granted); not passed to the plugin.
   */
  envAliases?: EnvAliases;
  /**
   * Built-in only: the built-in providers whose folders this one's code imports (`azureanthropic`
   * builds on `anthropic`). The sandbox grants those folders and their SDKs too. A community plugin
   * depends on packages instead, so its manifest may not have it.
   */
  builtOn?: string[];
  /**
   * Credentials that are not a static key (AWS SigV4, Google OAuth, IBM IAM): resolved in the host,
   * handed to the plugin per request as short-lived headers (`credentials/`). With it, `apiKeyEnv` is null.
   */
  credentials?: CredentialSpec;
}

/** Alternative variable names for the key and the base URL (see `env-aliases.ts`). */
export interface EnvAliases {
  apiKey?: string[];
  baseUrl?: string[];
}

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A provider reads a handful of variables; the built-ins at most 4. */
const MAX_ENV_NAMES = 64;
const CAPABILITIES: readonly (keyof Capabilities)[] = [
  'completion',
  'streaming',
  'tools',
  'reasoning',
  'images',
  'pdf',
  'listModels',
  'responseFormat',
  'embedding',
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
  if (!Array.isArray(env) || env.some((name) => typeof name !== 'string' || name.length > 256 || !ENV_NAME.test(name))) {
    fail('env', 'must be an array of environment variable names (of at most 256 characters)');
  }
  // Each name the host withholds is a line of the registration warning: 100,000 names were 17 MB of it.
  if ((env as unknown[]).length > MAX_ENV_NAMES) fail('env', `may name at most ${MAX_ENV_NAMES} variables (it names ${(env as unknown[]).length})`);
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
  const builtOn = raw.builtOn;
  if (builtOn !== undefined && (!Array.isArray(builtOn) || builtOn.length > 8 || builtOn.some((name) => typeof name !== 'string' || !PROVIDER_NAME.test(name)))) {
    fail('builtOn', 'must be an array of at most 8 provider names');
  }
  if (raw.sdk !== undefined && !isPackageName(raw.sdk)) {
    fail('sdk', `must be an npm package name like "openai" or "@scope/name" (got ${JSON.stringify(raw.sdk)})`);
  }

  const envAliases = parseEnvAliases(raw.envAliases, fail);
  const credentials = raw.credentials === undefined ? undefined : parseCredentialSpec(raw.credentials, fail);
  if (credentials && apiKeyEnv !== null) fail('apiKeyEnv', "must be null when 'credentials' describes the provider's authentication");

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
    ...(envAliases ? { envAliases } : {}),
    ...(builtOn !== undefined ? { builtOn: builtOn as string[] } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** `envAliases`: `{ apiKey?: string[], baseUrl?: string[] }` of variable names, nothing else. */
function parseEnvAliases(value: unknown, fail: (field: string, problem: string) => never): EnvAliases | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('envAliases', 'must be an object like { "baseUrl": ["ACME_API_BASE"] }');
  const out: EnvAliases = {};
  for (const [key, names] of Object.entries(value as Record<string, unknown>)) {
    if (key !== 'apiKey' && key !== 'baseUrl') fail(`envAliases.${key}`, 'is not a field (the fields are apiKey and baseUrl)');
    if (!Array.isArray(names) || names.length > 8 || names.some((name) => typeof name !== 'string' || name.length > 256 || !ENV_NAME.test(name))) {
      fail(`envAliases.${key}`, 'must be an array of at most 8 environment variable names');
    }
    out[key as keyof EnvAliases] = [...(names as string[])];
  }
  return out;
}

/**
 * The stricter rules for a community plugin's manifest: it may not choose a weaker isolation than
 * the sandbox for itself (only the caller may). Its `env` list is a request, checked by name only:
 * what reaches the plugin is decided by `env-grant.ts`.
 *
 * @example
 * ```ts
 * checkCommunityManifest(parseManifest(json.anyllm, file), file);
 * ```
 */
export function checkCommunityManifest(manifest: PluginManifest, source: string): void {
  if (manifest.builtOn !== undefined) {
    throw new InvalidRequestError(
      `Invalid plugin manifest in ${source}: 'builtOn' is for built-in providers; a community plugin lists what it builds on in its package.json dependencies.`,
      { code: 'invalid_manifest' },
    );
  }
  if (manifest.isolation !== undefined && manifest.isolation !== 'sandbox') {
    throw new InvalidRequestError(
      `Invalid plugin manifest in ${source}: 'isolation' cannot be '${manifest.isolation}' for a community plugin: ` +
        'it runs sandboxed unless the caller passes { isolation } to AnyLLM.create.',
      { code: 'invalid_manifest' },
    );
  }
}

/**
 * Checks the `dependencies` and `optionalDependencies` of a plugin's `package.json` (objects whose
 * keys are npm package names) and returns the names, without `anyllm` itself (the plugin runtime
 * resolves that to the host's copy). The host builds paths from these names, so a name like `../..`
 * is refused here, before any path exists.
 *
 * @param source the `package.json` path, for errors
 * @example
 * ```ts
 * dependencyNames({ dependencies: { openai: '^5' } }, file); // ['openai']
 * ```
 */
export function dependencyNames(packageJson: unknown, source: string): string[] {
  const names: string[] = [];
  const json = (typeof packageJson === 'object' && packageJson !== null ? packageJson : {}) as Record<string, unknown>;
  for (const field of ['dependencies', 'optionalDependencies'] as const) {
    const deps = json[field];
    if (deps === undefined) continue;
    if (typeof deps !== 'object' || deps === null || Array.isArray(deps)) {
      throw new InvalidRequestError(`Invalid package.json ${source}: '${field}' must be an object of package names.`, {
        code: 'invalid_manifest',
      });
    }
    for (const name of Object.keys(deps)) {
      if (!isPackageName(name)) {
        throw new InvalidRequestError(
          `Invalid package.json ${source}: '${field}' has ${JSON.stringify(name)}, which is not an npm package name.`,
          { code: 'invalid_manifest' },
        );
      }
      if (name !== 'anyllm' && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

// One part of an npm name (the scope, or the name): ASCII letters, digits and - . _ ~, not starting
// with '.' or '_'. So no '/', backslash, '%', whitespace or Unicode look-alikes reach a path (no part can be '..').
// Upper case is legal in old packages (JSONStream); the package.json name check catches case tricks.
const NAME_PART = /^[A-Za-z0-9~-][A-Za-z0-9._~-]*$/;

/**
 * Whether `name` is a valid npm package name (`openai`, `@anthropic-ai/sdk`): at most 214
 * characters, URL-safe ASCII, an optional `@scope/`, no part starting with `.` or `_`, and no part
 * named `node_modules`.
 *
 * @example
 * ```ts
 * isPackageName('@google/genai'); // true
 * isPackageName('../..');         // false
 * ```
 */
export function isPackageName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 214) return false;
  const parts = name.startsWith('@') ? name.slice(1).split('/') : [name];
  if (name.startsWith('@') && parts.length !== 2) return false;
  return parts.every((part) => NAME_PART.test(part) && part.toLowerCase() !== 'node_modules' && part !== 'favicon.ico');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
