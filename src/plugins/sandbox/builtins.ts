/**
 * The builtin modules a sandboxed plugin may load, and the refusal of every other one however it is
 * reached. Node's permission model guards some builtins' dangerous calls (spawn, Worker, WASI, the
 * inspector) but not others at all: `node:sqlite` opens and writes any file, `node:ffi` calls any
 * C function, `node:v8` changes V8's flags. So the refusal is an allowlist, applied at every door:
 *
 * - `import` (static, dynamic, `import.meta.resolve`), `require`, `createRequire(...)`,
 *   `Module._load` (even with a pre-resolved result, which skips resolve hooks): a resolve hook and
 *   a load hook, registered with `module.registerHooks` before any plugin code runs.
 * - `Module._load(name, parent, isMain, { resolved: { url, filename } })`: the load hook sees `url`
 *   but Node loads the builtin named by `filename` (`url: 'node:fs', filename: 'v8'`): both checked.
 * - `process.getBuiltinModule`, which skips module hooks: replaced.
 * - `module.registerHooks` / `module.register`: a hook registered later runs first and could
 *   short-circuit ours, so the plugin gets neither (the runtime's own `plugin-resolve.ts` hook is
 *   installed before this lockdown).
 * - `process.binding` / `process._linkedBinding` (native bindings, internal builtins): replaced.
 *
 * @module
 */
import * as nodeModule from 'node:module';
import { accessDenied, seal } from './grant.js';

/**
 * What a provider needs. Found by loading openai, @anthropic-ai/sdk and @google/genai (with
 * google-auth-library, gaxios, ws) under the sandbox and recording what they import, plus the
 * pure-JavaScript helpers every npm dependency tree reaches for. Network modules are here because
 * SDKs import them at load time; the permission model (no `--allow-net`) refuses their sockets.
 */
export const ALLOWED_BUILTINS: readonly string[] = [
  'assert', 'assert/strict', 'async_hooks', 'buffer', 'console', 'constants', 'crypto',
  'diagnostics_channel', 'dns', 'dns/promises', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https',
  'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process', 'punycode',
  'querystring', 'readline', 'readline/promises', 'stream', 'stream/consumers', 'stream/promises',
  'stream/web', 'string_decoder', 'sys', 'timers', 'timers/promises', 'tls', 'tty', 'url', 'util',
  'util/types', 'zlib',
];

/**
 * Builtins that SDKs import at load time but a sandboxed plugin may not use: the import yields a
 * stand-in whose every function throws `ERR_ACCESS_DENIED` (google-auth-library, inside
 * @google/genai, imports `child_process` to run gcloud, which the sandbox could never do anyway).
 */
const STAND_INS: Readonly<Record<string, string>> = {
  child_process: new URL('./child-process-stand-in.js', import.meta.url).href,
};

const allowed = new Set(ALLOWED_BUILTINS);

/** `'node:fs'`, `'fs'` → `'fs'`; a URL or specifier that names no builtin → undefined. */
function builtinName(specifier: string): string | undefined {
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return nodeModule.isBuiltin(specifier) || nodeModule.isBuiltin(`node:${name}`) ? name : undefined;
}

/**
 * The refusal of builtin `name`.
 *
 * @example
 * ```ts
 * throw builtinDenied('sqlite'); // code ERR_ACCESS_DENIED, names node:sqlite and the allowlist
 * ```
 */
export function builtinDenied(name: string): Error {
  return accessDenied(
    `A sandboxed plugin may not load the builtin module 'node:${name}': the sandbox allows only these builtins: ` +
      `${ALLOWED_BUILTINS.join(', ')}.`,
    { module: `node:${name}` },
  );
}

/**
 * Throws unless builtin `specifier` is allowed (or, with `standIns`, has a stand-in); answers
 * whether `specifier` named a builtin at all.
 */
function check(specifier: string, standIns = false): boolean {
  const name = builtinName(specifier);
  if (name === undefined) return false;
  if (!allowed.has(name) && !(standIns && name in STAND_INS)) throw builtinDenied(name);
  return true;
}

type ResolveHook = NonNullable<nodeModule.RegisterHooksOptions['resolve']>;
type LoadHook = NonNullable<nodeModule.RegisterHooksOptions['load']>;

