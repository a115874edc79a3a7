/**
 * The `runtime: { execPath }` option: a Node.js binary the app ships, on which process and sandbox
 * plugins run instead of `process.execPath`. Electron's main process needs one for the sandbox:
 * its utility processes ignore Node's `--permission` flags, and the Node it bundles (24 in
 * Electron 40–43) cannot deny a process the network, which needs Node 25.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { InvalidRequestError, PluginUnavailableError } from '../../errors.js';
import { inElectronMain } from './electron.js';
import type { NodeRuntime } from './runtime-option.js';

export { checkRuntimeOption, type NodeRuntime } from './runtime-option.js';

/** What running the binary found: its version and the permission flags it accepts. */
export interface NodeRuntimeProbe {
  version: string;
  flags: ReadonlySet<string>;
}

const PROBE_TIMEOUT_MS = 15_000;
const PROBE_SCRIPT =
  "const f=process.allowedNodeEnvironmentFlags;process.stdout.write(JSON.stringify({version:process.version,electron:process.versions.electron??null,flags:['--permission','--allow-net'].filter((x)=>f.has(x))}))";
const probes = new Map<string, Promise<NodeRuntimeProbe>>();

/**
 * Runs the binary once (cached per path) to learn its version and whether it has the permission model.
 *
 * @throws InvalidRequestError (code `invalid_option`) when it is not a Node.js binary that runs here.
 * @example
 * ```ts
 * const { version, flags } = await probeNodeRuntime('/opt/app/node'); // 'v26.1.0', {'--permission', '--allow-net'}
 * ```
 */
export function probeNodeRuntime(execPath: string, provider: string): Promise<NodeRuntimeProbe> {
  if (inElectronMain() && execPath === process.execPath) {
    return Promise.reject(
      new InvalidRequestError(
        `Option 'runtime.execPath' is this Electron app itself (${execPath}); it must be a Node.js binary the app ships.`,
        { provider, code: 'invalid_option' },
      ),
    );
  }
  let probe = probes.get(execPath);
  if (!probe) {
    probe = runProbe(execPath, provider);
    probes.set(execPath, probe);
    // A failure is not remembered: the caller may fix the file and try again.
    probe.catch(() => probes.delete(execPath));
  }
  return probe;
}

function runProbe(execPath: string, provider: string): Promise<NodeRuntimeProbe> {
  return new Promise((resolve, reject) => {
    execFile(execPath, ['-e', PROBE_SCRIPT], { env: {}, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      const fail = (why: string) =>
        reject(new InvalidRequestError(`Option 'runtime.execPath' (${execPath}) is not a Node.js binary that runs here: ${why}.`, { provider, code: 'invalid_option' }));
      if (error) return fail((stderr.trim() || error.message).slice(0, 300));
      let parsed: { version?: unknown; electron?: unknown; flags?: unknown };
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        return fail(`it printed ${JSON.stringify(stdout.slice(0, 80))} where Node prints its version`);
      }
      if (typeof parsed.version !== 'string' || !Array.isArray(parsed.flags)) return fail('its answer was not what Node prints');
      if (typeof parsed.electron === 'string') return fail(`it is Electron ${parsed.electron} run as Node, not a Node.js binary`);
      resolve({ version: parsed.version, flags: new Set(parsed.flags.filter((flag): flag is string => typeof flag === 'string')) });
    });
  });
}

/**
 * Refuses the sandbox in Electron's main process when no `runtime.execPath` names a Node binary:
 * Electron's Node cannot enforce it. Does nothing elsewhere.
 *
 * @throws PluginUnavailableError (code `sandbox_unsupported`) saying why and what to pass.
 * @example
 * ```ts
 * assertElectronSandboxRuntime('acme', undefined); // throws in Electron's main process
 * ```
 */
export function assertElectronSandboxRuntime(
  provider: string,
  runtime: NodeRuntime | undefined,
  inElectron: boolean = inElectronMain(),
  flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags,
): void {
  if (!inElectron || runtime) return;
  const network = flags.has('--allow-net')
    ? ''
    : `, and the Node it bundles (${process.versions.node}) cannot deny a process the network (that needs Node 25 or later)`;
  throw new PluginUnavailableError(
    `Cannot sandbox plugin '${provider}' in Electron's main process: Electron's utility processes ignore Node's ` +
      `--permission flags${network}. Ship a Node.js binary (25 or later) with the app and pass ` +
      "runtime: { execPath: '/path/to/that/node' } to run sandboxed plugins on it.",
    { provider, code: 'sandbox_unsupported' },
  );
}
