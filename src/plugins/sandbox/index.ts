/**
 * The Node-level lockdown of a sandboxed plugin, run by `process-main.ts` after the runtime has
 * loaded and before any plugin code: builtins by allowlist, no process control beyond itself, no
 * existence oracles outside the read grant. It must hold without an OS boundary beneath it
 * (Windows, containers without user namespaces, `sandbox: { os: 'off' }`).
 *
 * Everything it replaces is sealed (non-writable, non-configurable); the raw functions survive only
 * in its closures.
 *
 * @module
 */
import { syncBuiltinESMExports } from 'node:module';
import { lockDownBuiltins } from './builtins.js';
import { lockDownFsOracles, resolveWithinGrant } from './fs-oracles.js';
import { lockDownProcess } from './process-lockdown.js';

export { ALLOWED_BUILTINS } from './builtins.js';

/**
 * Locks the sandbox down. Call once, before the plugin's entry is imported, and after every other
 * module hook of the runtime is installed (the plugin loses the hook API).
 *
 * @example
 * ```ts
 * installPluginResolution();
 * lockDownSandbox();
 * await import(entryUrl);
 * ```
 */
export function lockDownSandbox(): void {
  lockDownProcess();
  lockDownFsOracles();
  lockDownBuiltins(resolveWithinGrant);
  // `import { realpathSync } from 'node:fs'` and friends read the ESM view, refreshed only on request.
  syncBuiltinESMExports();
}
