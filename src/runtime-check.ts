/**
 * Imported first by each entry (`anyllm`, `anyllm/plugin`): on a runtime anyllm cannot run on, the
 * import fails at once with the version needed and the one found, instead of a `TypeError` (and a
 * hang) at the first call. A side-effect-only module, so bundlers keep it in front.
 *
 * @module
 */
import { unsupportedRuntime } from './runtime-support.js';

const problem = unsupportedRuntime();
if (problem !== undefined) {
  throw Object.assign(new Error(problem), { name: 'UnsupportedRuntimeError', code: 'ERR_ANYLLM_UNSUPPORTED_RUNTIME' });
}
