/**
 * How each tier gets the client's proxy and trusted CAs (network-options.ts).
 *
 * - Worker and process plugins do their own HTTP: the proxy reaches them as the variables Node reads
 *   (`NODE_USE_ENV_PROXY=1`, `HTTP_PROXY` ...), so their `fetch` and `http` agents honour it as the
 *   host's would; a process plugin also gets the host's `NODE_EXTRA_CA_CERTS` (a worker shares the
 *   host's store already). The `ca` option goes in `initialize` and is added to the plugin's store.
 * - A sandboxed plugin has no network: the host performs its fetches, so the proxy, the host's
 *   `NODE_EXTRA_CA_CERTS` and the `ca` option apply to the host's pinned fetch for that plugin, and
 *   the origin of the caller's own `apiBase` is served beside the manifest's `network` (that part is
 *   sandbox-network.ts, kept apart so the other tiers never load its TLS and HTTP modules).
 *
 * @module
 */
import { proxyEnvironment } from '../proxy-settings.js';
import type { LaunchSpec } from './launcher.js';

/**
 * The environment of a worker or process plugin: `spec.env` with the client's proxy variables
 * (and, for a process, the host's `NODE_EXTRA_CA_CERTS`).
 *
 * @example
 * ```ts
 * new Worker(entry, { env: networkEnvironment(spec, 'worker') });
 * ```
 */
export function networkEnvironment(spec: LaunchSpec, tier: 'worker' | 'process', hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (spec.network === undefined) return spec.env;
  const env: Record<string, string> = { ...spec.env };
  for (const [name, value] of Object.entries(proxyEnvironment(spec.network.proxy))) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  if (tier === 'process' && hostEnv.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = hostEnv.NODE_EXTRA_CA_CERTS;
  return env;
}
