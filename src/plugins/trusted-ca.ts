/**
 * The `ca` option inside a worker or process plugin: its certificates join the plugin's default CA
 * store, so the SDK's `fetch` and any `https` agent trust them. `tls.setDefaultCACertificates` is
 * per thread: a worker plugin's CAs never reach the host's thread or another plugin's.
 *
 * @module
 */
import * as tls from 'node:tls';
import { PluginUnavailableError } from '../errors.js';

/**
 * Adds `ca` (PEM certificates) to this thread's default trusted CAs, keeping the current ones
 * (Node's bundled CAs, `NODE_EXTRA_CA_CERTS`, the system's when enabled).
 *
 * @example
 * ```ts
 * trustExtraCa(params.ca ?? [], params.provider); // before the SDK client makes its first request
 * ```
 */
export function trustExtraCa(ca: readonly string[], provider: string): void {
  if (ca.length === 0) return;
  const api = tls as { getCACertificates?: (type: 'default') => string[]; setDefaultCACertificates?: (certs: string[]) => void };
  if (typeof api.getCACertificates !== 'function' || typeof api.setDefaultCACertificates !== 'function') {
    throw new PluginUnavailableError(`The 'ca' option needs tls.setDefaultCACertificates (Node 22.19 or 24.5+); the plugin runs on ${process.version}.`, { provider });
  }
  api.setDefaultCACertificates([...api.getCACertificates('default'), ...ca]);
}
