/**
 * What every launcher (worker, process, sandbox) hands the supervisor: a transport and a way to
 * watch and end the plugin. The connection layer above is the same for all of them.
 *
 * @module
 */
import type { Connection } from '../../protocol/connection.js';
import type { Transport } from '../../protocol/transport.js';
import type { Capabilities } from '../../types.js';
import type { PluginManifest } from '../manifest.js';
import type { ResolvedNetwork } from '../network-options.js';
import type { OsBoundary } from './os-boundary/index.js';

/** Everything a launcher needs to start one plugin. */
export interface LaunchSpec {
  provider: string;
  manifest: PluginManifest;
  /** The plugin's folder (absolute). */
  dir: string;
  /** The module to import (absolute path). */
  entryPath: string;
  /** The plugin's whole environment. */
  env: Record<string, string>;
  memoryLimitMb: number;
  capabilities: Capabilities;
  /** Sandbox tier: the OS boundary its child runs in (resolved by `AnyLLM.create`); none when absent. */
  osBoundary?: OsBoundary;
  /** The client's proxy, extra CAs and caller's origin (plugin-network.ts, sandbox-network.ts); absent: the spec's env as is. */
  network?: ResolvedNetwork;
  /** Process and sandbox tiers: the Node binary to run (the `runtime.execPath` option); default `process.execPath`. */
  execPath?: string;
  /**
   * Where its stderr goes besides the crash report: `forward` (default true) writes the prefixed
   * lines to the host's stderr; `onLine` receives each line, escaped, without the prefix.
   */
  stderr?: { forward?: boolean; onLine?: (line: string) => void };
}

/** Why a plugin ended. */
export interface PluginExit {
  /** Exit code, when it exited by itself. */
  code: number | null;
  /** The signal that killed it (child processes). */
  signal: string | null;
  /** An uncaught error, an out-of-memory, or a kill by the host. */
  reason: string;
  /** The host killed it for breaking the protocol (a message the guard or the transport refused). */
  violation?: boolean;
}

/** A running plugin, whatever it runs in. */
export interface PluginInstance {
  readonly transport: Transport;
  /** Resolves once, when the plugin has ended for any cause. */
  readonly exited: Promise<PluginExit>;
  /** Ends it now, without asking. */
  kill(reason: string): void;
  /** Keeps the host's event loop alive (while calls are in flight). */
  ref(): void;
  /** Lets the host exit even though the plugin runs (while it is idle). */
  unref(): void;
  /**
   * The host has begun to shut it down (it is ref'd only to wait for its exit): no call is in
   * flight any more, so nothing it asks for is served from now on (sandbox: `fetch`).
   */
  stopping?(): void;
  /** Called once the connection exists, for tiers that serve plugin → host requests (sandbox `fetch`). */
  attach?(connection: Connection): void;
}

/** Starts a plugin. */
export type Launcher = (spec: LaunchSpec) => PluginInstance;
