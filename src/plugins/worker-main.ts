/**
 * Entry point of a worker-thread plugin: serves the provider over the worker's parent port.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PortTransport } from '../protocol/transport.js';
import type { Capabilities } from '../types.js';
import { serve } from './serve.js';

if (!parentPort) throw new Error('worker-main must run inside a worker thread.');
const data = (workerData ?? {}) as { capabilities?: Capabilities };
serve(new PortTransport(parentPort), { capabilities: data.capabilities, exit: () => process.exit(0) });
