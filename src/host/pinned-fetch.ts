/**
 * The fetch the sandbox's fetch proxy sends upstream with: it resolves the host name itself, once,
 * refuses it when any address is loopback, private, link-local, cloud metadata, multicast or
 * otherwise not public (address-policy.ts), and connects to exactly the addresses it checked. A
 * plugin's author controls the DNS of the names its manifest declares; without this a name could
 * answer a public address to a check and 127.0.0.1 or 169.254.169.254 to the connection.
 *
 * An origin declared as an IP address, or as `localhost`, is a server someone chose knowingly (a
 * local model server): it is connected to as declared, only cloud metadata addresses are refused.
 *
 * Through a forward proxy (`proxy`, proxy-connect.ts) the name is not resolved here: the proxy does.
 *
 * Redirects are never followed (the proxy checks each hop's origin itself). Idle kept-alive
 * sockets never hold the host process open (Node's agent unrefs its free sockets).
 *
 * @module
 */
import { lookup as systemLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AnyLLMError, createAbortError } from '../errors.js';
import { refusalOf, type AddressRefusal } from './address-policy.js';
import { proxiedRequest } from './proxy-connect.js';

/** One address a name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface PinnedFetchOptions {
  /** How names are resolved (default: the system's resolver, as `fetch` uses, all addresses). */
  resolve?: Resolver;
  /**
   * Tests only: which resolved addresses are refused (default `refusalOf`). Lets a test treat a
   * second loopback address as "public" to see where a connection really goes.
   */
  refuse?: (address: string) => AddressRefusal | undefined;
  /** Extra trusted CA certificates (PEM) for HTTPS. */
  ca?: string | string[];
  /** Reuse connections (default true). */
  keepAlive?: boolean;
  /**
   * The forward proxy for a URL, or `undefined` to connect directly (proxy-settings.ts). Through a
   * proxy the origin's name is not resolved here (the proxy resolves it); an IP literal is still checked.
   */
  proxy?: (url: URL) => URL | undefined;
}

/** The part of `RequestInit` the pinned fetch honours. */
export interface PinnedRequestInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: Uint8Array | ArrayBuffer | string | null;
  /** Only `'manual'`: redirects are returned, never followed. */
  redirect?: 'manual' | 'follow' | 'error';
  signal?: AbortSignal | null;
}

/** What the fetch proxy calls upstream (`globalThis.fetch` fits too). */
export type UpstreamFetch = (url: URL, init: PinnedRequestInit) => Promise<Response>;

