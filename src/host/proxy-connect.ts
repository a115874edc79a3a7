/**
 * A request through a forward proxy, for the sandbox's host-side fetch: an http URL is sent to the
 * proxy in absolute form (`GET http://origin/path`); an https URL goes through a `CONNECT` tunnel,
 * inside which TLS is spoken with the origin itself and its certificate checked for the origin's
 * name (the proxy sees only the host name and port). The host never resolves the origin's name
 * here: the proxy does.
 *
 * @module
 */
import { request as httpRequest, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One request to send through `proxy`. */
export interface ProxiedRequest {
  url: URL;
  proxy: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  /** Trusted CAs for the origin's (and an https proxy's) certificate; default Node's. */
  ca?: string | string[];
}

// The proxy's own headers are the host's to send: a plugin's would reach (and instruct) the proxy.
const PROXY_HEADERS = ['proxy-authorization', 'proxy-connection'];

/**
 * Starts `request` through its proxy; the caller writes the body and reads the response as usual.
 *
 * @example
 * ```ts
 * const req = proxiedRequest({ url, proxy: new URL('http://proxy:8080'), method: 'GET', headers: {} });
 * req.once('response', (res) => res.pipe(process.stdout));
 * req.end();
 * ```
 */
export function proxiedRequest(request: ProxiedRequest): ClientRequest {
  const { url, proxy, method, ca } = request;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) if (!PROXY_HEADERS.includes(name.toLowerCase())) headers[name] = value;
  const auth = proxyAuthorization(proxy);
  const viaTls = proxy.protocol === 'https:';
  const proxyHost = unbracket(proxy.hostname);
  const proxyPort = Number(proxy.port) || (viaTls ? 443 : 80);
  const host = unbracket(url.hostname);

  if (url.protocol === 'http:') {
    return (viaTls ? httpsRequest : httpRequest)({
      host: proxyHost,
      port: proxyPort,
      method,
      path: url.href,
      headers: { ...headers, host: url.host, ...(auth && { 'proxy-authorization': auth }) },
      ...(viaTls ? { ca, servername: isIP(proxyHost) ? undefined : proxyHost } : {}),
      agent: false,
    });
  }

  const port = Number(url.port) || 443;
  const authority = `${url.hostname}:${port}`;
  let connect: ClientRequest | undefined;
  let tunnelled = false;
  const outer = httpsRequest({
    host,
    port,
    method,
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, host: url.host },
    // No agent: with one (even `agent: false`) Node ignores createConnection and connects directly.
    createConnection: (_options: unknown, done: (error: Error | null, socket?: Socket) => void) => {
      connect = (viaTls ? httpsRequest : httpRequest)({
        host: proxyHost,
        port: proxyPort,
        method: 'CONNECT',
        path: authority,
        headers: { host: authority, ...(auth && { 'proxy-authorization': auth }) },
        ...(viaTls ? { ca, servername: isIP(proxyHost) ? undefined : proxyHost } : {}),
        agent: false,
      });
      connect.once('connect', (response, tunnel) => {
        tunnelled = true;
        if (response.statusCode !== 200) {
          tunnel.destroy();
          return done(new Error(`the proxy ${proxy.origin} refused to CONNECT to ${authority} (${response.statusCode} ${response.statusMessage ?? ''})`.trim()));
        }
        // TLS with the origin inside the tunnel: the certificate must name the origin's host.
        const secure = tlsConnect({ socket: tunnel, host, servername: isIP(host) ? undefined : host, ca, ALPNProtocols: ['http/1.1'] });
        done(null, secure);
      });
      connect.once('error', (error) => done(new Error(`the proxy ${proxy.origin} could not be reached: ${error.message}`, { cause: error })));
      connect.end();
      return undefined;
    },
  } as RequestOptions);
  // Aborted while the proxy has not answered the CONNECT yet: that request goes too.
  outer.once('close', () => {
    if (!tunnelled) connect?.destroy();
  });
  return outer;
}

function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}
