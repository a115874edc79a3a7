/**
 * The sandbox tier: a child process under Node's permission model. It may read its own folder, the
 * plugin runtime and its dependencies; it may not write files, spawn processes, start workers, load
 * addons, open the inspector, use WASI or touch the network. Its `fetch` goes through the host,
 * which serves only the origins its manifest declares. Every message it sends is checked.
 *
 * Where the machine offers one (`spec.osBoundary`), the child runs inside an OS boundary too
 * (bubblewrap, Seatbelt) that grants the same paths: each layer holds without the other.
 *
 * @module
 */
import { PluginUnavailableError } from '../../errors.js';
import { scanStructure } from '../../protocol/json-bounds.js';
import { MAX_PLUGIN_MESSAGE } from '../../protocol/methods.js';
import { serveFetchProxy, type FetchProxy } from '../fetch-proxy.js';
import { ChannelGuard } from './channel-guard.js';
import { launchChild } from './child.js';
import type { Launcher } from './launcher.js';
import { pluginFlags, withoutNodeOptions } from './plugin-flags.js';
import { sandboxNetwork } from './sandbox-network.js';
import { lookupProvider } from '../registry.js';
import { sandboxReadPaths, type PluginBase } from './read-paths.js';

/**
 * Whether this Node can deny a sandboxed plugin the network (`--allow-net` exists from Node 25).
 *
 * @example
 * ```ts
 * if (!sandboxNetworkSupported()) console.warn('sandboxed plugins would have network access here');
 * ```
 */
export function sandboxNetworkSupported(flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): boolean {
  return flags.has('--allow-net');
}

/**
 * Throws unless the sandbox can be enforced here, or the caller accepted an open network.
 *
 * @example
 * ```ts
 * assertSandboxSupported('acme', { allowUnrestrictedNetwork: false }); // throws on Node 24
 * ```
 */
export function assertSandboxSupported(
  provider: string,
  options: { allowUnrestrictedNetwork?: boolean; flags?: ReadonlySet<string>; version?: string } = {},
): void {
  const flags = options.flags ?? process.allowedNodeEnvironmentFlags;
  const version = options.version ?? process.version;
  const refuse = (why: string) => {
    throw new PluginUnavailableError(`Cannot sandbox plugin '${provider}': ${why}`, { provider, code: 'sandbox_unsupported' });
  };
  if (!flags.has('--permission')) refuse(`this Node (${version}) has no permission model; use Node 25 or later.`);
  if (sandboxNetworkSupported(flags) || options.allowUnrestrictedNetwork === true) return;
  refuse(
    `this Node (${version}) cannot deny a process the network (that needs Node 25 or later), so the plugin ` +
      'could reach any host directly. Upgrade Node, or pass { allowUnrestrictedNetwork: true } to run it anyway.',
  );
}

/**
 * Runs the plugin in a permission-restricted child process whose network is the host's fetch proxy.
 *
 * @example
 * ```ts
 * const instance = launchSandbox(spec);
 * instance.attach?.(connection); // serves the plugin's fetch for its declared origins
 * ```
 */
export const launchSandbox: Launcher = (spec) => sandboxLauncher()(spec);

/** Internal options of the sandbox launcher: never reachable from `AnyLLM.create`. */
export interface SandboxLauncherOptions {
  /**
   * Default true. False drops Node's layer (the `--permission` flags and the runtime's guards on
   * `process`), so tests can show what the OS boundary stops alone.
   */
  nodeLayer?: boolean;
}

/**
 * A sandbox launcher; `sandboxLauncher({ nodeLayer: false })` exists for the tests of the OS layer alone.
 *
 * @example
 * ```ts
 * const launch = sandboxLauncher({ nodeLayer: false }); // OS boundary only: tests
 * ```
 */
export function sandboxLauncher(options: SandboxLauncherOptions = {}): Launcher {
  const nodeLayer = options.nodeLayer !== false;
  return (spec) => {
    const readPaths = sandboxReadPaths(spec.dir, spec.manifest.sdk, undefined, basesOf(spec.manifest.builtOn));
    const boundary = spec.osBoundary;
    const execArgv = [
      ...pluginFlags(),
      ...(nodeLayer ? ['--permission', ...readPaths.map((path) => `--allow-fs-read=${path}`)] : []),
      `--max-old-space-size=${spec.memoryLimitMb}`,
    ];
    const instance = launchChild(
      { ...spec, env: withoutNodeOptions(spec.env) },
      {
        execArgv,
        args: [...(nodeLayer ? ['--sandbox'] : []), ...(boundary?.addsEnv ?? []).map((name) => `--unset-env=${name}`)],
        wrapCommand: boundary && ((command) => boundary.wrap(command, readPaths)),
        payloadPid: boundary?.payloadPid,
        // A message larger than any method allows is refused before it is parsed.
        maxLineLength: MAX_PLUGIN_MESSAGE,
        // A line that would decode to far more heap than its text is refused before it is parsed.
        checkLine: scanStructure,
        wrapTransport: (transport, kill) =>
          new ChannelGuard(transport, {
            allowFetch: true,
            onViolation: (reason) => kill(`broke the protocol: it ${reason}`, true),
          }),
      },
    );
    let proxy: FetchProxy | undefined;
    let stopping = false;
    return {
      ...instance,
      // The supervisor refs the plugin while a call is in flight, and while it waits for the exit
      // of a plugin it is stopping: only in the first case may the plugin fetch.
      ref() {
        instance.ref();
        if (!stopping) proxy?.setActive(true);
      },
      unref() {
        instance.unref();
        proxy?.setActive(false);
      },
      stopping() {
        stopping = true;
        proxy?.setActive(false);
      },
      attach(connection) {
        proxy = serveFetchProxy(connection, { provider: spec.provider, ...sandboxNetwork(spec) });
        const attached = proxy;
        void instance.exited.then(() => attached.close());
      },
    };
  };
}

/** The built-ins a built-in builds on (its manifest's `builtOn`; community manifests cannot have one). */
function basesOf(names: readonly string[] | undefined): PluginBase[] {
  return (names ?? []).map((name) => {
    const base = lookupProvider(name);
    if (!base.builtin) throw new PluginUnavailableError(`Provider '${name}', which a built-in builds on, is not a built-in provider.`, { provider: name });
    return { dir: base.dir, sdk: base.manifest.sdk };
  });
}
