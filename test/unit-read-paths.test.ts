/**
 * The sandbox's read grant (src/host/launchers/read-paths.ts) on small real folder trees made here:
 * what is granted (the plugin, its dependencies transitively, the runtime) and each thing that makes
 * a plugin unsafe to grant, with the path named, at the walk's limits and one past them.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GRANT_LIMITS, sandboxReadPaths } from 'anyllm/internal/host/launchers/read-paths.js';
import { InvalidRequestError } from 'anyllm/internal/errors.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-grant-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

/** A plugin folder `app/node_modules/plugin` with `deps` installed beside it. */
function plugin(dependencies: Record<string, string> = {}, installed: Record<string, { name?: string; dependencies?: Record<string, string> }> = {}) {
  const app = join(base, `app${counter++}`);
  const dir = join(app, 'node_modules', 'plugin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'plugin', dependencies }));
  writeFileSync(join(dir, 'index.js'), '');
  for (const [name, pkg] of Object.entries(installed)) {
    const folder = join(app, 'node_modules', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: pkg.name ?? name, dependencies: pkg.dependencies ?? {} }));
  }
  return { app, dir };
}
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('not refused');
};

describe('sandboxReadPaths', () => {
  it('the documented limits', () => {
    expect(GRANT_LIMITS).toEqual({ maxEntries: 50_000, maxDepth: 40, maxPackages: 2_000 });
  });

  it('grants the plugin, its dependencies transitively, the sdk, and the runtime; not what is merely installed beside it', () => {
    const { app, dir } = plugin({ a: '1' }, { a: { dependencies: { '@s/b': '1', missing: '1' } }, '@s/b': {}, sdk: {}, other: {} });
    const granted = sandboxReadPaths(dir, 'sdk');
    expect(granted[0]).toBe(dir);
    expect(granted).toContain(join(app, 'node_modules', 'a'));
    expect(granted).toContain(join(app, 'node_modules', '@s', 'b'));
    expect(granted).toContain(join(app, 'node_modules', 'sdk'));
    expect(granted).not.toContain(join(app, 'node_modules', 'other'));
    expect(granted.some((path) => path.endsWith(join('node_modules', 'json-rpc-2.0')))).toBe(true);
    // AnyLLM's plugin runtime: the plugins and protocol folders, errors and types.
    expect(granted.some((path) => path.endsWith(join('src', 'plugins')))).toBe(true);
    expect(granted.some((path) => path.endsWith(join('src', 'protocol')))).toBe(true);
    expect(granted.some((path) => path.endsWith(join('src', 'errors.js')))).toBe(true);
    expect(granted.some((path) => path.endsWith(join('src', 'types.js')))).toBe(true);
    expect(new Set(granted).size).toBe(granted.length);
  });

  it('refuses a folder that moved since registration, or a file', () => {
    const { dir } = plugin();
    const link = join(base, `moved${counter++}`);
    symlinkSync(dir, link);
    const error = refusal(() => sandboxReadPaths(link));
    expect(error.message).toBe(`Cannot sandbox the plugin in ${link}: the folder now resolves to ${dir}; it was ${link} when registered.`);
    expect(error.code).toBe('unsafe_plugin_file');
    expect(refusal(() => sandboxReadPaths(join(base, 'nowhere'))).message).toMatch(/the folder now resolves to nothing; it was/);
    expect(refusal(() => sandboxReadPaths(join(dir, 'index.js'))).message).toMatch(/: it is not a folder\.$/);
  });

  it('refuses an sdk that is not a package name', () => {
    const { dir } = plugin();
    expect(refusal(() => sandboxReadPaths(dir, '../..')).message).toMatch(/its manifest's 'sdk' "\.\.\/\.\." is not an npm package name/);
  });

  it('refuses a dependency whose package.json names another package, or that is not a node_modules folder', () => {
    let { dir } = plugin({ a: '1' }, { a: { name: 'b' } });
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/dependency 'a' of .*package\.json resolves to .*node_modules\/a, whose package\.json names "b"/);
    ({ dir } = plugin({ a: '1' }));
    const elsewhere = join(base, `ws${counter++}`);
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'package.json'), JSON.stringify({ name: 'a' }));
    symlinkSync(elsewhere, join(dir, '..', 'a'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/which resolves to .*, not a node_modules\/a folder \(workspace and `npm link` packages/);
  });

  it('refuses a dependency that holds the plugin itself', () => {
    const app = join(base, `self${counter++}`);
    const dir = join(app, 'node_modules', 'plugin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'plugin', dependencies: { host: '1' } }));
    // The host app, installed as a package named `host`, whose folder holds the plugin.
    const hostPkg = join(app, 'node_modules', 'host');
    mkdirSync(hostPkg, { recursive: true });
    writeFileSync(join(hostPkg, 'package.json'), JSON.stringify({ name: 'host' }));
    mkdirSync(join(hostPkg, 'node_modules'), { recursive: true });
    const nested = join(hostPkg, 'node_modules', 'plugin');
    mkdirSync(nested);
    writeFileSync(join(nested, 'package.json'), JSON.stringify({ name: 'plugin', dependencies: { host: '1' } }));
    expect(refusal(() => sandboxReadPaths(nested)).message).toMatch(/its dependency .*node_modules\/host holds the plugin itself/);
  });

  it('refuses a symlink out of the grant, and one that leads nowhere; takes one inside it', () => {
    let { dir } = plugin();
    symlinkSync('index.js', join(dir, 'inside.js'));
    expect(() => sandboxReadPaths(dir)).not.toThrow();
    symlinkSync('/etc/passwd', join(dir, 'out'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toBe(
      `Cannot sandbox the plugin in ${dir}: ${join(dir, 'out')} is a symlink to /etc/passwd, outside the folders the plugin may read.`,
    );
    ({ dir } = plugin());
    symlinkSync('missing', join(dir, 'dangling'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/dangling is a symlink that leads nowhere \(or in a loop\)/);
    // A sibling whose name starts with the plugin's is not inside it.
    ({ dir } = plugin());
    mkdirSync(`${dir}-evil`);
    symlinkSync(`${dir}-evil`, join(dir, 'sib'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/sib is a symlink to .*plugin-evil, outside/);
  });

  it('refuses hard links and files that are not regular', () => {
    let { dir } = plugin();
    linkSync(join(dir, 'index.js'), join(dir, 'twin.js'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/index\.js has 2 hard links, so it may be a file from outside the plugin/);
    ({ dir } = plugin());
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/pipe is a FIFO, not a regular file or folder|pipe is .*, not a regular file or folder/);
  });

  it('walks to the depth limit and refuses one past it', () => {
    const { dir } = plugin();
    let folder = dir;
    for (let i = 0; i < 3; i++) mkdirSync((folder = join(folder, `d${i}`)));
    expect(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxDepth: 3 })).not.toThrow();
    expect(refusal(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxDepth: 2 })).message).toMatch(/d2 is nested more than 2 folders deep/);
  });

  it('counts entries to the limit and refuses one past it', () => {
    const { dir } = plugin();
    // package.json and index.js: 2 entries.
    expect(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxEntries: 2 })).not.toThrow();
    expect(refusal(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxEntries: 1 })).message).toMatch(/it and its dependencies hold more than 1 files/);
  });

  it('counts packages to the limit and refuses one past it', () => {
    const { dir } = plugin({ a: '1', b: '1' }, { a: {}, b: {} });
    expect(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxPackages: 2 })).not.toThrow();
    expect(refusal(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxPackages: 1 })).message).toMatch(/it depends on more than 1 packages/);
  });

  it('refuses a granted path with a * in it', () => {
    const { app } = plugin();
    const dir = join(app, 'node_modules', 'st*ar');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x' }));
    expect(refusal(() => sandboxReadPaths(dir)).message).toMatch(/st\*ar has a '\*' in its path, which Node's permission model reads as a wildcard/);
  });

  it('a plugin folder without package.json (a built-in) is granted with its sdk', () => {
    const { app, dir } = plugin({}, { sdk: {} });
    rmSync(join(dir, 'package.json'));
    expect(sandboxReadPaths(dir, 'sdk')).toContain(join(app, 'node_modules', 'sdk'));
  });
});
