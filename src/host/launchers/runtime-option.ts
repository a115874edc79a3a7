/**
 * The shape of the `runtime: { execPath }` create option, checked where all options are (options.ts,
 * part of `import('anyllm')`): nothing heavier than `node:path` here. Running the binary is
 * node-runtime.ts's, loaded on first use.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { InvalidRequestError } from '../../errors.js';

/** What the option resolves to. */
export interface NodeRuntime {
  execPath: string;
}

/**
 * Checks the shape of `runtime` (an object with an absolute `execPath`, nothing else); undefined when absent.
 *
 * @throws InvalidRequestError (code `invalid_option`) for anything else.
 * @example
 * ```ts
 * checkRuntimeOption({ execPath: '/opt/app/node' }, 'acme', 'process'); // { execPath: '/opt/app/node' }
 * ```
 */
export function checkRuntimeOption(value: unknown, provider: string, isolation: string): NodeRuntime | undefined {
  const bad = (problem: string, option = 'runtime'): never => {
    throw new InvalidRequestError(`Option '${option}' ${problem}.`, { provider, code: 'invalid_option' });
  };
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad("must be an object like { execPath: '/path/to/node' }");
  for (const key of Object.keys(value as object)) {
    if (key !== 'execPath') bad(`has no field '${key}' (the only one is runtime.execPath)`);
  }
  const execPath = (value as { execPath?: unknown }).execPath;
  if (typeof execPath !== 'string' || !isAbsolute(execPath)) bad('must be the absolute path of a Node.js binary', 'runtime.execPath');
  if (isolation === 'worker') {
    bad("applies to the process and sandbox tiers, but this client runs in the worker tier (isolation: 'process' or 'sandbox')");
  }
  return { execPath: execPath as string };
}