const systemResolver: Resolver = async (hostname) =>
  (await systemLookup(hostname, { all: true, order: 'verbatim' })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

let resolverForTests: Resolver | undefined;

/**
 * Tests only (not exported by the package, and out of reach of plugins, which run in another
 * process): replaces the system resolver of every pinned fetch created without `resolve`, so a
 * test can play a DNS server that rebinds a declared name. `undefined` restores the system's.
 *
 * @example
 * ```ts
 * setResolverForTests(async () => [{ address: '127.0.0.1', family: 4 }]);
 * ```
 */
export function setResolverForTests(resolver: Resolver | undefined): void {
  resolverForTests = resolver;
}

const LOCALHOST: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Creates a fetch-compatible function that pins DNS: see the module's description.
 *
 * @example
 * ```ts
 * const upstream = createPinnedFetch();
 * const response = await upstream(new URL('https://api.acme.example/v1/models'), { redirect: 'manual' });
 * // A name resolving to 127.0.0.1 rejects with AnyLLMError { code: 'network_denied' }.
 * ```
 */
export function createPinnedFetch(options: PinnedFetchOptions = {}): (input: string | URL, init?: PinnedRequestInit) => Promise<Response> {
  const resolve = options.resolve ?? ((hostname: string) => (resolverForTests ?? systemResolver)(hostname));
  const refuse = options.refuse ?? refusalOf;
  const keepAlive = options.keepAlive ?? true;
  const agents = { http: new HttpAgent({ keepAlive }), https: new HttpsAgent({ keepAlive }) };

  return async function pinnedFetch(input, init = {}) {
    const url = new URL(String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: ${url.protocol} URLs are not fetched`);
    if (init.redirect !== undefined && init.redirect !== 'manual') {
      throw new TypeError(`The pinned fetch never follows redirects: pass redirect: 'manual' (got '${init.redirect}').`);
    }
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const proxy = options.proxy?.(url);
    const addresses = proxy && isIP(host) === 0 ? undefined : await abortable(pin(host, url, resolve, refuse), signal);
    // An abort between the lookup's end and this turn found abortable() settled, and the request's
    // own listener below is not added yet: without this check it would be lost and the request sent.
    signal?.throwIfAborted();
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers ?? undefined));
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    const body = bodyBytes(init.body);
    if (body !== undefined) headers['content-length'] = String(body.byteLength);
    const https = url.protocol === 'https:';

    return new Promise<Response>((resolveResponse, reject) => {
      const request = proxy ? proxiedRequest({ url, proxy, method, headers, ca: options.ca }) : (https ? httpsRequest : httpRequest)({
        host,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        agent: https ? agents.https : agents.http,
        // Connect to the addresses checked above, never to a second answer of the resolver.
        lookup: addresses === undefined ? undefined : pinnedLookup(addresses),
        // The certificate is verified for the name, whatever address was connected to.
        ...(https ? { servername: isIP(host) ? undefined : host, ca: options.ca } : {}),
      });
      const onAbort = () => {
        const error = createAbortError(signal?.reason);
        request.destroy(error);
        reject(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // `on`, not `once`: the socket may fail again while the body streams (the body reports that).
      request.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error instanceof TypeError || (error as Error).name === 'AbortError' ? error : new TypeError(`fetch failed: ${error.message}`, { cause: error }));
      });
      request.once('response', (res) => {
        try {
          resolveResponse(toResponse(res, method, signal, onAbort));
        } catch (error) {
          signal?.removeEventListener('abort', onAbort);
          request.destroy();
          reject(new TypeError(`fetch failed: ${(error as Error).message}`, { cause: error }));
        }
      });
      request.end(body);
    });
  };
}

/** The default pinned fetch: the fetch proxy's upstream unless a test passes its own. */
export const pinnedFetch = createPinnedFetch();

/**
 * The addresses to connect to for `host`, all checked; `undefined` for an IP literal (no lookup).
 * Throws `network_denied` when the name leads where a name may not.
 */
async function pin(
  host: string,
  url: URL,
  resolve: Resolver,
  refuse: (address: string) => AddressRefusal | undefined,
): Promise<ResolvedAddress[] | undefined> {
  if (isIP(host) !== 0) {
    // Declared literally: a server chosen knowingly. Metadata endpoints serve no model API.
    const refusal = refusalOf(host);
    if (refusal?.kind === 'cloud metadata') throw denied(url, `${host} is ${describe(refusal)}`);
    return undefined;
  }
  // localhost is loopback by definition (RFC 6761): not looked up, so no resolver can move it.
  if (host === 'localhost' || host === 'localhost.') return LOCALHOST;
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    throw new TypeError(`fetch failed: getaddrinfo ${(error as { code?: string }).code ?? 'failed'} ${host}`, { cause: error });
  }
  if (addresses.length === 0) throw new TypeError(`fetch failed: ${host} has no address`);
  for (const { address } of addresses) {
    const refusal = refuse(address);
    if (refusal !== undefined) throw denied(url, `${host} resolves to ${address}, ${describe(refusal)}`);
  }
  return addresses;
}

function describe(refusal: AddressRefusal): string {
  const article = /^[aeiou]/.test(refusal.kind) ? 'an' : 'a';
  return `${article} ${refusal.kind} address (${refusal.range})`;
}

function denied(url: URL, why: string): AnyLLMError {
  return new AnyLLMError(
    `The fetch proxy refused to connect to ${url.origin}: ${why}. A declared name must resolve to public addresses only; ` +
      'declare a local server by its IP address or as localhost.',
    { code: 'network_denied' },
  );
}

/** A `lookup` for node:net that answers only the checked addresses. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const usable = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (usable.length === 0) {
      const error = Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' });
      return callback(error, '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, usable);
    callback(null, usable[0].address, usable[0].family);
  };
}

function bodyBytes(body: PinnedRequestInit['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('The pinned fetch sends string or byte bodies only.');
}

/** The web Response for `res`: a streaming, decoded body that errors when `signal` aborts. */
function toResponse(res: IncomingMessage, method: string, signal: AbortSignal | undefined, onAbort: () => void): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
    } catch {
      // A header fetch could not represent: dropped, as undici drops it.
    }
  }
  const init = { status, statusText: res.statusMessage ?? '', headers };
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
    signal?.removeEventListener('abort', onAbort);
    res.resume();
    return new Response(null, init);
  }
  const decoders = decodersFor(headers.get('content-encoding'));
  let body: Readable = res;
  // pipeline: an error anywhere, or the caller cancelling the body, destroys every stream (and the socket).
  for (const decoder of decoders) body = pipeline(body, decoder, () => {}) as unknown as Readable;
  if (signal) {
    // An abort after the headers errors the body (the request's own abort listener destroys the socket).
    const abortBody = () => body.destroy(createAbortError(signal.reason));
    signal.addEventListener('abort', abortBody, { once: true });
    body.once('close', () => {
      signal.removeEventListener('abort', abortBody);
      signal.removeEventListener('abort', onAbort);
    });
  }
  return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, init);
}

/** Decoders for `content-encoding`, outermost last; none when a coding is unknown (sent as is). */
function decodersFor(encoding: string | null): NodeJS.ReadWriteStream[] {
  if (!encoding) return [];
  const decoders: NodeJS.ReadWriteStream[] = [];
  for (const coding of encoding.toLowerCase().split(',').map((part) => part.trim()).reverse()) {
    if (coding === 'identity' || coding === '') continue;
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(createGunzip());
    else if (coding === 'deflate') decoders.push(createInflate());
    else if (coding === 'br') decoders.push(createBrotliDecompress());
    else return [];
  }
  return decoders;
}

/** `promise`, or a rejection with an AbortError as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(createAbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
