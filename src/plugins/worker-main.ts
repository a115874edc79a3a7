/**
 * Entry point of a worker-thread plugin: serves the provider over the worker's parent port.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { PortTransport } from '../protocol/transport.js';
import { serve } from './serve.js';

if (!parentPort) throw new Error('worker-main must run inside a worker thread.');
serve(new PortTransport(parentPort), { exit: () => process.exit(0) });
