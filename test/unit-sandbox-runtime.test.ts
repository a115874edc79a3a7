/**
 * The sandbox runtime's lockdown (src/plugins/sandbox/), run where it runs: a child Node process
 * under `--permission`, locked down by `lockDownSandbox()` as process-main.js does, then probed the
 * ways a plugin would (test/support/sandbox-runtime.ts, scenarios in
 * test/fixtures/sandbox-runtime/). Every door both ways: what is refused, and that what is allowed
 * still works. These run under Stryker too (the child runs the mutated sources); the hostile suites
 * (`sandbox-hostile-node` ...) prove the same through a real plugin and the host.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_BUILTINS, builtinDenied } from 'anyllm/internal/plugins/sandbox/builtins.js';
import * as standIn from 'anyllm/internal/plugins/sandbox/child-process-stand-in.js';
import { resolveWithinGrant } from 'anyllm/internal/plugins/sandbox/fs-oracles.js';
import { accessDenied, readable, readDenied, seal, toPath } from 'anyllm/internal/plugins/sandbox/grant.js';
import { lockDownSandbox } from 'anyllm/internal/plugins/sandbox/index.js';
import { lockDownProcess } from 'anyllm/internal/plugins/sandbox/process-lockdown.js';
import { inSandboxRuntime } from './support/sandbox-runtime.js';

type Outcome = 'ok' | { code: string; message: string };
const DENIED = { code: 'ERR_ACCESS_DENIED' };
/** The permission model's own read refusal, which the fs guards repeat word for word. */
const READ_DENIED = { code: 'ERR_ACCESS_DENIED', message: 'Access to this API has been restricted. Use --allow-fs-read to manage permissions.' };

let root: string;
let dir: string;
let outside: string;

