/**
 * The Linux OS boundary: bubblewrap (`bwrap`, Flatpak's sandbox; the `bubblewrap` package of
 * Debian, Ubuntu, Fedora). The plugin's Node runs in new user, PID, IPC, network, UTS and cgroup
 * namespaces with every capability dropped, in its own session, killed with its parent, and in a
 * mount namespace that holds only: the granted paths (read-only, at the same absolute paths, so
 * Node's `--allow-fs-read` list and module paths line up), the Node binary and its shared
 * libraries, a minimal `/dev`, a fresh `/proc` of its own PID namespace and an empty private `/tmp`.
 * No home, no host `/etc`, no host `/proc`, no network but its own loopback.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { expose, linksOnTheWaySync, mergeExposures, type Exposure } from './exposure.js';
import type { BoundaryProbe, ChildCommand, OsBoundary } from './types.js';

/** Where bwrap is looked for, after `PATH`. */
const USUAL_PLACES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];
/** Library folders bound whole when `ldd` cannot say which libraries Node needs. */
const LIBRARY_FOLDERS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64'];
const PROBE_TIMEOUT_MS = 15_000;
/** Mounted fresh by bwrap itself: a grant there would hide the private one behind the host's. */
const OWN_MOUNTS = ['/proc', '/dev', '/sys'];
/**
 * Parts of the fresh `/proc` covered read-only. A host running as root maps the sandbox's uid 0 to
 * the real root, and sysctl files check only that uid, not capabilities: without this the plugin
 * could write `/proc/sys/kernel/core_pattern` (a program the kernel runs as root on the host at the
 * next crash), `kernel.modprobe`, `vm.*` ... bwrap covers `sys` itself only when it finds the folder
 * writable, and a 0555 folder never is, though the 0644 files in it are. Bound from the host's
 * `/proc`, whose files read the same (a sysctl answers for the namespaces of whoever reads it).
 */
const READ_ONLY_PROC = ['/proc/sys', '/proc/sysrq-trigger', '/proc/pressure', '/proc/fs', '/proc/irq', '/proc/bus'];

/** What the probe found, enough to build every later command line without touching the disk. */
export interface BubblewrapSetup {
  /** The bwrap binary. */
  bwrap: string;
  /** The Node binary, its libraries and the links on their way. */
  runtime: Exposure;
  /** Whether this bwrap can forbid user namespaces inside the sandbox (`--disable-userns`, 0.8+). */
  disableUserns: boolean;
  /** Whether this bwrap can cap a tmpfs (`--size`, 0.7+). */
  sizedTmpfs?: boolean;
}

/**
 * The private tmpfs mounts are RAM the resident-memory watchdog does not see (the pages are not
 * the plugin's): without a cap, a plugin writing there (Node's layer off, or a hole in it) fills
 * the host's memory. Plugins write nothing by design, so the caps are small.
 */
const TMP_BYTES = 64 * 1024 * 1024;
const SHM_BYTES = 1024 * 1024;

/**
 * The bwrap command line that runs `command` seeing only `readPaths` and the runtime.
 *
 * @example
 * ```ts
 * const args = bubblewrapArgs(setup, { file: process.execPath, args: ['main.js'], cwd: dir }, [dir]);
 * spawn(setup.bwrap, args, { env });
 * ```
 */
