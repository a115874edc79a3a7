/**
 * Host side of the sandbox's network: performs a sandboxed plugin's `fetch` when (and only when)
 * the URL's origin, and every redirect's, is in the plugin's manifest `network` list, and streams
 * the response body back in credited parts, aborting upstream when the plugin cancels or dies.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { AnyLLMError, InvalidRequestError } from '../errors.js';
import type { Connection } from '../protocol/connection.js';
import {
  Method,
  type FetchBodyNotification,
  type FetchCancelNotification,
  type FetchCreditNotification,
  type FetchRequest,
  type FetchResult,
} from '../protocol/methods.js';
import { pinnedFetch, type UpstreamFetch } from './pinned-fetch.js';

export interface FetchProxyOptions {
  provider: string;
  /** Allowed origins, as the manifest declares them (`https://api.example.com`). */
  network: readonly string[];
  /** Body parts in flight before the plugin must credit more (default 32). */
  window?: number;
  /** Open fetches a plugin may have at once (default 32). */
  maxOpen?: number;
  /** The fetch that really goes out (default: `pinnedFetch`, which pins DNS; tests may substitute one). */
  fetch?: UpstreamFetch;
}

/** A running proxy for one plugin connection. */
export interface FetchProxy {
  /** Aborts every open upstream request (the plugin has gone). */
  close(): void;
}

interface OpenBody {
  controller: AbortController;
  credits: number;
  wake: (() => void) | undefined;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Connection-level headers belong to each hop, not to the plugin's request or response.
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'upgrade', 'te', 'trailer']);

/**
 * Serves `fetch` requests from the plugin on `connection`.
 *
 * @example
 * ```ts
 * const proxy = serveFetchProxy(connection, { provider: 'acme', network: ['https://api.acme.example'] });
 * instance.exited.then(() => proxy.close());
 * ```
 */
export function serveFetchProxy(connection: Connection, options: FetchProxyOptions): FetchProxy {
  const allowed = new Set(options.network.map((origin) => new URL(origin).origin));
  const window = options.window ?? 32;
  const maxOpen = options.maxOpen ?? 32;
  const upstreamFetch = options.fetch ?? pinnedFetch;
  const open = new Map<number, OpenBody>();
  const provider = options.provider;

  const deny = (url: URL, what: string) =>
    new AnyLLMError(
      `Plugin '${provider}' may not reach ${url.origin} (${what}): it is not in the network list of its manifest` +
        (allowed.size ? ` (${[...allowed].join(', ')}).` : ', which is empty.'),
      { provider, code: 'network_denied' },
    );

  connection.onRequest(Method.fetch, async (raw, context) => {
    const request = checkRequest(raw, provider);
    if (open.has(request.stream)) throw new InvalidRequestError(`fetch stream ${request.stream} is already open.`, { provider });
    if (open.size >= maxOpen) throw new InvalidRequestError(`Plugin '${provider}' has ${maxOpen} fetches open already.`, { provider });

    let url = new URL(request.url);
    if (!allowed.has(url.origin)) throw deny(url, 'fetch');
    const body: OpenBody = { controller: new AbortController(), credits: window, wake: undefined };
    open.set(request.stream, body);
    const onCancel = () => body.controller.abort(context.signal.reason);
    context.signal.addEventListener('abort', onCancel, { once: true });
    try {
      let method = request.method;
      let payload: Uint8Array | undefined = request.body === undefined ? undefined : Buffer.from(request.body, 'base64');
      const headers = request.headers.filter(([name]) => !HOP_HEADERS.has(name.toLowerCase()));
      for (let hop = 0; ; hop++) {
        const response = await upstreamFetch(url, { method, headers, body: payload, redirect: 'manual', signal: body.controller.signal });
        const location = response.headers.get('location');
        if (REDIRECTS.has(response.status) && location && hop < MAX_REDIRECTS) {
          const next = new URL(location, url);
          if (!allowed.has(next.origin)) {
            void response.body?.cancel();
            throw deny(next, `redirect from ${url.origin}`);
          }
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
            method = 'GET';
            payload = undefined;
          }
          void response.body?.cancel();
          url = next;
          continue;
        }
        void pump(request.stream, response, body);
        return {
          status: response.status,
          statusText: response.statusText,
          // The body is sent decoded, so its encoding and length no longer apply.
          headers: [...response.headers].filter(([name]) => !['content-encoding', 'content-length'].includes(name)),
          url: url.href,
          window,
        } satisfies FetchResult;
      }
    } catch (error) {
      open.delete(request.stream);
      throw error;
    } finally {
      context.signal.removeEventListener('abort', onCancel);
    }
  });

  connection.onNotification(Method.fetchCredit, (raw) => {
    const { stream, credits } = raw as FetchCreditNotification;
    const body = open.get(stream);
    if (!body || typeof credits !== 'number' || !(credits > 0)) return;
    body.credits += credits;
    const wake = body.wake;
    body.wake = undefined;
    wake?.();
  });

  connection.onNotification(Method.fetchCancel, (raw) => {
    const { stream } = raw as FetchCancelNotification;
    const body = open.get(stream);
    if (!body) return;
    open.delete(stream);
    body.controller.abort();
    body.wake?.();
  });

  /** Streams the body to the plugin, never more than its credit ahead. */
  async function pump(stream: number, response: Response, body: OpenBody): Promise<void> {
    const send = (message: FetchBodyNotification) => connection.notify(Method.fetchBody, message);
    if (!response.body) {
      open.delete(stream);
      return send({ stream, done: true });
    }
    const reader = response.body.getReader();
    const cancelled = () => body.controller.signal.aborted;
    try {
      for (;;) {
        while (body.credits <= 0 && !cancelled()) await new Promise<void>((resolve) => (body.wake = resolve));
        if (cancelled()) break;
        const { done, value } = await reader.read();
        if (done) {
          send({ stream, done: true });
          break;
        }
        body.credits--;
        send({ stream, data: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') });
      }
    } catch (error) {
      if (!cancelled()) send({ stream, error: (error as Error).message });
    } finally {
      open.delete(stream);
      void reader.cancel().catch(() => {});
    }
  }

  return {
    close() {
      for (const body of open.values()) {
        body.controller.abort();
        body.wake?.();
      }
      open.clear();
    },
  };
}

function checkRequest(raw: unknown, provider: string): FetchRequest {
  const request = raw as Partial<FetchRequest> | null;
  const bad = (what: string) => new InvalidRequestError(`Malformed fetch from plugin '${provider}': ${what}.`, { provider });
  if (typeof request !== 'object' || request === null) throw bad('no parameters');
  if (typeof request.stream !== 'number' || !Number.isSafeInteger(request.stream)) throw bad('stream must be an integer');
  if (typeof request.url !== 'string' || !URL.canParse(request.url)) throw bad('url must be a URL');
  const protocol = new URL(request.url).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw bad(`${protocol} URLs are not fetched`);
  if (typeof request.method !== 'string' || !/^[A-Za-z]+$/.test(request.method)) throw bad('method must be an HTTP method');
  if (!Array.isArray(request.headers) || request.headers.some((h) => !Array.isArray(h) || h.length !== 2 || h.some((v) => typeof v !== 'string'))) {
    throw bad('headers must be [name, value] pairs of strings');
  }
  if (request.body !== undefined && typeof request.body !== 'string') throw bad('body must be base64 text');
  return request as FetchRequest;
}