beforeAll(() => {
  // root/app is the plugin's granted folder; root/outside and root/node_modules are not granted.
  root = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-sandbox-runtime-')));
  dir = join(root, 'app');
  outside = join(root, 'outside');
  mkdirSync(join(dir, 'node_modules', 'inside-pkg'), { recursive: true });
  mkdirSync(outside);
  mkdirSync(join(root, 'node_modules', 'outside-pkg'), { recursive: true });
  mkdirSync(join(root, 'node_modules', '@scope', 'outside-pkg'), { recursive: true });
  writeFileSync(join(root, 'node_modules', '@scope', 'outside-pkg', 'package.json'), '{"name":"@scope/outside-pkg"}');
  writeFileSync(join(root, 'node_modules', '@scope', 'outside-pkg', 'deep.js'), '');
  writeFileSync(join(root, 'node_modules', 'outside-pkg', 'package.json'), '{"name":"outside-pkg","main":"index.js"}');
  writeFileSync(join(root, 'node_modules', 'outside-pkg', 'index.js'), 'module.exports = 1;');
  writeFileSync(join(dir, 'node_modules', 'inside-pkg', 'package.json'), '{"name":"inside-pkg","main":"index.mjs","exports":{".":"./index.mjs"}}');
  writeFileSync(join(dir, 'node_modules', 'inside-pkg', 'hidden.mjs'), 'export default "hidden";');
  // A package in the granted node_modules that is a link to one outside the grant.
  symlinkSync(join(root, 'node_modules', 'outside-pkg'), join(dir, 'node_modules', 'linked-pkg'));
  // An ungranted folder whose name is a prefix of the granted one's (root/ap beside root/app).
  mkdirSync(dir.slice(0, -1));
  writeFileSync(join(dir, 'node_modules', 'inside-pkg', 'index.mjs'), 'export default "inside";');
  writeFileSync(join(dir, 'file.txt'), 'granted');
  writeFileSync(join(dir, 'ok.mjs'), 'export default "ok";');
  writeFileSync(join(dir, 'probe.mjs'), 'export const probe = (specifier) => import(specifier);');
  writeFileSync(join(outside, 'secret'), 'secret');
  writeFileSync(join(outside, 'secret.mjs'), 'export default "secret";');
  writeFileSync(join(outside, 'lone.mjs'), 'export const probe = (specifier) => import(specifier);');
  symlinkSync(join(outside, 'secret'), join(dir, 'link-out'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = <T>(name: string, options: Record<string, unknown> = {}) => inSandboxRuntime<T>(name, { grants: [dir], dir, outside, cwd: dir, ...options });

describe('builtins', () => {
  it('loads every allowed builtin through import, require and getBuiltinModule, and refuses every other one through each', async () => {
    const { result } = await run<Record<string, { import: string; require: string; get: string }>>('builtinDoors');
    const names = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))].filter((name) => !name.startsWith('_'));
    for (const name of names) {
      // child_process loads, as a stand-in that refuses (below); getBuiltinModule has no stand-in.
      const expected = ALLOWED_BUILTINS.includes(name)
        ? { import: 'ok', require: 'ok', get: 'ok' }
        : name === 'child_process'
          ? { import: 'ok', require: 'ok', get: 'ERR_ACCESS_DENIED' }
          : { import: 'ERR_ACCESS_DENIED', require: 'ERR_ACCESS_DENIED', get: 'ERR_ACCESS_DENIED' };
      expect({ name, ...result[name] }).toEqual({ name, ...expected });
    }
    // The allowlist as documented (docs/SECURITY.md), literally: a name dropped or added is noticed.
    expect(ALLOWED_BUILTINS).toEqual([
      'assert', 'assert/strict', 'async_hooks', 'buffer', 'console', 'constants', 'crypto',
      'diagnostics_channel', 'dns', 'dns/promises', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https',
      'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process', 'punycode',
      'querystring', 'readline', 'readline/promises', 'stream', 'stream/consumers', 'stream/promises',
      'stream/web', 'string_decoder', 'sys', 'timers', 'timers/promises', 'tls', 'tty', 'url', 'util',
      'util/types', 'zlib',
    ]);
    for (const refused of ['sqlite', 'v8', 'vm', 'worker_threads', 'inspector', 'wasi', 'cluster', 'repl', 'trace_events']) {
      expect(result[refused]?.import ?? 'ERR_ACCESS_DENIED', refused).toBe('ERR_ACCESS_DENIED');
    }
  });

  it('refuses a builtin named with or without node:, by import, require, import.meta.resolve or getBuiltinModule, naming it and the allowlist', async () => {
    const { result } = await run<Record<string, Outcome | string>>('builtinRefusal');
    const refusal = (name: string) => ({
      code: 'ERR_ACCESS_DENIED',
      message: `A sandboxed plugin may not load the builtin module 'node:${name}': the sandbox allows only these builtins: ${ALLOWED_BUILTINS.join(', ')}.`,
    });
    expect(result.importSqlite).toEqual(refusal('sqlite'));
    expect(result.bareSqlite).toEqual(refusal('sqlite'));
    expect(result.requireBareSqlite).toEqual(refusal('sqlite'));
    expect(result.getBareV8).toEqual(refusal('v8'));
    expect(result.resolveV8).toEqual(refusal('v8'));
    expect(result.module).toBe('node:worker_threads');
    // What is allowed still answers as Node does.
    expect(result.getFs).toBe('function');
    expect(result.getNodeFs).toBe('function');
    expect(result.getPackage).toBe('undefined');
    expect(result.resolveFs).toBe('node:fs');
    expect(result.getNumber).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(result.requirePackage).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    expect(result.importFile).toBe('harmless');
  });

  it('gives node:child_process as a stand-in whose every function and class refuses', async () => {
    const { result } = await run<Record<string, unknown>>('childProcessStandIn');
    const names = ['ChildProcess', 'exec', 'execFile', 'execFileSync', 'execSync', 'fork', 'spawn', 'spawnSync'];
    expect(result.names).toEqual([...names, 'default'].sort());
    expect(result.defaultNames).toEqual(names);
    expect(result.same).toBe(true);
    const refusal = { code: 'ERR_ACCESS_DENIED', message: expect.stringMatching(/^A sandboxed plugin may not load the builtin module 'node:child_process'/) };
    for (const name of names.filter((name) => name !== 'ChildProcess')) {
      expect(result[name], name).toEqual(refusal);
      expect(result[`default.${name}`], name).toBe('ERR_ACCESS_DENIED');
    }
    expect(result.construct).toEqual(refusal);
    expect(result.defaultConstruct).toBe('ERR_ACCESS_DENIED');
    expect(result.require).toBe('ERR_ACCESS_DENIED');
    expect(result.get).toBe('ERR_ACCESS_DENIED');
  });

  it('refuses a builtin that a hook further down the chain mapped a harmless name onto', async () => {
    const { result } = await run<Record<string, Outcome | string>>('mappedName', { mapped: { harmless: 'node:v8', fine: 'node:fs' } });
    expect(result.builtin).toMatchObject({ ...DENIED, message: expect.stringContaining("'node:v8'") });
    // Refused when resolved, not only when loaded: import.meta.resolve does not load.
    expect(result.resolved).toMatchObject({ ...DENIED, message: expect.stringContaining("'node:v8'") });
    expect(result.allowed).toBe('function');
  });

  it('checks both names of a pre-resolved Module._load, each read once, and loads an allowed one', async () => {
    const { result } = await run<Record<string, Outcome | string | number>>('preResolvedLoad');
    for (const key of ['filenameV8', 'urlV8', 'urlOnly', 'filenameOnly', 'plainV8']) {
      expect(result[key], key).toMatchObject({ ...DENIED, message: expect.stringContaining("'node:v8'") });
    }
    // No stand-in through this door: it would load the real module.
    expect(result.standIn).toMatchObject({ ...DENIED, message: expect.stringContaining("'node:child_process'") });
    expect(result.fsBoth).toBe('fs');
    expect(result.fsFilenameOnly).toBe('fs');
    // A name left out is passed on as absent, not as the text 'undefined': Node's own complaint.
    expect(result.fsUrlOnly).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('Received undefined') });
    // A getter answering 'fs' when checked and 'v8' when Node reads it: Node reads the checked copy.
    expect(result.twoFaced).toBe('fs');
    expect(result.twoFacedReads).toBe(1);
    expect(result.noResolved).toBe('function');
    expect(result.nullResolved).toBe('function');
    // Node's own failure for null options, not a refusal.
    expect(result.nullOptions).toMatchObject({ code: 'TypeError' });
  });

  it('refuses native bindings and new module hooks, and seals what it replaced', async () => {
    const { result } = await run<Record<string, unknown>>('bindingsAndHooks');
    expect(result.binding).toEqual({ ...DENIED, message: "A sandboxed plugin may not call process.binding('fs')." });
    expect(result.linkedBinding).toEqual({ ...DENIED, message: "A sandboxed plugin may not call process._linkedBinding('fs')." });
    expect(result.registerHooks).toEqual({ ...DENIED, message: "A sandboxed plugin may not add module hooks (module.registerHooks): they could bypass the sandbox's own." });
    expect(result.register).toEqual({ ...DENIED, message: "A sandboxed plugin may not add module hooks (module.register): they could bypass the sandbox's own." });
    expect(result.reassign).toMatchObject({ code: 'TypeError' });
    for (const [name, descriptor] of Object.entries(result.sealed as Record<string, unknown>)) {
      expect({ name, descriptor }).toEqual({ name, descriptor: { writable: false, configurable: false } });
    }
  });

  it('names the refused builtin in the error (in-process)', () => {
    const error = builtinDenied('sqlite') as Error & { code: string; module: string };
    expect(error.code).toBe('ERR_ACCESS_DENIED');
    expect(error.module).toBe('node:sqlite');
    expect(() => standIn.spawn()).toThrow(/may not load the builtin module 'node:child_process'/);
    expect(() => new standIn.ChildProcess()).toThrow(/node:child_process/);
  });
});

