/**
 * Existence and link oracles outside the read grant. Node's permission model refuses `stat`,
 * `access`, `readlink`, `opendir`, `existsSync` ... for an ungranted path, but some calls still
 * answer: the JavaScript `fs.realpathSync` (found vs ENOENT, and where links point), the module
 * resolver (`require.resolve`, `Module._findPath`, `Module._stat`, `import`'s "not found" vs
 * "access denied"). Each is wrapped so that an ungranted path gives the same refusal whether it
 * exists or not, and a granted path whose real path lies outside the grant is refused too.
 *
 * @module
 */
import fs from 'node:fs';
import * as nodeModule from 'node:module';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readable, readDenied, seal, toPath } from './grant.js';

type Callback = (error: Error | null, resolved?: string | Buffer) => void;
type ResolveHook = NonNullable<nodeModule.RegisterHooksOptions['resolve']>;

/** The folders the host granted (`--allow-fs-read=<path>`), read before plugin code can edit execArgv. */
const grants = process.execArgv.filter((arg) => arg.startsWith('--allow-fs-read=')).map((arg) => arg.slice(16));

/** An ancestor of a granted path exists (it holds the grant): saying so tells the plugin nothing. */
const holdsAGrant = (path: string) => grants.some((grant) => grant === path || grant.startsWith(path.endsWith(sep) ? path : path + sep));

/** Throws the permission model's read refusal unless `value` is a granted path. */
function requireReadable(value: unknown): void {
  const path = toPath(value);
  if (path !== undefined && !readable(path)) throw readDenied(path);
}

/** Throws unless the real path a realpath call found is granted too (a link must not point out). */
function checkResult(input: unknown, result: string | Buffer): string | Buffer {
  const path = toPath(result);
  if (path !== undefined && !readable(path)) throw readDenied(toPath(input) ?? String(input));
  return result;
}

function guardSync<F extends (path: fs.PathLike, ...rest: never[]) => string | Buffer>(raw: F): F {
  return ((path: fs.PathLike, ...rest: never[]) => {
    requireReadable(path);
    return checkResult(path, raw(path, ...rest));
  }) as F;
}

function guardCallback<F extends (...args: never[]) => void>(rawFn: F): F {
  const raw = rawFn as unknown as (...args: unknown[]) => void;
  return ((path: fs.PathLike, ...rest: unknown[]) => {
    const callback = rest.pop();
    if (typeof callback !== 'function') return raw(path, ...rest, callback);
    const done = callback as Callback;
    try {
      requireReadable(path);
    } catch (error) {
      process.nextTick(done, error as Error);
      return;
    }
    raw(path, ...rest, (error: Error | null, resolved?: string | Buffer) => {
      if (error) return done(error);
      try {
        done(null, checkResult(path, resolved as string | Buffer));
      } catch (denied) {
        done(denied as Error);
      }
    });
  }) as unknown as F;
}

/** The `fs` realpath family: sync, `.native`, callback, callback `.native`, promises. */
function guardRealpath(): void {
  const realpathSync = guardSync(fs.realpathSync);
  seal(realpathSync, 'native', guardSync(fs.realpathSync.native));
  const realpath = guardCallback(fs.realpath);
  seal(realpath, 'native', guardCallback(fs.realpath.native));
  const rawPromise = fs.promises.realpath.bind(fs.promises);
  const promiseRealpath = async (path: fs.PathLike, options?: fs.ObjectEncodingOptions | BufferEncoding | null) => {
    requireReadable(path);
    return checkResult(path, await rawPromise(path, options)) as string;
  };
  seal(fs, 'realpathSync', realpathSync);
  seal(fs, 'realpath', realpath);
  seal(fs.promises, 'realpath', promiseRealpath);
}

/**
 * The CommonJS resolver's `stat` (public as `Module._stat`, and the one `require`,
 * `require.resolve` and `Module._findPath` use once replaced): an ungranted path is "missing",
 * so a package outside the grant is not found exactly as a package that does not exist.
 */
function guardModuleStat(): void {
  const Module = nodeModule.default as unknown as { _stat: (path: string) => number };
  // Touching Module._stat makes Node print an ExperimentalWarning on the plugin's stderr at every
  // start; it is our own access, not the plugin's, so the warning is held back while we make it.
  const emitWarning = process.emitWarning;
  process.emitWarning = (() => {}) as typeof process.emitWarning;
  try {
    sealModuleStat(Module);
  } finally {
    process.emitWarning = emitWarning;
  }
}

