/**
 * A stand-in for Electron's main-process `utilityProcess` and `app`, following Electron's
 * documented API (docs/api/utility-process.md, parent-port.md): `fork(modulePath, args, options)`
 * returns an EventEmitter with 'spawn', 'exit' (code), 'message' and 'error' events,
 * `postMessage`, `kill()` (SIGTERM), `pid`, `stdout`/`stderr` (with `stdio: 'pipe'`); in the child,
 * `process.parentPort` delivers `{ data }` events. It runs a real Node child process (IPC with
 * structured clone) so the real `utility-main.js` runs in it. It is typed against Electron's own
 * definitions (`ForkOptions`) and the launcher's `UtilityProcessHandle`, which picks from them.
 */
import { fork as forkNode, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ForkOptions } from 'electron';
import type { ElectronMain, UtilityProcessHandle } from 'anyllm/internal/host/launchers/electron.js';

const shim = fileURLToPath(new URL('../fixtures/electron-stand-in/utility-shim.mjs', import.meta.url));

/** One `fork` call as the stand-in received it. */
export interface ForkCall {
  modulePath: string;
  args: string[];
  options: ForkOptions;
}

class StandInUtilityProcess extends EventEmitter {
  readonly #child: ChildProcess;
  pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;

  constructor(modulePath: string, args: string[], options: ForkOptions) {
    super();
    const pipe = options.stdio === 'pipe' || (Array.isArray(options.stdio) && options.stdio.includes('pipe'));
    this.#child = forkNode(shim, [modulePath, ...args], {
      env: options.env as NodeJS.ProcessEnv,
      execArgv: options.execArgv ?? [],
      cwd: options.cwd,
      stdio: ['ignore', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.stdout = this.#child.stdout;
    this.stderr = this.#child.stderr;
    this.#child.once('spawn', () => {
      this.pid = this.#child.pid;
      this.emit('spawn');
    });
    this.#child.on('message', (message) => this.emit('message', message));
    this.#child.once('exit', (code, signal) => {
      this.pid = undefined;
      // Electron reports the waitpid status as a number, never null.
      this.emit('exit', code ?? (signal ? 128 + 15 : 0));
    });
  }

  postMessage(message: unknown): void {
    // The harshest reading of Electron's (silent) docs: a message before 'spawn' is lost.
    if (this.pid === undefined) return;
    this.#child.send(message as never);
  }

  kill(): boolean {
    return this.#child.kill('SIGTERM');
  }
}

/**
 * An Electron main process as the launcher sees it: `app.isReady()` answers `ready`;
 * `utilityProcess` is absent when `utility` is false. `forks` records every call.
 *
 * @example
 * ```ts
 * const electron = standInElectron({ ready: true });
 * processLauncher(launchProcess, () => electron.main);
 * ```
 */
export function standInElectron(options: { ready: boolean; utility?: boolean }): { main: ElectronMain; forks: ForkCall[] } {
  const forks: ForkCall[] = [];
  const utilityProcess = {
    fork(modulePath: string, args: string[] = [], forkOptions: ForkOptions = {}): UtilityProcessHandle {
      forks.push({ modulePath, args, options: forkOptions });
      return new StandInUtilityProcess(modulePath, args, forkOptions);
    },
  };
  const main: ElectronMain = { app: { isReady: () => options.ready }, ...(options.utility === false ? {} : { utilityProcess }) };
  return { main, forks };
}
