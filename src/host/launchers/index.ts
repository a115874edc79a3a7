/**
 * The launcher for each isolation tier.
 *
 * @module
 */
import type { Isolation } from '../../types.js';
import { processLauncher } from './electron.js';
import type { Launcher } from './launcher.js';
import { launchProcess } from './process.js';
import { launchSandbox } from './sandbox.js';
import { launchWorker } from './worker.js';

/** Launchers by tier; a tier missing here is refused by `AnyLLM.create`. */
export const launchers: Partial<Record<Isolation, Launcher>> = {
  worker: launchWorker,
  // In Electron's main process: a utility process, not the app booted again (electron.ts).
  process: processLauncher(launchProcess),
  sandbox: launchSandbox,
};