describe('process control', () => {
  it('signals only itself, refuses the inspector and credentials, and lets it only lower its own priority', async () => {
    const { result } = await run<Record<string, unknown>>('processControl');
    const denied = (what: string) => ({ ...DENIED, message: `Access to this API has been restricted: a sandboxed plugin may not ${what}.` });
    expect(result.killParent).toEqual(denied('signal another process'));
    expect(result.killGroup).toBe('ERR_ACCESS_DENIED');
    expect(result.killSelf).toBe(true);
    expect(result.rawKillSelf).toBe(0);
    expect(result.rawKillString).toBe(0);
    // The pid is read once: a value answering our pid, then the host's, reaches the native call as ours.
    expect(result.rawKillTwoFaced).toEqual([0, 1]);
    expect(result.debugProcess).toEqual(denied('call process._debugProcess'));
    expect(result.debugEnd).toEqual(denied('call process._debugEnd'));
    for (const name of ['setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups', 'execve']) {
      expect(result[name], name).toEqual(denied(`call process.${name}`));
    }
    expect(result.getuid).toBe('number');
    expect(result.priorityParent).toEqual(denied('change the priority of another process'));
    expect(result.priorityRaise).toEqual(denied('raise its own priority (it may only lower it)'));
    expect(result.priorityRaiseOne).toEqual(denied('raise its own priority (it may only lower it)'));
    expect(result.priorityString).toBe('ERR_INVALID_ARG_TYPE');
    expect(result.prioritySame).toBe('ok');
    const before = result.priorityBefore as number;
    expect(result.priorityLower).toEqual([null, before + 1]);
    expect(result.priorityLowerOne).toEqual([null, before + 2]);
    expect(result.priorityPidString).toEqual([null, before + 3]);
  });
});

