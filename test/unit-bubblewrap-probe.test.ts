/**
 * The bubblewrap probe (src/host/launchers/os-boundary/bubblewrap.ts) without bubblewrap: the
 * candidates are stand-in `bwrap` shell scripts made here, which answer `--help` as told, record the
 * command line they were given and exit as told. So what is tested is the probe's own logic: where
 * it looks, what it reads from `--help`, what it makes of `ldd`, and how it reports each failure.
 * Only `sh`, `ldd` and these scripts run; the real sandbox is `os-boundary.test.ts`'s.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative as relativePath } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { explainFailure, parseLdd, probeBubblewrap, sandboxedNodePid } from 'anyllm/internal/host/launchers/os-boundary/bubblewrap.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-bwrap-probe-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let counter = 0;

const NOT_INSTALLED =
  'bubblewrap (bwrap) is not installed; install the `bubblewrap` package (apt-get install bubblewrap, dnf install bubblewrap, apk add bubblewrap)';

/** A stand-in bwrap in its own folder: prints `help` for `--help`, else records its arguments, prints `stderr` and exits `code`. */
function fakeBwrap(options: { help?: string; code?: number; stderr?: string } = {}) {
  const dir = join(base, `bin${counter++}`);
  mkdirSync(dir);
  const file = join(dir, 'bwrap');
  const argsFile = join(dir, 'args');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `if [ "$1" = "--help" ]; then printf '%s\\n' '${options.help ?? 'usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]'}'; exit 0; fi`,
      `for a in "$@"; do printf '%s\\n' "$a"; done > '${argsFile}'`,
      `printf '%s\\n' '${options.stderr ?? ''}' >&2`,
      `exit ${options.code ?? 0}`,
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return { dir, file, args: () => readFileSync(argsFile, 'utf8').trimEnd().split('\n') };
}

/** The values right after each occurrence of `flag`. */
const after = (args: string[], flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]] : []));

