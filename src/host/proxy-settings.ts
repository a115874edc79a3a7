/**
 * Which proxy a plugin's requests go through, decided as Node itself decides it.
 *
 * Node 24+ proxies its own `fetch` (undici's `EnvHttpProxyAgent`) when it runs with
 * `NODE_USE_ENV_PROXY=1` or `--use-env-proxy` and `HTTP_PROXY`/`HTTPS_PROXY` is set. SDKs call
 * `fetch`, so that is the behaviour a plugin must reproduce: the lower-case variable wins over the
 * upper-case one (`http_proxy ?? HTTP_PROXY`), an https URL without `HTTPS_PROXY` goes through
 * `HTTP_PROXY`, and `NO_PROXY` entries (split at commas and spaces, `host`, `.host`, `*.host`,
 * `host:port`, `[v6]:port`, or `*` alone) bypass the proxy for that host and its subdomains.
 * Loopback is proxied unless listed, as in Node.
 *
 * Worker and process plugins get these variables in their environment (with `NODE_USE_ENV_PROXY=1`)
 * and their own Node applies them; the sandbox's host-side fetch applies them with `proxyFor`.
 *
 * @module
 */

/** The proxy variables Node reads, in both cases. */
export const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as const;

/** What a client's requests go through: from the host's environment, from the `proxy` option, or nothing. */
export type ProxySettings =
  | { source: 'env'; httpProxy: string | undefined; httpsProxy: string | undefined; noProxy: string; variables: Record<string, string> }
  | { source: 'option'; httpProxy: string; httpsProxy: string; noProxy: string };

/** The host's own process: its flags (execArgv, NODE_OPTIONS) and environment. */
export interface HostProcess {
  env: NodeJS.ProcessEnv;
  execArgv: readonly string[];
  /** Whether this Node knows `--use-env-proxy` at all (older ones ignore the variable). */
  supportsEnvProxy: boolean;
}

/**
 * Whether the host's Node proxies its own requests from the environment: the last of
 * `--use-env-proxy` / `--no-use-env-proxy` (NODE_OPTIONS first, then the command line) decides;
 * without either, `NODE_USE_ENV_PROXY=1`.
 *
 * @example
 * ```ts
 * hostUsesEnvProxy({ env: { NODE_USE_ENV_PROXY: '1' }, execArgv: [], supportsEnvProxy: true }); // true
 * ```
 */
export function hostUsesEnvProxy(host: HostProcess = currentHost()): boolean {
  // Asked for first, support second: `supportsEnvProxy` reads Node's flag list, which costs ms to build.
  return asksForEnvProxy(host) && host.supportsEnvProxy;
}

/** Whether the host's flags or environment ask for env proxies (whether or not this Node knows them). */
function asksForEnvProxy(host: HostProcess): boolean {
  const flags = [...(host.env.NODE_OPTIONS ?? '').split(/\s+/), ...host.execArgv];
  for (let i = flags.length - 1; i >= 0; i--) {
    if (flags[i] === '--use-env-proxy') return true;
    if (flags[i] === '--no-use-env-proxy') return false;
  }
  return host.env.NODE_USE_ENV_PROXY === '1';
}

/**
 * The proxy settings the host's environment gives, when the host runs with env proxies on and a
 * proxy variable is set (as Node's own startup checks); `undefined` otherwise.
 *
 * @example
 * ```ts
 * envProxySettings({ env: { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: 'http://proxy:8080' }, execArgv: [], supportsEnvProxy: true });
 * // { source: 'env', httpProxy: 'http://proxy:8080', httpsProxy: undefined, noProxy: '', variables: {...} }
 * ```
 */
