/**
 * The one way the host reads a file that a plugin's author controls (its `package.json`, the
 * `package.json` of each dependency, a built-in `manifest.json`): a regular file only, bounded in
 * size, never through a final symlink, and never blocking the main thread (a FIFO in place of a
 * `package.json` would block `readFileSync` forever; it is refused at once instead).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { InvalidRequestError } from '../errors.js';

// `node:fs` through require: its ESM facade costs ~8 ms of `import('anyllm')` (this module is in the host bundle).
const fs = createRequire(import.meta.url ?? __filename)('node:fs') as typeof import('node:fs');

/** The largest plugin file the host reads (a `package.json` is a few KiB; a megabyte is generous). */
export const MAX_PLUGIN_FILE_BYTES = 1024 * 1024;

// Windows has neither flag; there a FIFO cannot sit in a folder, and lstat/fstat still check the type.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Reads a plugin file as UTF-8 text, or throws `InvalidRequestError` (code `unsafe_plugin_file`)
 * naming the path: when it is not a regular file (a FIFO, socket, device, folder or symlink), when it
 * is larger than `maxBytes`, or when it was swapped between the checks. A missing file throws the
 * same error class with code `missing_plugin_file`.
 *
 * The type is checked twice: with `lstat` before opening (so a FIFO is never opened), and with
 * `fstat` on the descriptor opened with `O_NOFOLLOW | O_NONBLOCK` (so a file replaced by a FIFO or a
 * symlink in between neither blocks nor leads elsewhere), which must be the same inode.
 *
 * @param what names the file in errors, e.g. `'plugin manifest'`
 * @example
 * ```ts
 * const json = JSON.parse(readPluginFile('/app/node_modules/anyllm-plugin-acme/package.json', 'plugin manifest'));
 * ```
 */
export function readPluginFile(path: string, what: string, maxBytes = MAX_PLUGIN_FILE_BYTES): string {
  const refuse = (problem: string, code = 'unsafe_plugin_file'): never => {
    throw new InvalidRequestError(`Cannot read ${what} ${path}: ${problem}.`, { code });
  };
  let before: import('node:fs').Stats | undefined;
  try {
    before = fs.lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    refuse((error as Error).message);
  }
  if (before === undefined) return refuse('no such file', 'missing_plugin_file');
  if (!before.isFile()) refuse(`it is ${describeType(before)}, not a regular file`);
  if (before.size > maxBytes) refuse(`it is ${before.size} bytes, more than the ${maxBytes} allowed`);

  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(code === 'ELOOP' ? 'it became a symlink while being read' : (error as Error).message);
  }
  try {
    const after = fs.fstatSync(fd);
    if (!after.isFile()) refuse(`it became ${describeType(after)} while being read`);
    if (after.ino !== before.ino || after.dev !== before.dev) refuse('it was replaced while being read');
    // Read one byte past the cap, so a file that grew after fstat is caught too.
    const buffer = Buffer.alloc(Math.min(after.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) refuse(`it is more than the ${maxBytes} bytes allowed`);
      if (length === buffer.length) break;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads and parses a plugin JSON file with {@link readPluginFile}; a parse failure is an
 * `InvalidRequestError` naming the file.
 *
 * @example
 * ```ts
 * const pkg = readPluginJson(join(dir, 'package.json'), 'plugin manifest') as { anyllm?: unknown };
 * ```
 */
export function readPluginJson(path: string, what: string): unknown {
  const text = readPluginFile(path, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`Cannot read ${what} ${path}: ${(error as Error).message}`, { code: 'invalid_manifest' });
  }
}

/** "a FIFO", "a symlink" ...: what a refused entry is, for messages. */
export function describeType(stats: import('node:fs').Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symlink';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'an unknown kind of file';
}