describe('probeBubblewrap: finding bwrap', () => {
  it('reports bwrap missing, with how to install it, when no candidate exists or is executable', async () => {
    const plain = join(base, `plain${counter++}`);
    writeFileSync(plain, '#!/bin/sh\nexit 0\n');
    chmodSync(plain, 0o644);
    for (const candidates of [[], [join(base, 'nowhere', 'bwrap')], [plain]]) {
      expect(await probeBubblewrap({ candidates })).toEqual({ available: false, why: NOT_INSTALLED });
    }
  });

  it('takes the first executable candidate', async () => {
    const failing = fakeBwrap({ code: 1, stderr: 'first' });
    const second = fakeBwrap({ code: 1, stderr: 'second' });
    const probe = await probeBubblewrap({ candidates: [join(base, 'nowhere'), failing.file, second.file] });
    expect(probe).toEqual({ available: false, why: `${failing.file} failed to start a sandboxed node (exit 1): first` });
  });

  it('looks on PATH (absolute folders only, before the usual places) when given no candidates', async () => {
    const onPath = fakeBwrap({ code: 3, stderr: 'from path' });
    const relative = fakeBwrap({ code: 4, stderr: 'relative' });
    const saved = process.env.PATH;
    // A relative PATH entry is skipped even where it resolves to a bwrap.
    process.env.PATH = [relativePath(process.cwd(), relative.dir), onPath.dir, saved].join(':');
    try {
      expect(await probeBubblewrap()).toEqual({ available: false, why: `${onPath.file} failed to start a sandboxed node (exit 3): from path` });
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('probeBubblewrap: trying the very command line plugins get', () => {
  it('answers available with a bubblewrap boundary when `node -e 0` runs under it', async () => {
    const bwrap = fakeBwrap();
    const probe = await probeBubblewrap({ candidates: [bwrap.file] });
    expect(probe.available).toBe(true);
    if (!probe.available) return;
    expect(probe.boundary.kind).toBe('bubblewrap');
    expect(probe.boundary.wrap({ file: '/n', args: [], cwd: '/' }, []).file).toBe(bwrap.file);
    const args = bwrap.args();
    expect(after(args, '--chdir')).toEqual(['/']);
    expect(args.slice(-3)).toEqual([process.execPath, '-e', '0']);
    // The Node binary and the libraries ldd names are bound.
    const binds = after(args, '--ro-bind');
    expect(binds).toContain(realpathSync(process.execPath));
    expect(binds.some((path) => /\/lib[^/]*\/.*libc\.so/.test(path) || /ld-linux/.test(path))).toBe(true);
  });

  it('uses --disable-userns and sized tmpfs mounts only when --help lists them', async () => {
    const old = fakeBwrap();
    await probeBubblewrap({ candidates: [old.file] });
    expect(old.args()).not.toContain('--disable-userns');
    expect(old.args()).not.toContain('--size');
    const recent = fakeBwrap({ help: '    --disable-userns  Disable further use of user namespaces\n    --size BYTES  Set size of next tmpfs' });
    await probeBubblewrap({ candidates: [recent.file] });
    expect(recent.args()).toContain('--disable-userns');
    expect(after(recent.args(), '--size')).toEqual([String(1024 * 1024), String(64 * 1024 * 1024)]);
  });

  it('binds no libraries for a runtime ldd calls not dynamic, and the library folders when ldd cannot say', async () => {
    const script = join(base, `script${counter++}`);
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const staticRun = fakeBwrap();
    await probeBubblewrap({ candidates: [staticRun.file], node: script });
    expect(after(staticRun.args(), '--ro-bind')).toEqual([script]);

    const missing = join(base, `gone${counter++}`);
    const unknown = fakeBwrap();
    await probeBubblewrap({ candidates: [unknown.file], node: missing });
    const binds = after(unknown.args(), '--ro-bind');
    // Folders that do not exist here are left out; /usr/lib exists on every Linux this runs on.
    expect(binds).toContain(realpathSync('/usr/lib'));
    expect(binds).not.toContain(missing);
    expect(unknown.args().slice(-3)).toEqual([missing, '-e', '0']);
  });

  it('explains a user-namespace refusal as such, and any other failure with its exit code', async () => {
    const userns = fakeBwrap({ code: 1, stderr: 'bwrap: setting up uid map: Permission denied' });
    const probe = await probeBubblewrap({ candidates: [userns.file] });
    expect(probe.available).toBe(false);
    expect(!probe.available && probe.why).toMatch(new RegExp(`^user namespaces are disabled or restricted, so ${userns.file} cannot build a sandbox \\(it said: bwrap: setting up uid map: Permission denied\\)\\. Allow them`));
    const silent = fakeBwrap({ code: 2 });
    expect(await probeBubblewrap({ candidates: [silent.file] })).toEqual({ available: false, why: `${silent.file} failed to start a sandboxed node (exit 2): no message` });
  });

  it('reports a bwrap killed by a signal with no exit code and the reason', async () => {
    const dir = join(base, `sig${counter++}`);
    mkdirSync(dir);
    const file = join(dir, 'bwrap');
    writeFileSync(file, '#!/bin/sh\nif [ "$1" = "--help" ]; then exit 0; fi\nkill -9 $$\n');
    chmodSync(file, 0o755);
    const probe = await probeBubblewrap({ candidates: [file] });
    expect(probe).toEqual({ available: false, why: expect.stringMatching(new RegExp(`^${file} failed to start a sandboxed node \\(exit null\\): Command failed: ${file} `)) });
  });
});

describe('the probe runs bwrap with an empty environment', () => {
  it("passes none of the host's variables (its secrets) to the stand-in bwrap", async () => {
    const dir = join(base, `env${counter++}`);
    mkdirSync(dir);
    const file = join(dir, 'bwrap');
    writeFileSync(file, `#!/bin/sh\nexport -p > '${join(dir, 'env')}'\nexit 0\n`);
    chmodSync(file, 0o755);
    process.env.ANYLLM_PROBE_MARKER = 'secret';
    try {
      await probeBubblewrap({ candidates: [file] });
    } finally {
      delete process.env.ANYLLM_PROBE_MARKER;
    }
    expect(readFileSync(join(dir, 'env'), 'utf8')).not.toContain('ANYLLM_PROBE_MARKER');
  });
});

describe('explainFailure and parseLdd, exactly', () => {
  it('words the user-namespace advice in full', () => {
    expect(explainFailure('/b', { code: 1, stderr: 'bwrap: No permissions to create new namespace' })).toBe(
      'user namespaces are disabled or restricted, so /b cannot build a sandbox (it said: bwrap: No permissions to create new namespace). ' +
        'Allow them: sysctl kernel.unprivileged_userns_clone=1 (Debian, older Ubuntu), a non-zero ' +
        'user.max_user_namespaces, or on Ubuntu 23.10+ kernel.apparmor_restrict_unprivileged_userns=0 ' +
        '(or an AppArmor profile that lets bwrap use them); in a container, run it with user namespaces allowed',
    );
  });

  it('reads a library line with several spaces or a tab before the address, and only a line that ends with it', () => {
    expect(parseLdd('\tlibc.so.6 =>\t/lib/libc.so.6  (0x1)\n/lib64/ld.so\t(0xAB)\nlibx.so => /lib/libx.so (0x2) extra\n')).toEqual(['/lib/libc.so.6', '/lib64/ld.so']);
  });
});

describe('sandboxedNodePid: the grandchild of the spawned process', () => {
  it('finds the grandchild (bwrap → namespace init → node), and nothing for a process without one', async () => {
    // sh → sh → sleep: the `; :` keeps each shell from exec-ing its last command.
    // Each in its own process group, so the whole tree is killed at the end.
    const outer = spawn('/bin/sh', ['-c', "/bin/sh -c 'sleep 30; :'; :"], { stdio: 'ignore', detached: true });
    const lone = spawn('/bin/sh', ['-c', 'sleep 30; :'], { stdio: 'ignore', detached: true });
    try {
      const pid = await vi.waitFor(async () => {
        const found = await sandboxedNodePid(outer.pid!);
        if (found === undefined) throw new Error('not yet');
        return found;
      }, { timeout: 10_000, interval: 20 });
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
      // `lone`'s child (sleep) has no child: no node yet.
      await vi.waitFor(() => expect(readFileSync(`/proc/${lone.pid}/task/${lone.pid}/children`, 'utf8').trim()).not.toBe(''), { timeout: 10_000, interval: 20 });
      expect(await sandboxedNodePid(lone.pid!)).toBeUndefined();
    } finally {
      process.kill(-outer.pid!, 'SIGKILL');
      process.kill(-lone.pid!, 'SIGKILL');
    }
  });

  it('answers undefined for a pid that does not exist', async () => {
    expect(await sandboxedNodePid(2 ** 22 + 12345)).toBeUndefined();
  });
});
