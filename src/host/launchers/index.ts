/**
 * The launcher for each isolation tier.
 *
 * @module
 */
import type { Isolation } from '../../types.js';
import type { Launcher } from './launcher.js';
import { launchProcess } from './process.js';
import { launchSandbox } from './sandbox.js';
import { launchWorker } from './worker.js';

/** Launchers by tier; a tier missing here is refused by `AnyLLM.create`. */
export const launchers: Partial<Record<Isolation, Launcher>> = {
  worker: launchWorker,
  process: launchProcess,
  sandbox: launchSandbox,
};