/**
 * Installs the builtin allowlist: module hooks, `process.getBuiltinModule`, bindings, and takes the
 * hook API away from the plugin. `extraResolve` runs after the builtin check (the fs-oracle guard).
 *
 * @example
 * ```ts
 * lockDownBuiltins();
 * await import('node:sqlite'); // rejects with ERR_ACCESS_DENIED
 * ```
 */
export function lockDownBuiltins(extraResolve?: ResolveHook): void {
  const rawRegisterHooks = nodeModule.registerHooks.bind(nodeModule);
  const resolveHook: ResolveHook = (specifier, context, nextResolve) => {
    if (check(specifier, true)) {
      const name = builtinName(specifier) as string;
      const standIn = STAND_INS[name];
      if (standIn) return { url: standIn, format: 'module', shortCircuit: true };
    }
    const result = extraResolve ? extraResolve(specifier, context, nextResolve) : nextResolve(specifier, context);
    // A hook further down the chain may have mapped a harmless name onto a builtin.
    if (result.url.startsWith('node:')) check(result.url);
    return result;
  };
  // `Module._load(name, parent, isMain, { resolved })` skips resolve hooks; the load hook still runs,
  // and never loads the real module of a stand-in.
  const loadHook: LoadHook = (url, context, nextLoad) => {
    if (url.startsWith('node:')) check(url);
    return nextLoad(url, context);
  };
  rawRegisterHooks({ resolve: resolveHook, load: loadHook });

  const rawGetBuiltinModule = process.getBuiltinModule.bind(process);
  seal(process, 'getBuiltinModule', (id: string) => {
    const name = typeof id === 'string' ? builtinName(id) : undefined;
    if (name !== undefined && !allowed.has(name)) throw builtinDenied(name);
    return rawGetBuiltinModule(id);
  });
  seal(process, 'binding', (name: string) => {
    throw accessDenied(`A sandboxed plugin may not call process.binding('${String(name)}').`);
  });
  seal(process, '_linkedBinding', (name: string) => {
    throw accessDenied(`A sandboxed plugin may not call process._linkedBinding('${String(name)}').`);
  });

  const Module = nodeModule.default as unknown as Record<string, unknown>;
  guardPreResolvedLoad(Module);
  for (const name of ['registerHooks', 'register']) {
    seal(Module, name, () => {
      throw accessDenied(`A sandboxed plugin may not add module hooks (module.${name}): they could bypass the sandbox's own.`);
    });
  }
}

interface LoadOptions {
  resolved?: { url?: unknown; filename?: unknown; format?: unknown };
}
type ModuleLoad = (this: unknown, request: unknown, parent: unknown, isMain: unknown, options?: LoadOptions) => unknown;

/**
 * `Module._load`'s fourth argument is internal (the ESM loader passes a CJS module it resolved
 * already), but plugin code can pass it too. With `resolved.format` 'builtin' and a builtin id as
 * `resolved.filename`, Node loads that builtin while the load hook is shown only `resolved.url`,
 * which the caller chose ('node:fs' for 'v8'). So every name in it is checked (no stand-ins: that
 * door would load the real module), each read once so a getter cannot answer twice.
 */
function guardPreResolvedLoad(Module: Record<string, unknown>): void {
  const rawLoad = Module._load as ModuleLoad;
  seal(Module, '_load', function load(this: unknown, request: unknown, parent: unknown, isMain: unknown, options?: LoadOptions) {
    if (options === null || typeof options !== 'object') return rawLoad.call(this, request, parent, isMain, options);
    // A copy, so what Node reads is what was checked (a getter or a Proxy answers once).
    const copy: LoadOptions = { __proto__: null, ...options } as LoadOptions;
    const given = copy.resolved;
    if (given !== undefined && given !== null) {
      const resolved: Record<string, unknown> = { __proto__: null, url: given.url, filename: given.filename, format: given.format };
      for (const key of ['url', 'filename']) {
        if (resolved[key] === undefined) continue;
        resolved[key] = String(resolved[key]);
        check(resolved[key] as string);
      }
      copy.resolved = resolved;
    }
    return rawLoad.call(this, request, parent, isMain, copy);
  });
}