export function envProxySettings(host: HostProcess = currentHost()): ProxySettings | undefined {
  if (!hostUsesEnvProxy(host)) return undefined;
  const env = host.env;
  if (!env.HTTP_PROXY && !env.HTTPS_PROXY && !env.http_proxy && !env.https_proxy) return undefined;
  const variables: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) if (env[name] !== undefined) variables[name] = env[name];
  return {
    source: 'env',
    httpProxy: nonEmpty(env.http_proxy ?? env.HTTP_PROXY),
    httpsProxy: nonEmpty(env.https_proxy ?? env.HTTPS_PROXY),
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
    variables,
  };
}

/**
 * The proxy for a request to `url`, or `undefined` when it goes direct: the scheme's proxy
 * (https falls back to the http one), unless `NO_PROXY` matches the host.
 *
 * @example
 * ```ts
 * proxyFor(settings, new URL('https://api.openai.com/v1')); // URL { href: 'http://proxy:8080/' }
 * ```
 */
export function proxyFor(settings: ProxySettings | undefined, url: URL): URL | undefined {
  if (!settings) return undefined;
  const proxy = url.protocol === 'https:' ? (settings.httpsProxy ?? settings.httpProxy) : settings.httpProxy;
  if (!proxy) return undefined;
  let hostname = url.hostname.replace(/^\[(.+)\]$/, '$1').toLowerCase();
  if (hostname.length > 1 && hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  const port = Number.parseInt(url.port, 10) || (url.protocol === 'https:' ? 443 : 80);
  if (bypasses(settings.noProxy, hostname, port)) return undefined;
  const parsed = URL.canParse(proxy) ? new URL(proxy) : undefined;
  // Node ignores a proxy that is not http(s) (or not a URL at all) rather than fail every request.
  return parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? parsed : undefined;
}

/**
 * The environment variables that give a worker or process plugin the same proxy: the host's own
 * variables as they are (its Node applies them), or the option's; `NODE_USE_ENV_PROXY=1` with them.
 * Without settings, no proxy variable at all (`undefined` values remove inherited ones).
 *
 * @example
 * ```ts
 * spawn(node, args, { env: { ...env, ...defined(proxyEnvironment(settings)) } });
 * ```
 */
export function proxyEnvironment(settings: ProxySettings | undefined): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { NODE_USE_ENV_PROXY: undefined };
  for (const name of PROXY_VARIABLES) env[name] = undefined;
  if (!settings) return env;
  env.NODE_USE_ENV_PROXY = '1';
  if (settings.source === 'env') return { ...env, ...settings.variables };
  return { ...env, HTTP_PROXY: settings.httpProxy, HTTPS_PROXY: settings.httpsProxy, NO_PROXY: settings.noProxy };
}

/** Whether a `NO_PROXY` list sends `hostname:port` direct (undici's rules, which Node's `fetch` uses). */
function bypasses(noProxy: string, hostname: string, port: number): boolean {
  if (noProxy === '*') return true;
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    let host: string;
    let entryPort = 0;
    const v6WithPort = /^\[(.+)\]:(\d+)$/.exec(entry);
    if (v6WithPort) {
      host = v6WithPort[1];
      entryPort = Number.parseInt(v6WithPort[2], 10);
    } else {
      const unbracketed = entry.replace(/^\[(.+)\]$/, '$1');
      const withPort = (unbracketed.match(/:/g) ?? []).length === 1 ? /^(.+):(\d+)$/.exec(unbracketed) : null;
      host = withPort ? withPort[1] : unbracketed;
      entryPort = withPort ? Number.parseInt(withPort[2], 10) : 0;
    }
    host = host.replace(/^\*?\./, '').replace(/^(.+)\.$/, '$1').toLowerCase();
    if (entryPort && entryPort !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function currentHost(): HostProcess {
  return {
    env: process.env,
    execArgv: process.execArgv,
    // A getter: `allowedNodeEnvironmentFlags` is built on first read (~2 ms), and most hosts never need it.
    get supportsEnvProxy() {
      return process.allowedNodeEnvironmentFlags.has('--use-env-proxy');
    },
  };
}
