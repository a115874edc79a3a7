/**
 * What the launchers build in the host before a plugin's process exists, tested as values: the
 * bubblewrap command line (src/host/launchers/os-boundary/bubblewrap.ts), the exposure of links on
 * the way to a path (exposure.ts), and the Node flags a plugin inherits (plugin-flags.ts). What the
 * sandboxed process then does with them is the hostile suites' job (docs/TESTING.md).
 */
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bubblewrapArgs, bubblewrapBoundary, explainFailure, parseLdd, type BubblewrapSetup } from 'anyllm/internal/host/launchers/os-boundary/bubblewrap.js';
import { expose, linksOnTheWaySync, mergeExposures } from 'anyllm/internal/host/launchers/os-boundary/exposure.js';
import { pluginFlags, withoutNodeOptions } from 'anyllm/internal/host/launchers/plugin-flags.js';

const setup = (extra: Partial<BubblewrapSetup> = {}): BubblewrapSetup => ({
  bwrap: '/usr/bin/bwrap',
  runtime: { symlinks: [['x86_64-linux-gnu/libc.so.6', '/lib/libc.so.6']], binds: ['/usr/bin/node', '/lib'] },
  disableUserns: false,
  ...extra,
});
const command = { file: '/usr/bin/node', args: ['main.js', '--x'], cwd: '/app/plugin' };
/** The values following each occurrence of `flag`. */
const after = (args: string[], flag: string, count = 1) =>
  args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 1 + count).join(' ')] : []));

describe('bubblewrapArgs', () => {
  it('unshares everything, a user namespace explicitly, drops capabilities, dies with its parent, in its own session', () => {
    const args = bubblewrapArgs(setup(), command, []);
    expect(args.slice(0, 8)).toEqual(['--unshare-all', '--unshare-user', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'anyllm-sandbox']);
    expect(args).not.toContain('--disable-userns');
    expect(bubblewrapArgs(setup({ disableUserns: true }), command, []).slice(0, 3)).toEqual(['--unshare-all', '--unshare-user', '--disable-userns']);
  });

  it('mounts its own /dev, /proc (sysctl parts read-only) and an empty /tmp; caps tmpfs sizes when bwrap can', () => {
    const plain = bubblewrapArgs(setup(), command, []);
    expect(after(plain, '--dev')).toEqual(['/dev']);
    expect(after(plain, '--proc')).toEqual(['/proc']);
    expect(after(plain, '--tmpfs')).toEqual(['/tmp']);
    expect(plain).not.toContain('--size');
    expect(after(plain, '--ro-bind-try', 2)).toEqual(
      ['/proc/sys', '/proc/sysrq-trigger', '/proc/pressure', '/proc/fs', '/proc/irq', '/proc/bus'].map((p) => `${p} ${p}`),
    );
    const sized = bubblewrapArgs(setup({ sizedTmpfs: true }), command, []);
    expect(after(sized, '--size', 3)).toEqual([`${1024 * 1024} --tmpfs /dev/shm`, `${64 * 1024 * 1024} --tmpfs /tmp`]);
    // The private /tmp is mounted before the binds, so a plugin under /tmp is bound on top of it.
    expect(sized.indexOf('/tmp')).toBeLessThan(sized.indexOf('--ro-bind'));
    expect(sized.indexOf('--proc')).toBeLessThan(sized.indexOf('--ro-bind-try'));
  });

  it('binds the runtime and the grants read-only at the same paths, shortest first, never /, /proc, /dev or /sys', () => {
    const args = bubblewrapArgs(setup(), command, ['/app/plugin', '/', '/proc', '/proc/1/root', '/dev/sda', '/sys', '/sysadmin', '/lib'], [['real', '/app/link']]);
    expect(after(args, '--ro-bind', 2)).toEqual(['/lib /lib', '/sysadmin /sysadmin', '/app/plugin /app/plugin', '/usr/bin/node /usr/bin/node']);
    expect(after(args, '--symlink', 2)).toEqual(['x86_64-linux-gnu/libc.so.6 /lib/libc.so.6', 'real /app/link']);
    expect(args.indexOf('--symlink')).toBeLessThan(args.indexOf('--ro-bind'));
  });

  it('remounts / read-only, changes to the plugin\'s folder, and runs the command after --', () => {
    const args = bubblewrapArgs(setup(), command, []);
    expect(args.slice(-7)).toEqual(['--remount-ro', '/', '--chdir', '/app/plugin', '--', '/usr/bin/node', 'main.js', '--x'].slice(-7));
    expect(args.slice(-8)).toEqual(['--remount-ro', '/', '--chdir', '/app/plugin', '--', '/usr/bin/node', 'main.js', '--x']);
  });

  it('the boundary runs bwrap from / and adds only PWD to the environment', () => {
    const boundary = bubblewrapBoundary(setup());
    expect(boundary.kind).toBe('bubblewrap');
    expect(boundary.addsEnv).toEqual(['PWD']);
    const wrapped = boundary.wrap({ ...command, cwd: '/' }, ['/srv']);
    expect(wrapped.file).toBe('/usr/bin/bwrap');
    expect(wrapped.cwd).toBe('/');
    expect(after(wrapped.args, '--ro-bind', 2)).toContain('/srv /srv');
  });
});

