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
import { CreditSender, type WindowSize } from '../protocol/flow-control.js';
import {
  base64Length,
  checkFetchRequest,
  FETCH_WINDOW,
  MAX_FETCH_BODIES_IN_FLIGHT,
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
  /** What of a response body is in flight before the plugin must credit more (default `FETCH_WINDOW`). */
  window?: WindowSize;
  /** Open fetches a plugin may have at once (default 32). */
  maxOpen?: number;
  /** Request bodies (decoded bytes) the host holds for the plugin at once (default 64 MiB). */
  maxBodiesInFlight?: number;
  /** The fetch that really goes out (default: `pinnedFetch`, which pins DNS; tests may substitute one). */
  fetch?: UpstreamFetch;
}

/** A running proxy for one plugin connection. */
export interface FetchProxy {
  /**
   * Whether the plugin has a call in flight. While it has none, new fetches are refused and open
   * ones aborted: a plugin's own traffic between calls must not keep the host's process alive.
   */
  setActive(active: boolean): void;
  /** Aborts every open upstream request (the plugin has gone). */
  close(): void;
}

interface OpenBody {
  controller: AbortController;
  credit: CreditSender;
  /** Why the host aborted it, when it did (sent to the plugin as the body's error). */
  abortedBy: string | undefined;
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
  const window = options.window ?? FETCH_WINDOW;
  const maxOpen = options.maxOpen ?? 32;
  const maxBodies = options.maxBodiesInFlight ?? MAX_FETCH_BODIES_IN_FLIGHT;
  const upstreamFetch = options.fetch ?? pinnedFetch;
  const open = new Map<number, OpenBody>();
  const provider = options.provider;
  let bodiesInFlight = 0;
  let active = true;

  const deny = (url: URL, what: string) =>
    new AnyLLMError(
      `Plugin '${provider}' may not reach ${url.origin} (${what}): it is not in the network list of its manifest` +
        (allowed.size ? ` (${[...allowed].join(', ')}).` : ', which is empty.'),
      { provider, code: 'network_denied' },
    );

  const abort = (body: OpenBody, why: string | undefined) => {
    body.abortedBy ??= why;
    body.controller.abort();
    body.credit.release();
  };

  connection.onRequest(Method.fetch, async (raw, context) => {
    const problem = checkFetchRequest(raw);
    if (problem !== undefined) throw new InvalidRequestError(`Malformed fetch from plugin '${provider}': ${problem}.`, { provider });
    const request = raw as FetchRequest;
    if (!active) {
      throw new AnyLLMError(`Plugin '${provider}' may fetch only while a call is in flight.`, { provider, code: 'fetch_between_calls' });
    }
    if (open.has(request.stream)) throw new InvalidRequestError(`fetch stream ${request.stream} is already open.`, { provider });
    if (open.size >= maxOpen) throw new InvalidRequestError(`Plugin '${provider}' has ${maxOpen} fetches open already.`, { provider });
    const bodySize = request.body === undefined ? 0 : base64Length(request.body);
    // Upstream may be slow to take a body (or never take it): the host holds them, so they are bounded together.
    if (bodiesInFlight + bodySize > maxBodies) {
      throw new InvalidRequestError(
        `Plugin '${provider}' has ${bodiesInFlight} bytes of request bodies waiting on upstream already; ` +
          `another ${bodySize} would pass the limit of ${maxBodies}.`,
        { provider, code: 'fetch_bodies_limit' },
      );
    }

    let url = new URL(request.url);
    if (!allowed.has(url.origin)) throw deny(url, 'fetch');
    const body: OpenBody = { controller: new AbortController(), credit: new CreditSender(window), abortedBy: undefined };
    open.set(request.stream, body);
    bodiesInFlight += bodySize;
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
        if (body.controller.signal.aborted) {
          void response.body?.cancel();
          throw new AnyLLMError(body.abortedBy ?? 'The fetch was aborted.', { provider, code: 'fetch_aborted' });
        }
        // After the response has gone out, so the plugin (and the channel guard) see the head first.
        setImmediate(() => void pump(request.stream, response, body));
        return {
          status: response.status,
          statusText: response.statusText,
          // The body is sent decoded, so its encoding and length no longer apply.
          headers: [...response.headers].filter(([name]) => !['content-encoding', 'content-length'].includes(name)),
          url: url.href,
          window: window.messages,
          windowBytes: window.bytes,
        } satisfies FetchResult;
      }
    } catch (error) {
      open.delete(request.stream);
      if (body.abortedBy !== undefined) throw new AnyLLMError(body.abortedBy, { provider, code: 'fetch_aborted' });
      throw error;
    } finally {
      bodiesInFlight -= bodySize;
      context.signal.removeEventListener('abort', onCancel);
    }
  });

  connection.onNotification(Method.fetchCredit, (raw) => {
    const { stream, credits, bytes } = raw as FetchCreditNotification;
    const body = open.get(stream);
    if (!body || !Number.isSafeInteger(credits) || !Number.isSafeInteger(bytes)) return;
    // A credit beyond what was sent is refused here; the sandbox's guard kills the plugin for it.
    body.credit.take({ messages: credits, bytes });
  });

  connection.onNotification(Method.fetchCancel, (raw) => {
    const { stream } = raw as FetchCancelNotification;
    const body = open.get(stream);
    if (!body) return;
    open.delete(stream);
    abort(body, undefined);
  });

  /** Streams the body to the plugin, never more than its credit ahead nor faster than it reads. */
  async function pump(stream: number, response: Response, body: OpenBody): Promise<void> {
    const send = (message: FetchBodyNotification) => connection.notify(Method.fetchBody, message);
    const cancelled = () => body.controller.signal.aborted;
    if (!response.body || cancelled()) {
      open.delete(stream);
      void response.body?.cancel().catch(() => {});
      if (body.abortedBy !== undefined) send({ stream, error: body.abortedBy });
      else if (!cancelled()) send({ stream, done: true });
      return;
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        // Credit first (the plugin's window), then the pipe (is the plugin reading at all?), then upstream.
        while (!body.credit.canSend(1) && !cancelled()) await body.credit.wait(1);
        while (connection.backedUp && !cancelled()) await connection.drained();
        if (cancelled()) break;
        const { done, value } = await reader.read();
        if (done) {
          send({ stream, done: true });
          break;
        }
        const data = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
        const size = send({ stream, data });
        body.credit.sent(1, size ?? data.length);
      }
    } catch (error) {
      if (!cancelled()) send({ stream, error: (error as Error).message });
    } finally {
      if (body.abortedBy !== undefined) send({ stream, error: body.abortedBy });
      open.delete(stream);
      void reader.cancel().catch(() => {});
    }
  }

  return {
    setActive(now) {
      active = now;
      if (now) return;
      for (const body of open.values()) abort(body, `Plugin '${provider}' may fetch only while a call is in flight; its call ended.`);
    },
    close() {
      for (const body of open.values()) abort(body, undefined);
      open.clear();
    },
  };
}
