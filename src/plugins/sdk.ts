/**
 * Loads a provider SDK inside a plugin, with an error that names the package to install when it is
 * missing (every SDK is an optional peer dependency).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MissingSdkError } from '../errors.js';

// `node:fs` through require: its ESM facade loads fs streams and resolves every lazy export, a few ms
// of each plugin start (the kit loads in every plugin). Called through the object, not destructured,
// so the sandbox's fs-oracle guard (patched onto this object after load) still applies.
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/**
 * Imports `pkg`, or throws a `MissingSdkError` (code `missing_sdk`) telling the user to install it.
 *
 * @example
 * ```ts
 * const { default: Anthropic } = await importSdk<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk', 'anthropic');
 * ```
 */
export async function importSdk<T>(pkg: string, provider: string, load: () => Promise<T> = () => import(pkg) as Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw missingSdkError(pkg, provider, error);
    throw error;
  }
}

/**
 * The error for a package a provider needs and cannot load: `undeclared_dependency` when `entry`
 * belongs to a community plugin whose `package.json` does not declare it (the sandbox grants only
 * declared packages, so it fails even when installed), else `missing_sdk` with the install command.
 *
 * @example
 * ```ts
 * throw missingSdkError('openai', 'groq', error); // "Provider 'groq' needs the package 'openai': install it with `npm install openai`."
 * ```
 */
export function missingSdkError(pkg: string, provider: string, cause?: unknown, entry?: string): MissingSdkError {
  const manifest = entry === undefined ? undefined : pluginPackageJson(entry);
  if (manifest && !manifest.declared.includes(pkg)) {
    return new MissingSdkError(
      `Plugin '${provider}' imports '${pkg}', which ${manifest.path} does not declare: add it to "dependencies" ` +
        `(a sandboxed plugin may only read its own folder and the packages it declares).`,
      { provider, code: 'undeclared_dependency', packageName: pkg, cause },
    );
  }
  return new MissingSdkError(`Provider '${provider}' needs the package '${pkg}': install it with \`npm install ${pkg}\`.`, {
    provider,
    code: 'missing_sdk',
    packageName: pkg,
    cause,
  });
}

/** The community plugin's package.json (the nearest one with an `anyllm` field) and what it declares. */
function pluginPackageJson(entry: string): { path: string; declared: string[] } | undefined {
  let dir = dirname(entry.startsWith('file:') ? new URL(entry).pathname : entry);
  for (let depth = 0; depth < 8; depth++) {
    const path = join(dir, 'package.json');
    if (fs.existsSync(path)) {
      try {
        const json = JSON.parse(fs.readFileSync(path, 'utf8')) as Record<string, unknown>;
        if (typeof json.anyllm !== 'object' || json.anyllm === null) return undefined;
        const names = (field: unknown) => (typeof field === 'object' && field !== null ? Object.keys(field) : []);
        const sdk = (json.anyllm as { sdk?: unknown }).sdk;
        return { path, declared: [...names(json.dependencies), ...names(json.optionalDependencies), ...(typeof sdk === 'string' ? [sdk] : [])] };
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
