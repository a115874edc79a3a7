/**
 * The process tier: the plugin runs in a child process (its own heap, its own crash), with only its
 * declared environment and the flags anyllm chooses (plugin-flags.ts). Same runtime and protocol as
 * the worker tier; only the transport differs.
 *
 * @module
 */
import { launchChild } from './child.js';
import type { Launcher } from './launcher.js';
import { pluginFlags, withoutNodeOptions } from './plugin-flags.js';
import { networkEnvironment } from './plugin-network.js';

/**
 * Runs the plugin in a child process with a heap cap.
 *
 * @example
 * ```ts
 * const instance = launchProcess(spec);
 * const connection = new Connection(instance.transport);
 * ```
 */
export const launchProcess: Launcher = (spec) =>
  launchChild(
    { ...spec, env: withoutNodeOptions(networkEnvironment(spec, 'process')) },
    { execArgv: [...pluginFlags(), `--max-old-space-size=${spec.memoryLimitMb}`] },
  );
