/**
 * Entry point of a worker-thread plugin: serves the provider over the worker's parent port.
 *
 * @module
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PortTransport } from '../protocol/transport.js';
import { serve } from './serve.js';

if (!parentPort) throw new Error('worker-main must run inside a worker thread.');
const stderrPort = (workerData as { stderrPort?: MessagePort } | null)?.stderrPort;
if (stderrPort) sendStderrTo(stderrPort);

/** The plugin's stderr goes to the host over `port`, which the host reads like a child's stderr (stderr-sink.ts). */
function sendStderrTo(port: MessagePort): void {
  port.unref();
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    port.postMessage(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  process.stderr.write = write as typeof process.stderr.write;
}
serve(new PortTransport(parentPort), { exit: () => process.exit(0) });
