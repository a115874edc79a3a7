/**
 * The host entry's first import: on a runtime anyllm cannot run on, `import('anyllm')` fails at once
 * with the version needed and the one found, instead of a `TypeError` (and a hang) at the first
 * call. A side-effect-only module, so the bundle keeps it in front.
 *
 * @module
 */
import { assertSupportedRuntime } from './errors.js';

assertSupportedRuntime();
