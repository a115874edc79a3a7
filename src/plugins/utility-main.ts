/**
 * Entry point of a process-tier plugin in an Electron utility process (`utilityProcess.fork`):
 * serves the provider over `process.parentPort`. Never used outside Electron.
 *
 * @module
 */
import { Console } from 'node:console';
import { ParentPortTransport, type ParentPortLike } from '../protocol/electron-transport.js';
import { serve } from './serve.js';

const port = (process as { parentPort?: ParentPortLike | null }).parentPort;
if (!port) throw new Error('utility-main must run in an Electron utility process (process.parentPort is missing).');

// What a provider logs goes to stderr, which the host collects for the crash report, as in process-main.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
serve(new ParentPortTransport(port), { exit: () => process.exit(0) });
