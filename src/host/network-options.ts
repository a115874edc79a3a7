/**
 * The `proxy`, `noProxy` and `ca` options of `AnyLLM.create`, checked, and what they resolve to
 * with the host's environment: the proxy every tier uses, the extra CAs every tier trusts.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type { Isolation } from '../types.js';
import { envProxySettings, type HostProcess, type ProxySettings } from './proxy-settings.js';

/** The options this module reads. */
export interface NetworkOptions {
  /**
   * A proxy for every request of the plugin (`'http://proxy:8080'`), whatever the environment;
   * `false`: none, even when the host runs with `NODE_USE_ENV_PROXY=1`. Default: the environment's
   * (`HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`) when the host runs with `NODE_USE_ENV_PROXY=1` or `--use-env-proxy`.
   */
  proxy?: string | false;
  /** With `proxy`: hosts reached directly (`NO_PROXY` rules: `'internal.example'`, `'.corp'`, `'127.0.0.1:8080'`, `'*'`). */
  noProxy?: string[];
  /** Extra trusted CA certificates (PEM), in every tier, beside the default ones and `NODE_EXTRA_CA_CERTS`. */
  ca?: string | string[];
}

/** What the options resolve to. */
export interface ResolvedNetwork {
  /** The proxy, or `undefined` for direct connections. */
  proxy: ProxySettings | undefined;
  /** Extra CA certificates (PEM, one per entry), or `undefined`. */
  ca: string[] | undefined;
  /** The origin of the base URL the caller chose (option or environment, not the manifest's default). */
  callerOrigin?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks `proxy`, `noProxy` and `ca` (calling `bad(option, problem)` for the first wrong one) and
 * resolves the proxy against the host's environment.
 *
 * @example
 * ```ts
 * resolveNetwork({ proxy: 'http://proxy:8080', noProxy: ['127.0.0.1'] }, 'worker', bad);
 * // { proxy: { source: 'option', httpProxy: 'http://proxy:8080', ... noProxy: '127.0.0.1' }, ca: undefined }
 * ```
 */
export function resolveNetwork(
  options: NetworkOptions,
  isolation: Isolation,
  bad: (option: string, problem: string) => never,
  host?: HostProcess,
): ResolvedNetwork {
  const { proxy, noProxy, ca } = options;
  if (proxy !== undefined && proxy !== false) {
    const url = typeof proxy === 'string' && URL.canParse(proxy) ? new URL(proxy) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) bad('proxy', "must be an http:// or https:// URL like 'http://proxy:8080', or false");
    if (url!.pathname !== '/' || url!.search !== '' || url!.hash !== '') bad('proxy', `is '${url!.origin}${url!.pathname}...': give the proxy's origin only, no path`);
    // Worker and process plugins are proxied by their own Node, which must know the setting.
    if (isolation !== 'sandbox' && !(host?.supportsEnvProxy ?? process.allowedNodeEnvironmentFlags.has('--use-env-proxy'))) {
      bad('proxy', `needs a Node with built-in proxy support (--use-env-proxy) for the ${isolation} tier; this one is ${process.version}`);
    }
  }
  if (noProxy !== undefined) {
    if (typeof proxy !== 'string') bad('noProxy', "applies to the 'proxy' option only; set 'proxy' too (the environment's proxy follows NO_PROXY)");
    if (!Array.isArray(noProxy) || noProxy.some((entry) => typeof entry !== 'string' || !/^[^\s,]+$/.test(entry))) {
      bad('noProxy', "must be an array of host names, like ['internal.example', '127.0.0.1'] (no spaces or commas)");
    }
  }
  const settings: ProxySettings | undefined =
    proxy === false
      ? undefined
      : typeof proxy === 'string'
        ? { source: 'option', httpProxy: proxy, httpsProxy: proxy, noProxy: (noProxy ?? []).join(',') }
        : envProxySettings(host);
  return { proxy: settings, ca: ca === undefined ? undefined : checkCa(ca, isolation, bad) };
}

/** Every PEM certificate in `ca`, each checked by parsing it. */
// `node:crypto` and `node:tls` cost milliseconds to load: only a caller who passes `ca` pays for them.
const load = createRequire(import.meta.url ?? `file://${process.cwd()}/noop.js`);

function checkCa(ca: unknown, isolation: Isolation, bad: (option: string, problem: string) => never): string[] {
  const { X509Certificate } = load('node:crypto') as typeof import('node:crypto');
  const tls = load('node:tls') as typeof import('node:tls');
  const items = typeof ca === 'string' ? [ca] : ca;
  if (!Array.isArray(items) || items.length === 0) bad('ca', 'must be a PEM certificate or an array of them');
  const certificates: string[] = [];
  (items as unknown[]).forEach((item, index) => {
    const where = typeof ca === 'string' ? '' : ` (entry ${index})`;
    const blocks = typeof item === 'string' ? item.match(PEM_BLOCK) : null;
    if (!blocks) return bad('ca', `must hold PEM certificates ('-----BEGIN CERTIFICATE-----' ...)${where}`);
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch (error) {
        bad('ca', `has a certificate that does not parse${where}: ${(error as Error).message}`);
      }
      certificates.push(block);
    }
  });
  // Worker and process plugins add them to their own default store (Node 22.19+/24.5+).
  if (isolation !== 'sandbox' && typeof (tls as { setDefaultCACertificates?: unknown }).setDefaultCACertificates !== 'function') {
    bad('ca', `needs a Node with tls.setDefaultCACertificates for the ${isolation} tier; this one is ${process.version}`);
  }
  return certificates;
}