export function bubblewrapArgs(setup: BubblewrapSetup, command: ChildCommand, readPaths: readonly string[], extraLinks: [string, string][] = []): string[] {
  const grants = mergeExposures([setup.runtime, { symlinks: extraLinks, binds: readPaths.filter(grantable) }]);
  return [
    '--unshare-all',
    // Explicit, so a bwrap that cannot make a user namespace fails instead of going on without one.
    '--unshare-user',
    ...(setup.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'anyllm-sandbox',
    '--dev',
    '/dev',
    ...(setup.sizedTmpfs ? ['--size', String(SHM_BYTES), '--tmpfs', '/dev/shm'] : []),
    '--proc',
    '/proc',
    ...READ_ONLY_PROC.flatMap((path) => ['--ro-bind-try', path, path]),
    // Before the binds: a plugin copied under /tmp is bound on top of the private, empty one.
    ...(setup.sizedTmpfs ? ['--size', String(TMP_BYTES)] : []),
    '--tmpfs',
    '/tmp',
    ...grants.symlinks.flatMap(([target, at]) => ['--symlink', target, at]),
    ...grants.binds.flatMap((path) => ['--ro-bind', path, path]),
    '--remount-ro',
    '/',
    '--chdir',
    command.cwd,
    '--',
    command.file,
    ...command.args,
  ];
}

/**
 * Wraps child commands in bubblewrap.
 *
 * @example
 * ```ts
 * const boundary = bubblewrapBoundary(setup);
 * const { file, args } = boundary.wrap({ file: process.execPath, args, cwd: dir }, readPaths);
 * ```
 */
export function bubblewrapBoundary(setup: BubblewrapSetup): OsBoundary {
  return {
    kind: 'bubblewrap',
    // bwrap always sets PWD after its chdir; the plugin's environment is only what its grant says.
    addsEnv: ['PWD'],
    wrap(command, readPaths) {
      // The plugin's folder as the host names it may pass through links (a symlinked project).
      const links = linksOnTheWaySync(command.cwd);
      return { file: setup.bwrap, args: bubblewrapArgs(setup, command, readPaths, links), cwd: '/' };
    },
    payloadPid: sandboxedNodePid,
  };
}

/**
 * The host's pid of the sandboxed node: bwrap's child is the init of the new PID namespace, and
 * the init's child is node. Undefined until node runs. The memory watchdog reads its resident set,
 * not bwrap's.
 *
 * @example
 * ```ts
 * await sandboxedNodePid(bwrapPid); // e.g. 48213
 * ```
 */
export async function sandboxedNodePid(bwrapPid: number): Promise<number | undefined> {
  let current = bwrapPid;
  for (let depth = 0; depth < 2; depth++) {
    const children = await readFile(`/proc/${current}/task/${current}/children`, 'utf8').catch(() => '');
    const first = Number(children.trim().split(/\s+/)[0]);
    if (!Number.isInteger(first) || first <= 0) return undefined;
    current = first;
  }
  return current;
}

/**
 * Finds bwrap and proves it works here by running `node -e 0` under the very flags plugins get.
 * Never throws: an unusable boundary is an answer with the reason.
 *
 * @example
 * ```ts
 * const probe = await probeBubblewrap();
 * if (!probe.available) console.warn(probe.why);
 * ```
 */
export async function probeBubblewrap(
  options: { candidates?: string[]; node?: string } = {},
): Promise<BoundaryProbe> {
  const node = options.node ?? process.execPath;
  const bwrap = await firstExecutable(options.candidates ?? candidates());
  if (!bwrap) {
    return {
      available: false,
      why:
        'bubblewrap (bwrap) is not installed; install the `bubblewrap` package ' +
        '(apt-get install bubblewrap, dnf install bubblewrap, apk add bubblewrap)',
    };
  }
  const [help, runtime] = await Promise.all([run(bwrap, ['--help']), runtimeExposure(node)]);
  const setup: BubblewrapSetup = {
    bwrap,
    runtime,
    disableUserns: help.stdout.includes('--disable-userns'),
    sizedTmpfs: help.stdout.includes('--size'),
  };
  const tried = await run(bwrap, bubblewrapArgs(setup, { file: node, args: ['-e', '0'], cwd: '/' }, []));
  if (tried.code === 0) return { available: true, boundary: bubblewrapBoundary(setup) };
  return { available: false, why: explainFailure(bwrap, tried) };
}

/** Turns bwrap's complaint into what the user must change. */
export function explainFailure(bwrap: string, result: { code: number | null; stderr: string; error?: string }): string {
  const said = (result.error ?? result.stderr).trim().split('\n').slice(-3).join(' ').slice(0, 400);
  if (/namespace|uid map|uid_map|RTM_NEWADDR|setting up uid|Operation not permitted|No space left on device/i.test(said)) {
    return (
      `user namespaces are disabled or restricted, so ${bwrap} cannot build a sandbox (it said: ${said}). ` +
      'Allow them: sysctl kernel.unprivileged_userns_clone=1 (Debian, older Ubuntu), a non-zero ' +
      'user.max_user_namespaces, or on Ubuntu 23.10+ kernel.apparmor_restrict_unprivileged_userns=0 ' +
      '(or an AppArmor profile that lets bwrap use them); in a container, run it with user namespaces allowed'
    );
  }
  return `${bwrap} failed to start a sandboxed node (exit ${result.code}): ${said || 'no message'}`;
}

function candidates(): string[] {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir.startsWith('/')).map((dir) => join(dir, 'bwrap'));
  return [...new Set([...fromPath, ...USUAL_PLACES])];
}

async function firstExecutable(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}

/** The Node binary and the shared libraries `ldd` says it loads (their folders, if `ldd` cannot say). */
async function runtimeExposure(node: string): Promise<Exposure> {
  const ldd = await run('ldd', [node], { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' });
  let libraries: string[];
  if (ldd.code === 0) libraries = parseLdd(ldd.stdout);
  else if (/not a dynamic executable|statically linked/i.test(ldd.stdout + ldd.stderr)) libraries = [];
  else libraries = LIBRARY_FOLDERS;
  const parts = await Promise.all([node, ...libraries].map((path) => expose(path).catch(() => undefined)));
  return mergeExposures(parts.filter((part): part is Exposure => part !== undefined));
}

/**
 * The library paths in `ldd` output (`libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)`, and
 * the loader itself, `/lib64/ld-linux-x86-64.so.2 (0x...)`); the vDSO has no file.
 *
 * @example
 * ```ts
 * parseLdd('\tlibc.so.6 => /lib/libc.so.6 (0x1)\n'); // ['/lib/libc.so.6']
 * ```
 */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/i.exec(line.trim());
    if (match) paths.add(match[1]!);
  }
  return [...paths];
}

function grantable(path: string): boolean {
  return path !== '/' && !OWN_MOUNTS.some((mount) => path === mount || path.startsWith(`${mount}/`));
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: PROBE_TIMEOUT_MS, env, encoding: 'utf8', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr, error: error && typeof error.code !== 'number' ? error.message : undefined });
    });
  });
}
