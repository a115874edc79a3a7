/**
 * Plugin side of the sandbox's network: a `fetch` that asks the host to perform the request (the
 * sandboxed process itself has no network) and streams the response body back with credits.
 * Installed as the global `fetch`, so SDKs work unchanged.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { isAbortError } from '../errors.js';
import type { Connection } from '../protocol/connection.js';
import { CreditReceiver } from '../protocol/flow-control.js';
import {
  MAX_FETCH_BODY,
  Method,
  type FetchBodyNotification,
  type FetchCancelNotification,
  type FetchCreditNotification,
  type FetchRequest,
  type FetchResult,
} from '../protocol/methods.js';

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** One response body arriving from the host. Pulls hand parts to the reader and credit the host. */
class BodySink {
  readonly readable: ReadableStream<Uint8Array>;
  readonly #parts: { data: Uint8Array; size: number }[] = [];
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  /** `onCredit(size)`: the reader took a part that arrived in a message of `size`. */
  constructor(onCredit: (size: number) => void, onCancel: () => void) {
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.#parts.length === 0 && !this.#ended && this.#error === undefined) {
            await new Promise<void>((resolve) => (this.#wake = resolve));
          }
          const part = this.#parts.shift();
          if (part) {
            controller.enqueue(part.data);
            // Credit after the end is pointless (and the host has closed the stream): only before.
            if (!this.#ended && this.#error === undefined) onCredit(part.size);
          } else if (this.#error !== undefined) controller.error(this.#error);
          else controller.close();
        },
        cancel: () => {
          const open = !this.#ended && this.#error === undefined;
          this.#ended = true;
          if (open) onCancel();
        },
      },
      { highWaterMark: 0 },
    );
  }

  push(data: Uint8Array, size: number): void {
    this.#parts.push({ data, size });
    this.#poke();
  }

  end(): void {
    this.#ended = true;
    this.#poke();
  }

  fail(error: unknown): void {
    this.#error ??= error;
    this.#poke();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * A `fetch` whose requests the host performs (for origins in the plugin's manifest only).
 *
 * @example
 * ```ts
 * globalThis.fetch = createSandboxFetch(connection);
 * const res = await fetch('https://api.acme.example/v1/chat', { method: 'POST', body });
 * ```
 */
export function createSandboxFetch(connection: Connection): typeof fetch {
  const sinks = new Map<number, BodySink>();
  let nextStream = 1;

  connection.onNotification(Method.fetchBody, (raw, size) => {
    const { stream, data, done, error } = raw as FetchBodyNotification;
    const sink = sinks.get(stream);
    if (!sink) return;
    // Counted as the host counted it when it sent the part (see flow-control.ts).
    if (typeof data === 'string') sink.push(Buffer.from(data, 'base64'), size ?? data.length);
    if (error !== undefined) {
      sinks.delete(stream);
      sink.fail(new TypeError(`terminated: ${error}`));
    } else if (done) {
      sinks.delete(stream);
      sink.end();
    }
  });

  return async function sandboxFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const signal = request.signal;
    signal.throwIfAborted();
    const bytes = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    signal.throwIfAborted();
    // The host refuses a larger body (and kills a plugin that sends a message past its cap).
    if (bytes && bytes.byteLength > MAX_FETCH_BODY) {
      throw new TypeError(`fetch failed: the request body (${bytes.byteLength} bytes) is larger than the sandbox's limit of ${MAX_FETCH_BODY} bytes`);
    }
    const body = bytes?.toString('base64');

    const stream = nextStream++;
    let answered = false;
    // Credit the host once half its window is read, not once per part (known when it answers).
    let credit: CreditReceiver | undefined;
    const sink = new BodySink(
      (size) => {
        const grant = credit?.consumed(1, size);
        if (grant) connection.notify(Method.fetchCredit, { stream, credits: grant.messages, bytes: grant.bytes } satisfies FetchCreditNotification);
      },
      () => {
        sinks.delete(stream);
        connection.notify(Method.fetchCancel, { stream } satisfies FetchCancelNotification);
      },
    );
    sinks.set(stream, sink);
    const id = connection.nextId();
    const onAbort = () => {
      if (!answered) connection.cancel(id, signal.reason);
      else if (sinks.delete(stream)) connection.notify(Method.fetchCancel, { stream } satisfies FetchCancelNotification);
      sink.fail(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const params: FetchRequest = { stream, url: request.url, method: request.method, headers: [...request.headers], body };
    let result: FetchResult;
    try {
      result = await connection.request(Method.fetch, params, id);
    } catch (error) {
      sinks.delete(stream);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted || isAbortError(error)) throw signal.reason ?? error;
      // What undici throws for a network failure, so SDKs report a connection error.
      throw new TypeError(`fetch failed: ${(error as Error).message}`, { cause: error });
    }
    answered = true;
    credit = new CreditReceiver({ messages: result.window, bytes: result.windowBytes });
    const nullBody = NULL_BODY_STATUS.has(result.status) || request.method === 'HEAD';
    if (nullBody) {
      sinks.delete(stream);
      connection.notify(Method.fetchCancel, { stream } satisfies FetchCancelNotification);
    }
    const response = new Response(nullBody ? null : sink.readable, {
      status: result.status,
      statusText: result.statusText,
      headers: result.headers,
    });
    Object.defineProperty(response, 'url', { value: result.url });
    return response;
  };
}
