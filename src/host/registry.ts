/**
 * The provider registry: built-in providers (one folder each under `plugins/`) and community
 * plugins registered at run time. Manifests are read on demand; no plugin code is loaded here.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { InvalidRequestError, UnsupportedProviderError } from '../errors.js';
import { builtinPluginsDir } from '../package-paths.js';
import type { Isolation } from '../types.js';
import { checkCommunityManifest, parseManifest, type PluginManifest } from './manifest.js';

// `node:fs` through require: its ESM facade costs ~8 ms of `import('anyllm')` (it resolves every lazy export).
const { existsSync, readdirSync, readFileSync, statSync } = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

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
}

const builtins = new Map<string, RegisteredPlugin>();
const community = new Map<string, RegisteredPlugin>();
let builtinNames: string[] | undefined;

/** The names of the built-in providers, sorted. */
export function builtinProviders(): string[] {
  builtinNames ??= readdirSync(builtinPluginsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(builtinPluginsDir, entry.name, 'manifest.json')))
    .map((entry) => entry.name)
    .sort();
  return builtinNames;
}

/** Every provider name `AnyLLM.create` accepts now, sorted. */
export function knownProviders(): string[] {
  return [...new Set([...builtinProviders(), ...community.keys()])].sort();
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
  const registered = community.get(name) ?? builtins.get(name);
  if (registered) return registered;
  if (typeof name === 'string' && builtinProviders().includes(name)) {
    const dir = join(builtinPluginsDir, name);
    const plugin = readPlugin(dir, join(dir, 'manifest.json'), (json) => json, true);
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
 * provider name. The plugin's `package.json` must carry an `anyllm` manifest field.
 *
 * @example
 * ```ts
 * const name = await registerPlugin('./node_modules/anyllm-plugin-acme');
 * const llm = await AnyLLM.create(name); // sandboxed by default
 * ```
 */
export async function registerPlugin(dirOrPackageName: string): Promise<string> {
  if (typeof dirOrPackageName !== 'string' || dirOrPackageName.trim() === '') {
    throw new InvalidRequestError('registerPlugin() needs a plugin folder or an installed package name.');
  }
  const dir = resolvePluginDir(dirOrPackageName);
  const packageJson = join(dir, 'package.json');
  const plugin = readPlugin(dir, packageJson, (json) => (json as { anyllm?: unknown }).anyllm, false);
  const name = plugin.manifest.provider;
  if (builtinProviders().includes(name)) {
    throw new InvalidRequestError(`Plugin ${packageJson} declares provider '${name}', which is a built-in provider.`);
  }
  const existing = community.get(name);
  if (existing && existing.dir !== plugin.dir) {
    throw new InvalidRequestError(`Provider '${name}' is already registered from ${existing.dir}.`);
  }
  community.set(name, plugin);
  return name;
}

function resolvePluginDir(dirOrPackageName: string): string {
  const asPath = resolve(dirOrPackageName);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) return asPath;
  try {
    const require = createRequire(join(process.cwd(), 'noop.js'));
    return dirname(require.resolve(`${dirOrPackageName}/package.json`));
  } catch {
    throw new InvalidRequestError(
      `registerPlugin('${dirOrPackageName}'): no such folder, and no installed package of that name.`,
    );
  }
}

function readPlugin(
  dir: string,
  file: string,
  pick: (json: unknown) => unknown,
  builtin: boolean,
): RegisteredPlugin {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidRequestError(`Cannot read plugin manifest ${file}: ${(error as Error).message}`);
  }
  const manifest = parseManifest(pick(json), file);
  if (!builtin) checkCommunityManifest(manifest, file);
  const entryPath = resolve(dir, manifest.entry);
  if (!entryPath.startsWith(dir + sep)) {
    throw new InvalidRequestError(`Invalid plugin manifest in ${file}: 'entry' must be a path inside the plugin folder.`);
  }
  if (!existsSync(entryPath)) {
    throw new InvalidRequestError(`Invalid plugin manifest in ${file}: 'entry' ${manifest.entry} does not exist.`);
  }
  const defaultIsolation = manifest.isolation ?? (builtin ? 'worker' : 'sandbox');
  return { manifest, dir, entryPath, builtin, defaultIsolation };
}
