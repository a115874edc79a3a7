/**
 * Starts a plugin in a worker thread, with only its declared environment, the flags anyllm chooses,
 * a heap cap, and its stderr read like a child's (stderr-sink.ts).
 *
 * @module
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import { pluginRuntimeDir } from '../../package-paths.js';
import { PortTransport } from '../../protocol/transport.js';
import type { Launcher, PluginExit } from './launcher.js';
import { pluginFlags } from './plugin-flags.js';
import { networkEnvironment } from './plugin-network.js';
import { sinkStderr } from './stderr-sink.js';

const workerMain = pathToFileURL(join(pluginRuntimeDir, 'worker-main.js'));

/**
 * The plugin thread's young generation, in MiB. V8's default lets it grow to 48 MiB under a
 * stream's allocation rate, and it stays committed: host RSS then swings by tens of MiB with the
 * plugin's GC timing. 16 MiB costs no measured throughput (docs/PERFORMANCE.md).
 */
export const PLUGIN_YOUNG_GENERATION_MB = 16;

/**
 * Runs the plugin in a `worker_threads` Worker.
 *
 * @example
 * ```ts
 * const instance = launchWorker(spec);
 * const connection = new Connection(instance.transport);
 * ```
 */
export const launchWorker: Launcher = (spec) => {
  const stderrChannel = new MessageChannel();
  const worker = new Worker(workerMain, {
    name: `anyllm:${spec.provider}`,
    env: networkEnvironment(spec, 'worker'),
    // Explicit, never the host's own execArgv (`--input-type`, `--import` hooks ...): see plugin-flags.ts.
    execArgv: pluginFlags(),
    resourceLimits: { maxOldGenerationSizeMb: spec.memoryLimitMb, maxYoungGenerationSizeMb: PLUGIN_YOUNG_GENERATION_MB },
    // Its process.stderr writes come over this port (worker-main.ts), not Node's `stderr: true`
    // pipe: reading that one holds the host's event loop open even while the worker is unref'd.
    workerData: { stderrPort: stderrChannel.port2 },
    transferList: [stderrChannel.port2],
  });
  const stderrText = new PassThrough();
  stderrChannel.port1.on('message', (text: unknown) => {
    if (typeof text === 'string') stderrText.write(text);
  });
  const stderr = sinkStderr(stderrText, spec);
  let killedFor: string | undefined;
  let failure: Error | undefined;
  worker.on('error', (error) => {
    failure = error as Error;
  });
  const exited = new Promise<PluginExit>((resolve) => {
    worker.once('exit', (code) => {
      // Its last writes may still be on the port: read them before the reason is final.
      setImmediate(() => {
        stderrChannel.port1.close();
        stderr.flush();
      });
      const reason =
        killedFor ??
        (failure
          ? (failure as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `ran out of memory (limit ${spec.memoryLimitMb} MiB)`
            : `threw: ${failure.message}`
          : `exited with code ${code}`);
      resolve({ code, signal: null, reason });
    });
  });
  return {
    transport: new PortTransport(worker),
    exited,
    kill(reason) {
      killedFor ??= reason;
      void worker.terminate();
    },
    ref: () => {
      worker.ref();
      stderrChannel.port1.ref();
    },
    unref: () => {
      worker.unref();
      stderrChannel.port1.unref();
    },
  };
};
