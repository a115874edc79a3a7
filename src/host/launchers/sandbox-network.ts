/**
 * The sandbox's network: what its fetch proxy serves (the manifest's origins and the caller's own)
 * and the pinned fetch it goes through. Apart from plugin-network.ts because its imports
 * (`node:tls`, and `node:http` / `node:https` through pinned-fetch, whose ESM facades load undici)
 * cost a worker or process plugin's cold start tens of milliseconds it never uses.
 *
 * @module
 */
import * as tls from 'node:tls';
import type { FetchProxyOptions } from '../fetch-proxy.js';
import { createPinnedFetch } from '../pinned-fetch.js';
import { proxyFor } from '../proxy-settings.js';
import type { LaunchSpec } from './launcher.js';

/**
 * What the sandbox's fetch proxy serves for `spec`: the manifest's origins plus the caller's
 * `apiBase` origin, fetched through the client's proxy with its extra CAs.
 *
 * @example
 * ```ts
 * serveFetchProxy(connection, { provider: spec.provider, ...sandboxNetwork(spec) });
 * ```
 */
export function sandboxNetwork(spec: LaunchSpec): Pick<FetchProxyOptions, 'network' | 'fetch'> {
  const network = spec.network;
  const origins = [...spec.manifest.network];
  if (network?.callerOrigin && !origins.includes(network.callerOrigin)) origins.push(network.callerOrigin);
  if (!network?.proxy && !network?.ca) return { network: origins };
  const settings = network.proxy;
  return {
    network: origins,
    fetch: createPinnedFetch({
      proxy: settings && ((url) => proxyFor(settings, url)),
      // An explicit `ca` replaces Node's default store: the defaults (with NODE_EXTRA_CA_CERTS) stay in.
      ca: network.ca && [...defaultCertificates(), ...network.ca],
    }),
  };
}

function defaultCertificates(): readonly string[] {
  const get = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  return typeof get === 'function' ? get('default') : tls.rootCertificates;
}
