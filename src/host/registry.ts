/**
 * The provider registry: built-in providers (one folder each under `plugins/`) and community
 * plugins registered at run time. Manifests are read on demand; no plugin code is loaded here.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { InvalidRequestError, UnsupportedProviderError } from '../errors.js';
import { builtinPluginsDir } from '../package-paths.js';
import type { Isolation } from '../types.js';
import { compatTable, openAICompatiblePlugin } from './compat-table.js';
import { checkAllowEnv, communityEnvGrant, explainUngranted, type EnvGrant, type EnvOwner } from './env-grant.js';
import { checkCommunityManifest, dependencyNames, isPackageName, parseManifest, type PluginManifest } from './manifest.js';
import { readPluginJson } from './safe-read.js';

// `node:fs` through require (`__filename`: a CommonJS bundle of the app has no import.meta.url): its ESM facade costs ~8 ms of `import('anyllm')` (it resolves every lazy export).
const { existsSync, readdirSync, realpathSync, statSync } = createRequire(import.meta.url ?? __filename)('node:fs') as typeof import('node:fs');

/** Options of `registerPlugin`. */
export interface RegisterPluginOptions {
  /**
   * Environment variables to pass to the plugin beyond its two defaults (`<PREFIX>API_KEY` and
   * `<PREFIX>BASE_URL`), by exact name, e.g. `['ACME_REGION']`. Also the way to hand it a default
   * that was withheld because its prefix collides with another provider's or a credential family.
   * Variables that configure Node itself (`NODE_OPTIONS`, `NODE_PATH`, `LD_*`, `DYLD_*`) are refused.
   */
  allowEnv?: string[];
}

/** A provider the host can start. */
export interface RegisteredPlugin {
  manifest: PluginManifest;
  /** The plugin's folder (absolute). */
  dir: string;
  /** The absolute path of the module to import in the plugin. */
  entryPath: string;
  builtin: boolean;
  /** The isolation used when the caller does not choose one. */
  defaultIsolation: Isolation;
  /** Variables the caller granted at registration (community plugins; empty for built-ins). */
  allowEnv: string[];
  /** There is no default base URL (a per-tenant host): `AnyLLM.create` needs one from the caller or the environment. */
  baseUrlRequired?: boolean;
}

const builtins = new Map<string, RegisteredPlugin>();
const community = new Map<string, RegisteredPlugin>();
/** Servers named by `AnyLLM.createOpenAICompatible`; the latest call for a name wins. */
const compatible = new Map<string, RegisteredPlugin>();
let builtinNames: string[] | undefined;
let folderNames: string[] | undefined;

/** The built-in providers with a folder of their own (a manifest and a provider class). */
function builtinFolders(): string[] {
  folderNames ??= readdirSync(builtinPluginsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(builtinPluginsDir, entry.name, 'manifest.json')))
    .map((entry) => entry.name);
  return folderNames;
}

/** The names of the built-in providers (a folder each, or a row of the OpenAI-compatible table), sorted. */
export function builtinProviders(): string[] {
  builtinNames ??= [...builtinFolders(), ...compatTable().keys()].sort();
  return builtinNames;
}

/** Every provider name `AnyLLM.create` accepts now, sorted. */
export function knownProviders(): string[] {
  return [...new Set([...builtinProviders(), ...community.keys(), ...compatible.keys()])].sort();
}

/**
 * Names an OpenAI-compatible server for `AnyLLM.createOpenAICompatible` while `create` builds its
 * client; the name stays registered only if that succeeds, and from then on `AnyLLM.create(name)`
 * and `'name:model'` reach the server too. Keyless unless a key is given.
 *
 * @throws InvalidRequestError for a bad name, a built-in or registered plugin's name, or a bad `apiBase`.
 * @example
 * ```ts
 * const llm = await withOpenAICompatible('mylocal', 'http://127.0.0.1:8080/v1', (name) => AnyLLM.create(name));
 * ```
 */
