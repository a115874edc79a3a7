/**
 * The CLI's first import: on an unsupported runtime it prints one line and exits 1, before
 * `anyllm` itself is loaded (whose own check would throw with a stack trace).
 *
 * @module
 */
import { unsupportedRuntime } from '../errors.js';

const problem = unsupportedRuntime();
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
