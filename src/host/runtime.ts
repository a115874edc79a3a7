/**
 * What `AnyLLM.create` loads on first use rather than at `import('anyllm')`: the plugin session and
 * client (and with them `json-rpc-2.0`) and the launcher of the tier asked for. Keeping them out of the import
 * graph keeps `import('anyllm')` small for apps that may never make a call, and a worker-only app
 * never loads the child-process tiers (~10 ms of modules here).
 *
 * @module
 */
import type { Isolation } from '../types.js';
import type { Launcher } from './launchers/launcher.js';

export { PluginClient } from './plugin-client.js';
export { sharedSession } from './shared-plugins.js';

/**
 * The launcher of one tier, or undefined when this build has none for it.
 *
 * @example
 * ```ts
 * const launch = await loadLauncher('worker');
 * ```
 */
export async function loadLauncher(isolation: Isolation): Promise<Launcher | undefined> {
  // Each tier loads its own modules only: the process tier never loads the sandbox's network
  // (its TLS, DNS pinning and fetch proxy), nor the worker tier the child-process ones.
  switch (isolation) {
    case 'worker':
      return (await import('./launchers/worker.js')).launchWorker;
    case 'process': {
      const [{ processLauncher }, { launchProcess }] = await Promise.all([import('./launchers/electron.js'), import('./launchers/process.js')]);
      // In Electron's main process: a utility process, not the app booted again (electron.ts).
      return processLauncher(launchProcess);
    }
    case 'sandbox':
      return (await import('./launchers/sandbox.js')).launchSandbox;
    default:
      return undefined;
  }
}