function sealModuleStat(Module: { _stat: (path: string) => number }): void {
  const rawStat = Module._stat;
  const stat = (path: string) => {
    const absolute = typeof path === 'string' ? resolve(path) : path;
    if (typeof absolute === 'string' && !readable(absolute) && !holdsAGrant(absolute)) return -2; // -ENOENT
    return rawStat(path);
  };
  // Module._stat is an accessor whose setter swaps the resolver's own stat; then it is sealed.
  Module._stat = stat;
  seal(Module, '_stat', stat);
}

/**
 * `module.findPackageJSON(specifier, base)`: for a file outside the grant it answered "not found"
 * when missing and "access denied" when present. A path outside the grant is now refused whether it
 * exists or not; a package outside it is not found; a package.json found above the grant is none.
 */
function guardFindPackageJSON(): void {
  const Module = nodeModule.default as unknown as Record<string, unknown>;
  const raw = Module.findPackageJSON as ((specifier: string | URL, base?: string | URL) => string | undefined) | undefined;
  if (typeof raw !== 'function') return;
  seal(Module, 'findPackageJSON', (specifier: string | URL, base?: string | URL) => {
    const text = String(specifier);
    if (isPathLike(text)) {
      const target = targetOf(text, base === undefined ? undefined : String(base));
      if (target?.protocol === 'file:') requireReadable(target);
    }
    let found: string | undefined;
    try {
      found = raw(specifier, base);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED' && !isPathLike(text)) {
        throw packageNotFound(text, base === undefined ? undefined : String(base), ['import']);
      }
      throw error;
    }
    return found !== undefined && !readable(found) ? undefined : found;
  });
}

/** Where a path-like `specifier` points, resolved against `parentURL` (or the working folder). */
function targetOf(specifier: string, parentURL: string | undefined): URL | undefined {
  const base = parentURL?.startsWith('file:') ? parentURL : pathToFileURL(`${process.cwd()}${sep}`).href;
  try {
    return isAbsolute(specifier) ? pathToFileURL(specifier) : new URL(specifier, base);
  } catch {
    return undefined;
  }
}

const isPathLike = (specifier: string) =>
  specifier.startsWith('file:') || specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' ||
  specifier === '..' || isAbsolute(specifier);

/**
 * The module resolve step (`import`, `import.meta.resolve`, `require`): a path outside the grant is
 * refused before it is looked up; a package that resolves outside it (ESM looks packages up with
 * its own stat) is reported not found, as a package that does not exist.
 */
export const resolveWithinGrant: ResolveHook = (specifier, context, nextResolve) => {
  if (isPathLike(specifier)) {
    const target = targetOf(specifier, context.parentURL);
    if (target?.protocol === 'file:') requireReadable(target);
    return nextResolve(specifier, context);
  }
  const notFound = () => packageNotFound(specifier, context.parentURL, context.conditions);
  let result: ReturnType<typeof nextResolve>;
  try {
    result = nextResolve(specifier, context);
  } catch (error) {
    // ESM reads an ungranted package's package.json and is refused: that must read as "not found".
    if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') throw notFound();
    throw error;
  }
  if (result.url.startsWith('file:') && !readable(fileURLToPath(result.url))) throw notFound();
  return result;
};

/** Node's own "not found" for a package, as `import` (ERR_MODULE_NOT_FOUND) or `require` throws it. */
function packageNotFound(specifier: string, parentURL: string | undefined, conditions: readonly string[] | undefined): Error {
  const parent = parentURL?.startsWith('file:') ? fileURLToPath(parentURL) : parentURL;
  if (conditions?.includes('require')) {
    return Object.assign(new Error(`Cannot find module '${specifier}'${parent ? `\nRequire stack:\n- ${parent}` : ''}`), {
      code: 'MODULE_NOT_FOUND',
      requireStack: parent ? [parent] : [],
    });
  }
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  return Object.assign(new Error(`Cannot find package '${name}' imported from ${parent}`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/**
 * Closes the fs and resolver oracles (the resolve hook itself is installed with the builtins').
 *
 * @example
 * ```ts
 * lockDownFsOracles();
 * fs.realpathSync('/etc/passwd'); // ERR_ACCESS_DENIED, as for '/etc/no-such-file'
 * ```
 */
export function lockDownFsOracles(): void {
  if (grants.length === 0) return; // no permission model: nothing is outside a grant
  guardRealpath();
  guardModuleStat();
  guardFindPackageJSON();
}