export async function withOpenAICompatible<T>(name: unknown, apiBase: unknown, create: (provider: string) => Promise<T>): Promise<T> {
  const row = openAICompatiblePlugin(name, apiBase, (taken) => builtinProviders().includes(taken) || community.has(taken));
  const provider = row.manifest.provider;
  const previous = compatible.get(provider);
  compatible.set(provider, { ...row, builtin: true, defaultIsolation: 'worker', allowEnv: [] });
  try {
    return await create(provider);
  } catch (error) {
    if (previous) compatible.set(provider, previous);
    else compatible.delete(provider);
    throw error;
  }
}

/**
 * Finds a provider by name, or throws `UnsupportedProviderError` listing the known ones.
 *
 * @example
 * ```ts
 * const plugin = lookupProvider('openai'); // plugin.manifest.apiKeyEnv === 'OPENAI_API_KEY'
 * ```
 */
export function lookupProvider(name: string): RegisteredPlugin {
  const registered = community.get(name) ?? builtins.get(name) ?? compatible.get(name);
  if (registered) return registered;
  // A folder first: the table (every row validated as a manifest, ~3 ms) is parsed only for a name no folder has.
  const folder = typeof name === 'string' && builtinFolders().includes(name);
  const row = typeof name === 'string' && !folder ? compatTable().get(name) : undefined;
  if (row) {
    const plugin: RegisteredPlugin = { ...row, builtin: true, defaultIsolation: 'worker', allowEnv: [] };
    builtins.set(name, plugin);
    return plugin;
  }
  if (folder) {
    // Real, as community folders are: the sandbox grants real paths and checks the folder still resolves there.
    const dir = realpathSync(join(builtinPluginsDir, name));
    const plugin = readPlugin(dir, join(dir, 'manifest.json'), (json) => json, true, []);
    if (plugin.manifest.provider !== name) {
      throw new InvalidRequestError(`Built-in plugin folder '${name}' declares provider '${plugin.manifest.provider}'.`);
    }
    builtins.set(name, plugin);
    return plugin;
  }
  throw new UnsupportedProviderError(String(name), knownProviders());
}

/**
 * Registers a community plugin from its folder or its installed npm package name and returns its
 * provider name. The plugin's `package.json` must carry an `anyllm` manifest field. It gets its two
 * default variables (`ACME_API_KEY`, `ACME_BASE_URL` for `acme`) unless their prefix collides with
 * another provider's or a credential family's; anything else only through `options.allowEnv`. What
 * is withheld is said in a process warning (code `ANYLLM_ENV_WITHHELD`) and in `MissingApiKeyError`.
 *
 * @example
 * ```ts
 * const name = await registerPlugin('./node_modules/anyllm-plugin-acme', { allowEnv: ['ACME_REGION'] });
 * const llm = await AnyLLM.create(name); // sandboxed by default
 * ```
 */
export async function registerPlugin(dirOrPackageName: string, options: RegisterPluginOptions = {}): Promise<string> {
  if (typeof dirOrPackageName !== 'string' || dirOrPackageName.trim() === '') {
    throw new InvalidRequestError('registerPlugin() needs a plugin folder or an installed package name.');
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidRequestError('registerPlugin() options must be an object.', { code: 'invalid_option' });
  }
  const allowEnv = checkAllowEnv(options.allowEnv);
  const dir = resolvePluginDir(dirOrPackageName);
  const packageJson = join(dir, 'package.json');
  const plugin = readPlugin(dir, packageJson, (json) => (json as { anyllm?: unknown }).anyllm, false, allowEnv);
  const name = plugin.manifest.provider;
  if (builtinProviders().includes(name)) {
    throw new InvalidRequestError(`Plugin ${packageJson} declares provider '${name}', which is a built-in provider.`);
  }
  if (compatible.has(name)) {
    throw new InvalidRequestError(`Plugin ${packageJson} declares provider '${name}', the name of an AnyLLM.createOpenAICompatible server.`);
  }
  const existing = community.get(name);
  if (existing && existing.dir !== plugin.dir) {
    throw new InvalidRequestError(`Provider '${name}' is already registered from ${existing.dir}.`);
  }
  community.set(name, plugin);
  warnWithheld(plugin);
  return name;
}

