/**
 * The process tier inside Electron's main process. There `process.execPath` is the app itself:
 * spawning it as a plugin would boot the app again as a GUI. So a plugin runs in a utility
 * process (`utilityProcess.fork`, Electron's documented way to run Node child processes, which
 * works with the `runAsNode` fuse off), spoken to over its message port; before `app` is ready,
 * or where `utilityProcess` is missing, in a child process of the app run with
 * `ELECTRON_RUN_AS_NODE=1` (which needs the `runAsNode` fuse on).
 *
 * Electron is never imported at run time outside its main process: its types only, here.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { App, ForkOptions, UtilityProcess } from 'electron';
import { pluginRuntimeDir } from '../../package-paths.js';
import { UtilityProcessTransport } from '../../protocol/electron-transport.js';
import { exitReason, launchChild, rssLimitMb } from './child.js';
import type { Launcher, LaunchSpec, PluginExit, PluginInstance } from './launcher.js';
import { watchResident } from './memory-watch.js';
import { pluginFlags, withoutNodeOptions } from './plugin-flags.js';
import { sinkStderr, type StderrSink } from './stderr-sink.js';

/** What the launcher uses of Electron's main-process module (a stand-in in tests). */
export interface ElectronMain {
  app: Pick<App, 'isReady'>;
  utilityProcess?: { fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcessHandle };
}

/** The part of a `UtilityProcess` the launcher uses. */
export type UtilityProcessHandle = Pick<UtilityProcess, 'postMessage' | 'kill' | 'pid' | 'stdout' | 'stderr'> & {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string) => void): unknown;
};

/** How long a `kill()` (SIGTERM) may take before the pid gets SIGKILL. */
const KILL_GRACE_MS = 2000;

/**
 * Whether this is Electron's main process (`process.versions.electron` and `process.type === 'browser'`).
 *
 * @example
 * ```ts
 * if (inElectronMain()) console.log('plugins start as utility processes');
 * ```
 */
export function inElectronMain(host: { versions: NodeJS.ProcessVersions; type?: string } = process as { versions: NodeJS.ProcessVersions; type?: string }): boolean {
  return typeof host.versions.electron === 'string' && host.type === 'browser';
}

/**
 * Electron's main-process module, or undefined anywhere else (plain Node, a utility process, a renderer).
 *
 * @example
 * ```ts
 * const electron = loadElectronMain(); // { app, utilityProcess } in Electron's main process
 * ```
 */
export function loadElectronMain(): ElectronMain | undefined {
  if (!inElectronMain()) return undefined;
  const base = import.meta.url ?? pathToFileURL(join(process.cwd(), 'noop.js')).href;
  return createRequire(base)('electron') as ElectronMain;
}

/**
 * The process-tier launcher for this host: plain child processes outside Electron or when the
 * caller named a Node binary (`runtime.execPath`); in Electron's main process a utility process
 * once `app` is ready, else an `ELECTRON_RUN_AS_NODE=1` child. Chosen at each launch (the first
 * call may come before or after `ready`).
 *
 * @example
 * ```ts
 * const launch = processLauncher(launchProcess); // what runtime.ts loads for the process tier
 * ```
 */
export function processLauncher(plain: Launcher, electron: () => ElectronMain | undefined = loadElectronMain): Launcher {
  return (spec) => {
    if (spec.execPath !== undefined) return plain(spec);
    const main = electron();
    if (!main) return plain(spec);
    if (main.utilityProcess && main.app.isReady()) return launchUtility(spec, main.utilityProcess);
    return launchRunAsNode(spec);
  };
}

/** The plugin in a child of the app run as plain Node (`ELECTRON_RUN_AS_NODE=1`). */
export function launchRunAsNode(spec: LaunchSpec): PluginInstance {
  return launchChild(
    { ...spec, env: { ...withoutNodeOptions(spec.env), ELECTRON_RUN_AS_NODE: '1' } },
    { execArgv: [...pluginFlags(), `--max-old-space-size=${spec.memoryLimitMb}`] },
  );
}

/**
 * The plugin in an Electron utility process running `utility-main.js`, with only its declared
 * environment, a heap cap, a resident-memory watchdog and its stderr kept for the crash report.
 *
 * @example
 * ```ts
 * const instance = launchUtility(spec, require('electron').utilityProcess);
 * ```
 */
export function launchUtility(spec: LaunchSpec, utilityProcess: NonNullable<ElectronMain['utilityProcess']>): PluginInstance {
  const child = utilityProcess.fork(join(pluginRuntimeDir, 'utility-main.js'), [], {
    env: withoutNodeOptions(spec.env),
    execArgv: [...pluginFlags(), `--max-old-space-size=${spec.memoryLimitMb}`],
    cwd: spec.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    serviceName: `anyllm:${spec.provider}`,
  });
  const transport = new UtilityProcessTransport(child);
  let killedFor: string | undefined;
  let fatal: string | undefined;
  let pid: number | undefined;
  let exitedYet = false;
  const kill = (reason: string) => {
    killedFor ??= reason;
    if (exitedYet) return;
    child.kill();
    // `kill()` is SIGTERM on POSIX, which a handler could ignore.
    const target = pid ?? child.pid;
    setTimeout(() => {
      if (!exitedYet && target !== undefined) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }, KILL_GRACE_MS).unref();
  };
  const stderr = collectOutput(child, spec);
  child.once('spawn', () => {
    pid = child.pid;
  });
  child.on('error', (type, location) => {
    fatal = `${type} at ${location}`;
  });
  const watchdog = watchResident(() => (exitedYet ? undefined : (pid ?? child.pid)), rssLimitMb(spec.memoryLimitMb), kill);
  const exited = new Promise<PluginExit>((resolve) => {
    child.once('exit', (code) => {
      exitedYet = true;
      clearInterval(watchdog);
      stderr.flush();
      const reason = killedFor ?? (fatal ? `crashed (${fatal})` : exitReason(code, null, stderr.tail(), spec.memoryLimitMb));
      resolve({ code, signal: null, reason });
    });
  });
  return {
    transport,
    exited,
    kill,
    // A utility process never holds the main process's event loop open: Electron's app lifecycle does.
    ref: () => undefined,
    unref: () => undefined,
  };
}

/**
 * The child's stdout and stderr, read as one stream by the sink every launcher uses: the tail for
 * the exit reason, `pluginStderr` ('pipe' keeps it off the host's stderr) and the `plugin:stderr`
 * lines. The protocol goes over the port, so stdout is output like stderr.
 */
function collectOutput(child: UtilityProcessHandle, spec: LaunchSpec): StderrSink {
  // Never ended: the sink needs no end (its last line is delivered by flush() at the exit).
  const output = new PassThrough();
  for (const stream of [child.stdout, child.stderr]) stream?.pipe(output, { end: false });
  return sinkStderr(output, spec);
}

