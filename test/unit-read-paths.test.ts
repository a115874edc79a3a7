/**
 * The sandbox's read grant (src/host/launchers/read-paths.ts) on small real folder trees made here:
 * what is granted (the plugin, its dependencies transitively, the runtime) and each thing that makes
 * a plugin unsafe to grant, with the path named, at the walk's limits and one past them.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
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
  it("grants a built-in's bases (manifest builtOn) with their SDKs, and refuses a base that is not a folder", () => {
    const { app, dir } = plugin({}, { sdk: {}, 'base-sdk': {} });
    const baseDir = join(app, 'base');
    mkdirSync(baseDir);
    writeFileSync(join(baseDir, 'index.js'), '');
    const granted = sandboxReadPaths(dir, 'sdk', GRANT_LIMITS, [{ dir: baseDir, sdk: 'base-sdk' }]);
    expect(granted).toContain(baseDir);
    expect(granted).toContain(join(app, 'node_modules', 'base-sdk'));
    expect(sandboxReadPaths(dir, 'sdk')).not.toContain(baseDir);
    const notFolder = refusal(() => sandboxReadPaths(dir, 'sdk', GRANT_LIMITS, [{ dir: join(baseDir, 'index.js') }]));
    expect(notFolder.message).toMatch(/index\.js is not a folder/);
  });

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

describe('sandboxReadPaths: each folder walked once, the host app refused, every refusal worded exactly', () => {
  /** A plugin with dependency `a` installed inside its own node_modules (walked with the plugin). */
  function nestedPlugin() {
    const { app, dir } = plugin({ a: '1' });
    const a = join(dir, 'node_modules', 'a');
    mkdirSync(a, { recursive: true });
    writeFileSync(join(a, 'package.json'), JSON.stringify({ name: 'a' }));
    return { app, dir, a };
  }

  it('walks a dependency nested in the plugin folder once: its entries count once against the limit', () => {
    const { dir, a } = nestedPlugin();
    // package.json, index.js, node_modules, node_modules/a, node_modules/a/package.json: 5 entries.
    const granted = sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxEntries: 5 });
    expect(granted).toContain(a);
    expect(refusal(() => sandboxReadPaths(dir, undefined, { ...GRANT_LIMITS, maxEntries: 4 })).message).toBe(
      `Cannot sandbox the plugin in ${dir}: it and its dependencies hold more than 4 files.`,
    );
  });

  it('still checks a dependency nested in the plugin folder (walked as part of it)', () => {
    const { dir, a } = nestedPlugin();
    symlinkSync('/etc/passwd', join(a, 'out'));
    expect(refusal(() => sandboxReadPaths(dir)).message).toBe(
      `Cannot sandbox the plugin in ${dir}: ${join(a, 'out')} is a symlink to /etc/passwd, outside the folders the plugin may read.`,
    );
  });

  it('takes a symlink to the plugin folder itself (the grant includes the folder, not just what is under it)', () => {
    const { dir } = plugin();
    symlinkSync('.', join(dir, 'self'));
    expect(sandboxReadPaths(dir)[0]).toBe(dir);
  });

  /** A plugin depending on `hostapp`, a package that holds `bin/cli.js`. */
  function hostAppPlugin() {
    const { app, dir } = plugin({ hostapp: '1' }, { hostapp: {} });
    const hostapp = join(app, 'node_modules', 'hostapp');
    mkdirSync(join(hostapp, 'bin'));
    writeFileSync(join(hostapp, 'bin', 'cli.js'), '');
    return { dir, hostapp, cli: join(hostapp, 'bin', 'cli.js') };
  }
  const withArgv1 = <T>(value: string | undefined, run: () => T): T => {
    const saved = process.argv[1];
    process.argv[1] = value as string;
    try {
      return run();
    } finally {
      process.argv[1] = saved;
    }
  };
  const hostMessage = (dir: string, folder: string, held: string) =>
    `Cannot sandbox the plugin in ${dir}: its dependency ${folder} holds the host's own files (${held}), so it is the host app, not a package to grant.`;

  it("refuses a dependency that holds the host's entry script, named directly or through a symlink", () => {
    const { dir, hostapp, cli } = hostAppPlugin();
    expect(withArgv1(cli, () => refusal(() => sandboxReadPaths(dir))).message).toBe(hostMessage(dir, hostapp, cli));
    const link = join(base, `cli-link${counter++}.js`);
    symlinkSync(cli, link);
    expect(withArgv1(link, () => refusal(() => sandboxReadPaths(dir))).message).toBe(hostMessage(dir, hostapp, cli));
    // A script path that does not exist is compared as written.
    const ghost = join(hostapp, 'bin', 'gone.js');
    expect(withArgv1(ghost, () => refusal(() => sandboxReadPaths(dir))).message).toBe(hostMessage(dir, hostapp, ghost));
  });

  it("refuses a dependency that holds the host's working folder, and grants it when the host runs elsewhere", () => {
    const { dir, hostapp } = hostAppPlugin();
    expect(withArgv1(undefined, () => sandboxReadPaths(dir))).toContain(hostapp);
    // Stryker runs tests in worker threads, where process.chdir() is refused: stand in for it.
    const cwd = vi.spyOn(process, 'cwd').mockReturnValue(join(hostapp, 'bin'));
    try {
      expect(refusal(() => sandboxReadPaths(dir)).message).toBe(hostMessage(dir, hostapp, join(hostapp, 'bin')));
    } finally {
      cwd.mockRestore();
    }
  });

  it('looks a package up as Node does: skips node_modules/node_modules and folders without a package.json', () => {
    const { app, dir } = plugin({ a: '1', c: '1' }, { a: { dependencies: { b: '1' } }, b: {}, c: {} });
    // A decoy `b` where a lookup that did not skip node_modules/node_modules would find it first.
    const decoy = join(app, 'node_modules', 'node_modules', 'b');
    mkdirSync(decoy, { recursive: true });
    writeFileSync(join(decoy, 'package.json'), JSON.stringify({ name: 'b' }));
    // A nearer `c` folder with no package.json is not the package.
    mkdirSync(join(dir, 'node_modules', 'c'), { recursive: true });
    const granted = sandboxReadPaths(dir);
    expect(granted).toContain(join(app, 'node_modules', 'b'));
    expect(granted).not.toContain(decoy);
    expect(granted).toContain(join(app, 'node_modules', 'c'));
  });

  it('names the sdk as the source of a bad sdk package, exactly', () => {
    const { app, dir } = plugin({}, { sdk: { name: 'other' } });
    expect(refusal(() => sandboxReadPaths(dir, 'sdk')).message).toBe(
      `Cannot sandbox the plugin in ${dir}: dependency 'sdk' of ${join(dir, 'package.json')} ('sdk') resolves to ${join(app, 'node_modules', 'sdk')}, whose package.json names "other".`,
    );
  });

  it('refuses a dependency whose package.json is null, naming no package', () => {
    const { app, dir } = plugin({ a: '1' }, { a: {} });
    writeFileSync(join(app, 'node_modules', 'a', 'package.json'), 'null');
    expect(refusal(() => sandboxReadPaths(dir)).message).toBe(
      `Cannot sandbox the plugin in ${dir}: dependency 'a' of ${join(dir, 'package.json')} resolves to ${join(app, 'node_modules', 'a')}, whose package.json names undefined.`,
    );
  });

  it("refuses a plugin whose own package.json is not JSON, as its manifest (a missing one is a built-in's)", () => {
    const { dir } = plugin();
    writeFileSync(join(dir, 'package.json'), '{ not json');
    const error = refusal(() => sandboxReadPaths(dir));
    expect(error.code).toBe('invalid_manifest');
    expect(error.message).toMatch(new RegExp(`^Cannot read plugin manifest ${join(dir, 'package.json')}: `));
  });

  it('words the hard-link refusal exactly, with the installers that cause it', () => {
    const { dir } = plugin();
    linkSync(join(dir, 'index.js'), join(dir, 'twin.js'));
    const first = ['index.js', 'twin.js'].map((name) => join(dir, name));
    const message = refusal(() => sandboxReadPaths(dir)).message;
    expect(first.map((path) =>
      `Cannot sandbox the plugin in ${dir}: ${path} has 2 hard links, so it may be a file from outside the plugin ` +
      '(installers that hard-link from a store, like pnpm and bun, need their copy mode for a sandboxed plugin).',
    )).toContain(message);
  });
});