describe('fs oracles', () => {
  it('answers a path outside the grant with the same refusal whether it exists or not, through every realpath', async () => {
    const { result } = await run<Record<string, Record<string, unknown>>>('fsOracles');
    const variants = ['sync', 'native', 'esm', 'esmDefault', 'callback', 'callbackNative', 'promise'];
    for (const path of ['outsideExisting', 'outsideMissing']) {
      for (const variant of variants) {
        expect(result[path][variant], `${path} ${variant}`).toMatchObject(READ_DENIED);
      }
      const name = path === 'outsideExisting' ? 'secret' : 'no-such';
      expect(result[path].callback).toMatchObject({ resource: join(outside, name), sync: false });
      expect(result[path].callbackNative).toMatchObject({ resource: join(outside, name), sync: false });
    }
    expect(result.outsideBuffer).toMatchObject(READ_DENIED);
    expect(result.refusal.permission).toEqual(['FileSystemRead', join(outside, 'secret')]);
    // A granted link pointing out of the grant is refused, naming the link, not its target.
    for (const variant of variants.filter((variant) => variant !== 'callback')) {
      expect(result.linkOut[variant], variant).toMatchObject(READ_DENIED);
    }
    expect(result.linkOut.callbackNative).toMatchObject({ resource: join(dir, 'link-out'), sync: false });
  });

  it('leaves realpath inside the grant as it was: found, or ENOENT', async () => {
    const { result } = await run<Record<string, Record<string, unknown>>>('fsOracles');
    const file = join(dir, 'file.txt');
    for (const variant of ['sync', 'native', 'esm', 'esmDefault', 'promise']) {
      expect(result.granted[variant], variant).toBe(file);
      expect(result.grantedMissing[variant], variant).toMatchObject({ code: 'ENOENT' });
    }
    expect(result.granted.callbackNative).toEqual({ value: file, sync: false });
    expect(result.grantedMissing.callbackNative).toMatchObject({ code: 'ENOENT', sync: false });
    expect(result.grantedBuffer).toBe(file);
    expect(result.grantedUrl).toBe(file);
    expect(result.noCallback).toBe('ERR_INVALID_ARG_TYPE');
    // Not a path at all: Node's own answer, not a read refusal.
    expect(result.notAPath).toBe('ENOENT');
    expect(result.notAPathNative).toBe('ERR_INVALID_ARG_TYPE');
    // A relative link is refused naming its absolute path.
    expect(result.linkOutRelative).toMatchObject({ ...READ_DENIED, resource: join(dir, 'link-out') });
    expect(result.sealed).toEqual([false, false]);
    expect(result.promiseSealed).toBe(false);
    expect(result.nativeSealed).toBe(false);
    expect(result.requireGranted).toBe(file);
    expect(result.requireOutside).toMatchObject(DENIED);
  });

  it("makes the resolver's stat call a path outside the grant missing, but not the folders holding the grant", async () => {
    const { result } = await run<Record<string, Record<string, unknown>>>('fsOracles');
    expect(result.stat).toEqual({
      grantedFile: 0,
      grantedFolder: 1,
      grantedMissing: -2,
      outsideExisting: -2,
      outsideFolder: -2,
      ancestor: 1,
      ancestorWithSep: 1,
      sibling: -2,
      relative: 1,
      relativeOutside: -2,
      relativeAncestor: 1,
      prefixOfGrant: -2,
      statSealed: false,
    });
  });

  it('resolves no module outside the grant: a path is refused, a package is not found, exactly as one that does not exist', async () => {
    const { result } = await run<Record<string, unknown>>('resolver');
    for (const key of ['importOutside', 'importOutsideMissing', 'importOutsideUrl']) expect(result[key], key).toMatchObject(READ_DENIED);
    expect(result.importGranted).toBe('ok');
    expect(result.importRelative).toBe('harmless');
    expect(result.importPackageInside).toBe('inside');
    expect(result.importPackageGranted).toBe('inside');
    const probe = join(dir, 'probe.mjs');
    expect(result.importPackageOutside).toEqual({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package 'outside-pkg' imported from ${probe}` });
    expect(result.importScopedOutside).toEqual({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package '@scope/outside-pkg' imported from ${probe}` });
    expect(result.importMissingPackage).toEqual({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package 'never-installed' imported from ${probe}` });
    expect(result.requirePackageOutside).toEqual({ code: 'MODULE_NOT_FOUND', message: `Cannot find module 'outside-pkg'\nRequire stack:\n- ${probe}` });
    expect(result.requireMissingPackage).toEqual({ code: 'MODULE_NOT_FOUND', message: `Cannot find module 'never-installed'\nRequire stack:\n- ${probe}` });
    expect(result.requireInside).toEqual({ __esModule: true, default: 'inside' });
    expect(result.importDotOutside).toMatchObject({ ...READ_DENIED, resource: join(outside, 'secret.mjs') });
    expect(result.importDeepOutside).toEqual({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package 'outside-pkg' imported from ${probe}` });
    // Node's own errors pass through unchanged.
    expect(result.importNotExported).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(result.importBadUrl).toBe('ERR_INVALID_URL');
    // A package in the grant that is a link out of it is not found, by import or require.
    expect(result.importLinked).toEqual({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package 'linked-pkg' imported from ${probe}` });
    expect(result.requireLinkedStack).toEqual([probe]);
    expect(result.importDotDot).toMatchObject({ ...READ_DENIED, resource: `${root}/` });
    expect(result.requireLinked).toEqual({ code: 'MODULE_NOT_FOUND', message: `Cannot find module 'linked-pkg'\nRequire stack:\n- ${probe}` });
  });

  it('makes module.findPackageJSON refuse a path outside the grant and find no package outside it', async () => {
    const { result } = await run<{ find: Record<string, unknown> }>('resolver');
    const find = result.find;
    for (const key of ['outsidePath', 'outsideMissing', 'outsideRelative', 'outsideUrl', 'noBase']) expect(find[key], key).toMatchObject(READ_DENIED);
    const inside = join(dir, 'node_modules', 'inside-pkg', 'package.json');
    expect(find.grantedPath).toBe(inside);
    expect(find.packageInside).toBe(inside);
    expect(find.relativeGranted).toBe(inside);
    expect(find.packageOutside).toBe('undefined');
    expect(find.packageFromOutside).toBe('undefined');
    // A relative specifier is judged against the base it is given (a URL or its text), not the working folder.
    expect(find.relativeFromOutside).toMatchObject({ ...READ_DENIED, resource: join(outside, 'secret.mjs') });
    expect(find.relativeFromOutsideString).toMatchObject({ ...READ_DENIED, resource: join(outside, 'secret.mjs') });
    expect(find.noBaseGranted).toBe('ERR_UNSUPPORTED_RESOLVE_REQUEST');
    expect(find.badUrl).toBe('ERR_INVALID_URL');
    expect(find.missing).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND', message: `Cannot find package 'never-installed' imported from ${join(dir, 'index.mjs')}` });
    expect(find.sealed).toBe(false);
  });

  it('judges a relative specifier against its parent module, not the working folder', async () => {
    // The working folder is outside the grant here: judged against it, each would be refused.
    const { result } = await run<Record<string, unknown>>('relativeToParent', { cwd: outside });
    const inside = join(dir, 'node_modules', 'inside-pkg', 'package.json');
    expect(result).toEqual({ find: inside, findText: inside, importRelative: 'ok' });
  });

  it("refuses '.' from a granted file whose folder is not granted", async () => {
    const lone = join(outside, 'lone.mjs');
    const { result } = await run<Record<string, unknown>>('loneFile', { grants: [dir, lone], lone });
    expect(result.dot).toMatchObject({ ...READ_DENIED, resource: `${outside}/` });
    expect(result.dotSlash).toMatchObject({ ...READ_DENIED, resource: `${outside}/` });
  });

  it('guards the ESM view of node:fs too, for a module loaded after the lockdown', async () => {
    const { result } = await run<Record<string, string>>('esmView');
    expect(result.named).toBe('ERR_ACCESS_DENIED');
  });

  it('stays out of the way without the permission model (nothing is outside a grant there), and starts without a warning', async () => {
    const { result, stderr } = await run<Record<string, unknown>>('noPermission', { permission: false });
    expect(result).toEqual({ realpath: join(outside, 'secret'), stat: 0, statWritable: true, sqlite: 'ERR_ACCESS_DENIED' });
    expect(stderr).toBe('');
    const locked = await run('esmView');
    expect(locked.stderr).toBe('');
  });
});

describe('grant (in-process)', () => {
  it('turns a string, Buffer or file URL into an absolute path, and anything else into none', () => {
    expect(toPath('/a/b/../c')).toBe('/a/c');
    expect(toPath(Buffer.from('/a/./b'))).toBe('/a/b');
    expect(toPath(new URL('file:///a/b'))).toBe('/a/b');
    expect(toPath(new URL('https://example.com/a'))).toBeUndefined();
    expect(toPath(42)).toBeUndefined();
    expect(toPath(undefined)).toBeUndefined();
    // Without a permission model everything is readable.
    expect(readable('/etc')).toBe(true);
  });

  it('seals a member as a constant, keeping whether it was enumerable', () => {
    const target: Record<string, unknown> = { shown: 1 };
    Object.defineProperty(target, 'hidden', { value: 1, enumerable: false, configurable: true, writable: true });
    seal(target, 'shown', 2);
    seal(target, 'hidden', 3);
    seal(target, 'fresh', 4);
    expect(Object.getOwnPropertyDescriptor(target, 'shown')).toEqual({ value: 2, writable: false, configurable: false, enumerable: true });
    expect(Object.getOwnPropertyDescriptor(target, 'hidden')).toEqual({ value: 3, writable: false, configurable: false, enumerable: false });
    expect(Object.getOwnPropertyDescriptor(target, 'fresh')).toEqual({ value: 4, writable: false, configurable: false, enumerable: false });
  });

  it('refuses with ERR_ACCESS_DENIED and the extra members given; a read as the permission model does', () => {
    expect(accessDenied('no', { module: 'm' })).toMatchObject({ message: 'no', code: 'ERR_ACCESS_DENIED', module: 'm' });
    expect(Object.keys(accessDenied('no'))).toEqual(['code']);
    expect(readDenied('/x')).toMatchObject({ ...READ_DENIED, permission: 'FileSystemRead', resource: '/x' });
  });

  it('the lockdown entry points exist for process-main.js (they lock down only a child)', () => {
    expect(typeof lockDownSandbox).toBe('function');
    expect(typeof lockDownProcess).toBe('function');
    expect(typeof resolveWithinGrant).toBe('function');
  });
});
