/**
 * `anyllm/plugin`'s first import: the same runtime check as the host entry's (`src/runtime-check.ts`),
 * from inside src/plugins so a sandboxed plugin may read it.
 *
 * @module
 */
import { assertSupportedRuntime } from '../errors.js';

assertSupportedRuntime();
