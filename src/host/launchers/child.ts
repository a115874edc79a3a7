/**
 * What the process and sandbox tiers share: a child process running `process-main.js`, spoken to
 * over stdin/stdout, with only its declared environment, a heap cap, a resident-memory watchdog,
 * and its stderr kept for the crash report (stderr-sink.ts).
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pluginRuntimeDir } from '../../package-paths.js';
import { StdioTransport } from '../../protocol/stdio-transport.js';
import type { Transport } from '../../protocol/transport.js';
import { escapeControls } from '../stderr-lines.js';
import { watchResident } from './memory-watch.js';
import type { LaunchSpec, PluginExit, PluginInstance } from './launcher.js';
import type { ChildCommand } from './os-boundary/index.js';
import { sinkStderr } from './stderr-sink.js';

const processMain = join(pluginRuntimeDir, 'process-main.js');

/** Children still running; killed if the host exits first (a busy-looping plugin never notices). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface ChildOptions {
  /** Node flags before the entry script (permissions, heap cap). */
  execArgv: string[];
  /** Arguments after the entry script. */
  args?: string[];
  /** The longest message line accepted from the child (the sandbox: its largest per-method cap). */
  maxLineLength?: number;
  /** Judges each line from the child before it is parsed (the sandbox: its structure bound). */
  checkLine?: (line: string) => string | undefined;
  /** Wraps the raw transport (the sandbox adds its protocol guard); `kill` ends the child. */
  wrapTransport?: (transport: Transport, kill: (reason: string, violation?: boolean) => void) => Transport;
  /** Wraps the command (the sandbox puts it inside its OS boundary). */
  wrapCommand?: (command: ChildCommand) => ChildCommand;
  /** The pid whose memory the watchdog reads, from the pid spawned (a wrapper's child); default the spawned one. */
  payloadPid?: (spawned: number) => Promise<number | undefined>;
}

/**
 * Starts `process-main.js` in a child process for `spec`.
 *
 * @example
 * ```ts
 * const instance = launchChild(spec, { execArgv: [`--max-old-space-size=${spec.memoryLimitMb}`] });
 * ```
 */
export function launchChild(spec: LaunchSpec, options: ChildOptions): PluginInstance {
  installExitHook();
  const bare: ChildCommand = { file: spec.execPath ?? process.execPath, args: [...options.execArgv, processMain, ...(options.args ?? [])], cwd: spec.dir };
  const command = options.wrapCommand ? options.wrapCommand(bare) : bare;
  const child = spawn(command.file, command.args, { cwd: command.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  live.add(child);
  let killedFor: string | undefined;
  let violation = false;
  /** `violation`: the plugin broke the protocol (its calls fail with PluginProtocolError). */
  const kill = (reason: string, brokeProtocol = false) => {
    if (killedFor === undefined) violation = brokeProtocol;
    // Reasons quote what the plugin sent (a method or member name): the caller prints them.
    killedFor ??= escapeControls(reason);
    child.kill('SIGKILL');
  };

  const stderr = sinkStderr(child.stderr!, spec);
  const watchdog = watchMemory(child, rssLimitMb(spec.memoryLimitMb), kill, options.payloadPid);

  const exited = new Promise<PluginExit>((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: string | null) => {
      if (done) return;
      done = true;
      live.delete(child);
      stderr.flush();
      clearInterval(watchdog);
      resolve({ code, signal, reason: killedFor ?? exitReason(code, signal, stderr.tail(), spec.memoryLimitMb), violation });
    };
    child.once('error', (error) => {
      // The reason first: a child that never started has no exit to wait for.
      killedFor ??= `could not start: ${error.message}`;
      if (child.pid === undefined) finish(null, null);
    });
    // 'close' waits for stdout to drain (a last response); the timer covers a pipe held open elsewhere.
    child.once('exit', (code, signal) => setTimeout(() => finish(code, signal), 500).unref());
    child.once('close', (code: number | null, signal: string | null) => finish(code, signal));
  });

  const raw = new StdioTransport(child.stdout!, child.stdin!, {
    maxLineLength: options.maxLineLength,
    checkLine: options.checkLine,
    onFramingError: ({ reason }) => kill(`broke the protocol: it sent ${reason}`, true),
    // The host honours the pipe's backpressure where it produces (fetch bodies); past this it is not reading at all.
    onWriteOverflow: (pending) => kill(`stopped reading its input (${Math.round(pending / 2 ** 20)} MiB were waiting for it)`),
  });
  const transport = options.wrapTransport ? options.wrapTransport(raw, kill) : raw;
  // The process and its three pipes (stdio is all 'pipe', so each exists and is a socket).
  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];

  return {
    transport,
    exited,
    kill,
    ref: () => handles.forEach((handle) => handle.ref()),
    unref: () => handles.forEach((handle) => handle.unref()),
  };
}

/** The resident-memory ceiling: the heap cap plus room for buffers and the runtime itself. */
export function rssLimitMb(heapLimitMb: number): number {
  return heapLimitMb * 2 + 128;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * The resident-memory watchdog of `child`: the payload's pid (bwrap's grandchild, under the OS
 * boundary) once known, else the spawned one; nothing once the child has exited.
 */
function watchMemory(
  child: ChildProcess,
  limitMb: number,
  kill: (reason: string) => void,
  payloadPid: (spawned: number) => Promise<number | undefined> = async (spawned) => spawned,
): NodeJS.Timeout | undefined {
  let watched: number | undefined;
  return watchResident(
    async () => {
      if (child.pid === undefined || child.exitCode !== null) return undefined;
      watched ??= await payloadPid(child.pid);
      return watched ?? child.pid;
    },
    limitMb,
    kill,
  );
}

/**
 * Why a child ended, in words for the crash report: out of memory, the last error line of its
 * stderr (escaped), or its code or signal.
 *
 * @example
 * ```ts
 * exitReason(1, null, 'Error: boom', 512); // 'exited with code 1: Error: boom'
 * ```
 */
export function exitReason(code: number | null, signal: string | null, stderr: string, heapLimitMb: number): string {
  if (/heap out of memory|Reached heap limit|allocation failed/i.test(stderr)) {
    return `ran out of memory (heap limit ${heapLimitMb} MiB)`;
  }
  const last = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\w*Error\b|^Error:/.test(line))
    .at(-1);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  // The reason ends up in error messages the caller prints: the plugin's text is escaped there too.
  return last ? `${how}: ${escapeControls(last.slice(0, 300))}` : how;
}