/**
 * The variables a community plugin gets, against every provider known now (computed again at
 * each `AnyLLM.create`, so a provider registered later is compared too).
 *
 * @example
 * ```ts
 * envGrant(lookupProvider('acme')).names; // ['ACME_API_KEY', 'ACME_BASE_URL']
 * ```
 */
export function envGrant(plugin: RegisteredPlugin): EnvGrant {
  const others: EnvOwner[] = [
    ...builtinProviders().map((name) => ({ provider: name, builtin: true, variables: builtinVariables(lookupProvider(name).manifest) })),
    // What the caller granted another community plugin by name is that plugin's: its prefix twin never gets it by default.
    ...[...community.values()].map((other) => ({ provider: other.manifest.provider, builtin: false, variables: other.allowEnv })),
  ];
  return communityEnvGrant(plugin.manifest.provider, plugin.manifest.env, plugin.allowEnv, others);
}

/** A built-in's variables, its aliases included: a community plugin must not get GOOGLE_API_KEY by its prefix either. */
function builtinVariables(manifest: PluginManifest): string[] {
  return [...manifest.env, ...(manifest.envAliases?.apiKey ?? []), ...(manifest.envAliases?.baseUrl ?? [])];
}

function warnWithheld(plugin: RegisteredPlugin): void {
  const grant = envGrant(plugin);
  if (grant.ungranted.length === 0) return;
  const lines = grant.ungranted.map((name) => explainUngranted(grant, name, plugin.manifest.provider));
  process.emitWarning(`AnyLLM: plugin ${plugin.dir}: ${lines.join('; ')}.`, { code: 'ANYLLM_ENV_WITHHELD' });
}

/** A folder (the caller's path), or an installed package found by Node's lookup from the working folder. */
function resolvePluginDir(dirOrPackageName: string): string {
  const asPath = resolve(dirOrPackageName);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) return realpathSync(asPath);
  // Looked up by hand, not with require.resolve, whose reader would block on a FIFO package.json.
  if (isPackageName(dirOrPackageName)) {
    for (let dir = process.cwd(); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', ...dirOrPackageName.split('/'));
      if (existsSync(candidate) && statSync(candidate).isDirectory() && existsSync(join(candidate, 'package.json'))) {
        return realpathSync(candidate);
      }
      if (dir === parse(dir).root) break;
    }
  }
  throw new InvalidRequestError(
    `registerPlugin('${dirOrPackageName}'): no such folder, and no installed package of that name.`,
  );
}

function readPlugin(
  dir: string,
  file: string,
  pick: (json: unknown) => unknown,
  builtin: boolean,
  allowEnv: string[],
): RegisteredPlugin {
  const json = readPluginJson(file, 'plugin manifest');
  const manifest = parseManifest(pick(json), file);
  if (!builtin) {
    checkCommunityManifest(manifest, file);
    dependencyNames(json, file); // refuses a name like '../..' now; the sandbox resolves them at launch
  }
  const entryPath = resolve(dir, manifest.entry);
  if (!entryPath.startsWith(dir + sep)) {
    throw new InvalidRequestError(`Invalid plugin manifest in ${file}: 'entry' must be a path inside the plugin folder.`);
  }
  if (!existsSync(entryPath)) {
    throw new InvalidRequestError(`Invalid plugin manifest in ${file}: 'entry' ${manifest.entry} does not exist.`);
  }
  const defaultIsolation = manifest.isolation ?? (builtin ? 'worker' : 'sandbox');
  return { manifest, dir, entryPath, builtin, defaultIsolation, allowEnv };
}
