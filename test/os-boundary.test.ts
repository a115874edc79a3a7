/**
 * The OS boundary's edges: the `sandbox: { os }` option, what `require` says when there is no
 * boundary (bwrap missing, user namespaces off, another OS), which boundary stats and events
 * report, the bwrap command line, and the macOS Seatbelt profile (generated and checked here as
 * text: it cannot run on Linux, so it is unverified on a Mac).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, PluginUnavailableError, registerPlugin } from 'anyllm';
import { bubblewrapArgs, explainFailure, parseLdd, probeBubblewrap, type BubblewrapSetup } from 'anyllm/internal/host/launchers/os-boundary/bubblewrap.js';
import { probeOsBoundary, resolveOsBoundary } from 'anyllm/internal/host/launchers/os-boundary/index.js';
import { seatbeltProfile } from 'anyllm/internal/host/launchers/os-boundary/seatbelt.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

let hostile: PluginCopy;
let scratch: string;

beforeAll(async () => {
  hostile = copyPlugin(resolve('test/fixtures/plugins/hostile'), ['http://127.0.0.1:9']);
  await registerPlugin(hostile.dir);
  process.env.HOSTILE_API_KEY = 'k';
  scratch = mkdtempSync(join(tmpdir(), 'anyllm-os-boundary-'));
});

afterAll(() => {
  hostile.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the sandbox option', () => {
  it.each([
    ['not an object', 'on', /Option 'sandbox' must be an object/],
    ['an unknown mode', { os: 'always' }, /Option 'sandbox\.os' must be one of auto, require, off/],
    ['an unknown key', { os: 'auto', seccomp: true }, /Option 'sandbox\.seccomp' is not an option/],
  ])('refuses %s, naming the field', async (_what, sandbox, message) => {
    const options: Record<string, unknown> = { sandbox };
    const error = await AnyLLM.create('hostile', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses 'require' for a client that does not run in the sandbox tier", async () => {
    const error = await AnyLLM.create('openai', { apiKey: 'sk-test', sandbox: { os: 'require' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/'sandbox\.os' is 'require', but this client runs in the worker tier/);
  });
});

describe("'require' without a boundary", () => {
  const none = (why: string) => async () => ({ available: false as const, why });

  it('refuses to start, saying why, where auto falls back to Node alone and off never probes', async () => {
    const error = await resolveOsBoundary('require', 'acme', none('this OS (win32) has no OS boundary')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect(error).toMatchObject({ provider: 'acme', code: 'os_boundary_unavailable' });
    expect((error as Error).message).toMatch(/Cannot sandbox plugin 'acme' with sandbox\.os 'require': this OS \(win32\) has no OS boundary/);
    expect((await resolveOsBoundary('auto', 'acme', none('x'))).kind).toBe('none');
    const never = () => Promise.reject(new Error('probed'));
    expect((await resolveOsBoundary('off', 'acme', never)).kind).toBe('none');
  });

  it('names the package when bwrap is not installed', async () => {
    const probe = await probeBubblewrap({ candidates: [join(scratch, 'no-such-bwrap')] });
    expect(probe).toMatchObject({ available: false });
    expect(!probe.available && probe.why).toMatch(/bubblewrap \(bwrap\) is not installed; install the `bubblewrap` package/);
  });

  it('names the sysctl when user namespaces are disabled', async () => {
    const fake = join(scratch, 'bwrap');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n',
    );
    chmodSync(fake, 0o755);
    const probe = await probeBubblewrap({ candidates: [fake] });
    expect(probe.available).toBe(false);
    const why = !probe.available ? probe.why : '';
    expect(why).toMatch(/user namespaces are disabled or restricted/);
    expect(why).toMatch(/kernel\.unprivileged_userns_clone=1/);
    expect(why).toMatch(/user\.max_user_namespaces/);
    expect(explainFailure('/usr/bin/bwrap', { code: 1, stderr: 'bwrap: setting up uid map: Permission denied' })).toMatch(
      /kernel\.apparmor_restrict_unprivileged_userns/,
    );
  });

  it('finds bubblewrap on this Linux machine (CI installs it)', async () => {
    const probe = await probeOsBoundary();
    expect(probe.available && probe.boundary.kind).toBe('bubblewrap');
    expect(probeOsBoundary()).toBe(probeOsBoundary()); // probed once
  });
});

describe('the boundary in force, in stats and events', () => {
  it.each([
    ['require', 'bubblewrap'],
    ['off', 'none'],
  ] as const)('sandbox.os %s runs the plugin under %s', async (os, boundary) => {
    const llm = await AnyLLM.create('hostile', { sandbox: { os }, idleTimeoutMs: 0 });
    try {
      const starts: string[] = [];
      llm.on('plugin:start', (event) => starts.push(event.boundary));
      await llm.start();
      expect(starts).toEqual([boundary]);
      expect(llm.stats()).toMatchObject({ isolation: 'sandbox', boundary });
    } finally {
      await llm.close();
    }
  });

  it("reports none for a tier that is not the sandbox", async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test' });
    expect(llm.stats()).toMatchObject({ isolation: 'worker', boundary: 'none' });
    await llm.close();
  });
});

describe('the bwrap command line', () => {
  const setup: BubblewrapSetup = {
    bwrap: '/usr/bin/bwrap',
    runtime: { symlinks: [['usr/lib', '/lib']], binds: ['/opt/node/bin/node', '/usr/lib/libc.so.6'] },
    disableUserns: true,
    sizedTmpfs: true,
  };
  const args = bubblewrapArgs(setup, { file: '/opt/node/bin/node', args: ['main.js', '--sandbox'], cwd: '/app/plugin' }, [
    '/app/plugin',
    '/pkg/dist/src/plugins',
    '/',
    '/proc/1/root',
  ]);
  const pairs = (flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));

  it('unshares every namespace, drops capabilities, and dies with its parent', () => {
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) expect(args).toContain(flag);
    expect(pairs('--cap-drop')).toEqual(['ALL']);
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/opt/node/bin/node', 'main.js', '--sandbox']);
  });

  it('mounts only the grants and the runtime, read-only, over a fresh /proc, a minimal /dev and an empty /tmp', () => {
    expect(pairs('--ro-bind')).toEqual(['/app/plugin', '/opt/node/bin/node', '/usr/lib/libc.so.6', '/pkg/dist/src/plugins']);
    expect(args).not.toContain('--bind');
    expect(args).not.toContain('--dev-bind');
    expect(pairs('--proc')).toEqual(['/proc']);
    expect(pairs('--dev')).toEqual(['/dev']);
    expect(pairs('--tmpfs')).toEqual(['/dev/shm', '/tmp']);
    expect(args.indexOf('--tmpfs')).toBeLessThan(args.indexOf('--ro-bind'));
  });

  it('caps the private tmpfs mounts, RAM the memory watchdog does not count', () => {
    // Each --size applies to the --tmpfs right after it.
    expect(args.slice(args.indexOf('/dev') + 1, args.indexOf('/dev') + 5)).toEqual(['--size', String(1024 * 1024), '--tmpfs', '/dev/shm']);
    expect(args[args.lastIndexOf('--tmpfs') - 2]).toBe('--size');
    expect(args[args.lastIndexOf('--tmpfs') - 1]).toBe(String(64 * 1024 * 1024));
    expect(pairs('--remount-ro')).toEqual(['/']);
    expect(pairs('--chdir')).toEqual(['/app/plugin']);
  });

  it("reads the libraries from ldd's output", () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd1d5f2000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0c1c000000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c1bc1e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0c1c43b000)',
    ].join('\n');
    expect(parseLdd(output)).toEqual(['/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});

// Generated and checked as text only: sandbox-exec exists on macOS alone, so this profile is unverified on a Mac.
describe('the Seatbelt profile (macOS)', () => {
  const node = '/opt/homebrew/Cellar/node/26.0.0/bin/node';
  const profile = seatbeltProfile(node, ['/Users/me/app/node_modules/anyllm-plugin-acme', '/Users/me/app/node_modules/anyllm/dist/src/errors.js']);
  const lines = profile.split('\n');

  it('denies by default and allows no network, no write and no other program', () => {
    expect(lines[0]).toBe('(version 1)');
    expect(lines[1]).toBe('(deny default)');
    expect(profile).not.toMatch(/network/);
    expect(profile).not.toMatch(/file-write/);
    expect(lines.filter((line) => line.includes('process-exec'))).toEqual([`(allow process-exec (literal "${node}"))`]);
    expect(profile).not.toMatch(/process-fork/);
    expect(profile).toContain('(allow signal (target self))');
  });

  it('reads the grants, the node binary and the system libraries, and only metadata above them', () => {
    expect(profile).toContain('(allow file-read* (subpath "/Users/me/app/node_modules/anyllm-plugin-acme"))');
    expect(profile).toContain('(allow file-read* (subpath "/Users/me/app/node_modules/anyllm/dist/src/errors.js"))');
    expect(profile).toContain(`(allow file-read* (literal "${node}"))`);
    expect(profile).toMatch(/\(allow file-read\* \(subpath "\/usr\/lib"\)/);
    expect(profile).toContain('(allow file-read-metadata (literal "/Users/me/app"))');
    expect(profile).toContain('(allow file-read-metadata (literal "/"))');
    expect(profile).not.toContain('(allow file-read* (subpath "/Users/me/app"))');
    expect(profile).not.toMatch(/subpath "\/Users\/me"\)/);
  });

  it('escapes paths so none can end its string and add a rule', () => {
    const tricky = seatbeltProfile(node, ['/tmp/a") (allow network*) ("b', '/tmp/back\\slash']);
    expect(tricky).toContain('(subpath "/tmp/a\\") (allow network*) (\\"b")');
    expect(tricky).toContain('(subpath "/tmp/back\\\\slash")');
    expect(tricky.split('\n').some((line) => line.startsWith('(allow network'))).toBe(false);
    expect(() => seatbeltProfile(node, ['/tmp/line\nbreak'])).toThrow(/line break/);
  });
});