describe('explainFailure', () => {
  it('names user namespaces and the sysctls to change when bwrap says so', () => {
    for (const said of ['bwrap: setting up uid map: Permission denied', 'No permissions to create new namespace', 'bwrap: Operation not permitted', 'RTM_NEWADDR failed']) {
      const why = explainFailure('/usr/bin/bwrap', { code: 1, stderr: `noise\n${said}\n` });
      expect(why).toMatch(/^user namespaces are disabled or restricted, so \/usr\/bin\/bwrap cannot build a sandbox \(it said: /);
      expect(why).toContain(said);
      expect(why).toContain('kernel.unprivileged_userns_clone=1');
    }
  });

  it('otherwise gives the exit code and the last three lines of what it said, bounded', () => {
    expect(explainFailure('bw', { code: 2, stderr: 'a\nb\nc\nd\n' })).toBe('bw failed to start a sandboxed node (exit 2): b c d');
    expect(explainFailure('bw', { code: null, stderr: '', error: 'spawn ENOENT' })).toBe('bw failed to start a sandboxed node (exit null): spawn ENOENT');
    expect(explainFailure('bw', { code: 1, stderr: '   ' })).toBe('bw failed to start a sandboxed node (exit 1): no message');
    expect(explainFailure('bw', { code: 1, stderr: 'x'.repeat(1000) })).toBe(`bw failed to start a sandboxed node (exit 1): ${'x'.repeat(400)}`);
  });
});

describe('parseLdd', () => {
  it('takes the libraries and the loader, not the vDSO or lines without an address', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f12)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007F99)',
      '\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f13)  ',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f12)',
      '\tlibgone.so => not found',
      '/no/address',
    ].join('\n');
    expect(parseLdd(output)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libm.so.6']);
  });
});

describe('exposure', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-expose-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'real', 'pkg'), { recursive: true });
  writeFileSync(join(dir, 'real', 'pkg', 'main.js'), '');
  symlinkSync('real', join(dir, 'rel'));
  symlinkSync(join(dir, 'rel'), join(dir, 'abs'));

  it('finds each link on the way to a path, relative and absolute, following chains', async () => {
    const path = join(dir, 'abs', 'pkg', 'main.js');
    expect(linksOnTheWaySync(path)).toEqual([
      [join(dir, 'rel'), join(dir, 'abs')],
      ['real', join(dir, 'rel')],
    ]);
    await expect(expose(path)).resolves.toEqual({
      symlinks: [
        [join(dir, 'rel'), join(dir, 'abs')],
        ['real', join(dir, 'rel')],
      ],
      binds: [join(dir, 'real', 'pkg', 'main.js')],
    });
    expect(linksOnTheWaySync(join(dir, 'real', 'pkg'))).toEqual([]);
  });

  it('stops at a path that does not exist, and at a loop', async () => {
    expect(linksOnTheWaySync(join(dir, 'missing', 'x'))).toEqual([]);
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    const found = linksOnTheWaySync(join(dir, 'loop-a'));
    expect(found.length).toBe(41);
    await expect(expose(join(dir, 'loop-a'))).rejects.toThrow();
  });

  it('merges exposures: links once per place, binds once, shortest first then by name', () => {
    expect(
      mergeExposures([
        { symlinks: [['t1', '/a']], binds: ['/usr/lib', '/b'] },
        { symlinks: [['t2', '/a'], ['t3', '/c']], binds: ['/a', '/b'] },
      ]),
    ).toEqual({ symlinks: [['t1', '/a'], ['t3', '/c']], binds: ['/a', '/b', '/usr/lib'] });
  });
});

describe('pluginFlags', () => {
  it('passes on source maps, --no-deprecation and --no-warnings only', () => {
    expect(pluginFlags({ sourceMapsEnabled: false, noDeprecation: false, flags: ['--import', 'x', '--inspect'] })).toEqual([]);
    expect(pluginFlags({ sourceMapsEnabled: true, noDeprecation: true, flags: ['--no-warnings'] })).toEqual(['--enable-source-maps', '--no-deprecation', '--no-warnings']);
    expect(pluginFlags({ sourceMapsEnabled: false, noDeprecation: true, flags: [] })).toEqual(['--no-deprecation']);
  });

  it('reads the host\'s own state by default: process.noDeprecation, execArgv and NODE_OPTIONS', () => {
    const before = process.noDeprecation;
    vi.stubEnv('NODE_OPTIONS', '--inspect  --no-warnings');
    try {
      process.noDeprecation = true;
      expect(pluginFlags()).toContain('--no-deprecation');
      expect(pluginFlags()).toContain('--no-warnings');
      process.noDeprecation = false;
      expect(pluginFlags()).not.toContain('--no-deprecation');
      vi.stubEnv('NODE_OPTIONS', '--inspect');
      expect(pluginFlags().includes('--no-warnings')).toBe(process.execArgv.includes('--no-warnings'));
    } finally {
      process.noDeprecation = before;
      vi.unstubAllEnvs();
    }
  });

  it('withoutNodeOptions drops NODE_OPTIONS and keeps the rest, returning the same object when there is none', () => {
    const env = { A: '1' };
    expect(withoutNodeOptions(env)).toBe(env);
    expect(withoutNodeOptions({ NODE_OPTIONS: '', A: '1' })).toEqual({ A: '1' });
  });
});
