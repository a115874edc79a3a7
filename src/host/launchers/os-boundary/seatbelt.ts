/**
 * The macOS OS boundary: a Seatbelt profile run with `sandbox-exec -p`. Same policy as bubblewrap
 * on Linux: everything denied by default; read only the granted paths, the Node binary and the
 * system libraries the loader maps; no network; no process but the Node binary itself; no writes
 * (stdout and stderr are inherited pipes, already open). Seatbelt has no die-with-parent: the
 * plugin runtime's parent watch is the only guard against orphans there.
 *
 * Unverified on a Mac: built and unit-tested on Linux only.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { access, constants, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidRequestError } from '../../../errors.js';
import type { BoundaryProbe, OsBoundary } from './types.js';

const SANDBOX_EXEC = '/usr/bin/sandbox-exec';
/** What dyld and libSystem read on every start (the shared cache lives under these). */
const SYSTEM_READS = ['/usr/lib', '/System/Library', '/System/Volumes/Preboot/Cryptexes', '/Library/Apple/System/Library'];
const DEVICES = ['/dev/null', '/dev/zero', '/dev/random', '/dev/urandom'];

/** An SBPL string literal: backslashes and quotes escaped, and nothing that could end the form. */
function literal(text: string): string {
  if (/[\0\n\r]/.test(text)) {
    throw new InvalidRequestError(`Cannot sandbox a plugin reading ${JSON.stringify(text)}: a path with a NUL or line break cannot go in a Seatbelt profile.`, {
      code: 'unsafe_plugin_file',
    });
  }
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The folders above `path`, for the metadata reads Node's `realpath` makes on its way down. */
function ancestors(path: string): string[] {
  const found: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    found.push(dir);
    if (dir === dirname(dir)) return found;
  }
}

/**
 * The profile for a plugin that may read `readPaths` (folders, or files) and run `node`.
 *
 * @example
 * ```ts
 * const profile = seatbeltProfile('/opt/node/bin/node', ['/app/node_modules/anyllm-plugin-acme']);
 * spawn('/usr/bin/sandbox-exec', ['-p', profile, node, main]);
 * ```
 */
export function seatbeltProfile(node: string, readPaths: readonly string[]): string {
  const grants = [...new Set(readPaths)];
  const metadata = [...new Set([node, ...grants].flatMap(ancestors))].sort();
  return [
    '(version 1)',
    '(deny default)',
    `(allow process-exec (literal ${literal(node)}))`,
    '(allow process-info* (target self))',
    '(allow signal (target self))',
    '(allow sysctl-read)',
    `(allow file-read* (literal ${literal(node)}))`,
    `(allow file-read* ${SYSTEM_READS.map((path) => `(subpath ${literal(path)})`).join(' ')})`,
    `(allow file-read* ${DEVICES.map((path) => `(literal ${literal(path)})`).join(' ')})`,
    // A grant may be a folder or a file: subpath covers both (a file's subpath is the file).
    ...grants.map((path) => `(allow file-read* (subpath ${literal(path)}))`),
    ...metadata.map((path) => `(allow file-read-metadata (literal ${literal(path)}))`),
    '',
  ].join('\n');
}

/**
 * Wraps child commands in `sandbox-exec` with the profile for their grants.
 *
 * @example
 * ```ts
 * seatbeltBoundary(node).wrap({ file: node, args, cwd }, readPaths);
 * ```
 */
export function seatbeltBoundary(node: string): OsBoundary {
  return {
    kind: 'seatbelt',
    wrap(command, readPaths) {
      return { file: SANDBOX_EXEC, args: ['-p', seatbeltProfile(node, readPaths), command.file, ...command.args], cwd: command.cwd };
    },
  };
}

/**
 * Proves `sandbox-exec` works by running `node -e 0` under the profile plugins get.
 *
 * @example
 * ```ts
 * const probe = await probeSeatbelt();
 * ```
 */
export async function probeSeatbelt(): Promise<BoundaryProbe> {
  if (!(await access(SANDBOX_EXEC, constants.X_OK).then(() => true, () => false))) {
    return { available: false, why: `${SANDBOX_EXEC} is missing (it ships with macOS)` };
  }
  const node = await realpath(process.execPath);
  const boundary = seatbeltBoundary(node);
  const { file, args } = boundary.wrap({ file: node, args: ['-e', '0'], cwd: '/' }, []);
  const failure = await new Promise<string | undefined>((resolve) => {
    execFile(file, args, { timeout: 15_000, env: {}, encoding: 'utf8' }, (error, _stdout, stderr) =>
      resolve(error ? (stderr.trim() || error.message).slice(0, 400) : undefined),
    );
  });
  return failure === undefined ? { available: true, boundary } : { available: false, why: `sandbox-exec failed to start a sandboxed node: ${failure}` };
}
