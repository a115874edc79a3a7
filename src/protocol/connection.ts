/**
 * The JSON-RPC connection both sides use: requests with cancellation, notifications, and errors
 * that keep their class across the boundary. `json-rpc-2.0` does the message handling; this adds
 * what a long-lived plugin session needs on top (own ids, `$/cancel`, rejecting in-flight calls
 * when the peer dies).
 *
 * @module
 */
import {
  JSONRPCClient,
  JSONRPCServer,
  JSONRPCServerAndClient,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import { createAbortError, fromWireError, PluginProtocolError, toWireError } from '../errors.js';
import { Method, type CancelNotification, type MethodName, type ParamsOf, type RequestId, type ResultOf } from './methods.js';
import type { Message, Transport } from './transport.js';

/** What a request handler gets besides its params. */
export interface RequestContext {
  id: RequestId;
  /** Aborted when the peer sends `$/cancel` for this request or the connection closes. */
  signal: AbortSignal;
}

export type RequestHandler = (params: unknown, context: RequestContext) => unknown;
/** Handles a notification; `size` is the message's size when the transport read it as text. */
export type NotificationHandler = (params: unknown, size: number | undefined) => void;

export interface ConnectionOptions {
  /** Names the provider in errors rebuilt from the wire. */
  provider?: string;
  /** Called when the peer sends something that is not JSON-RPC; the owner decides what to do. */
  onProtocolError?: (error: PluginProtocolError) => void;
  /**
   * Rewrites an error response before it is rebuilt as an error (an untrusted peer's message may
   * carry terminal escapes or megabytes of text into the caller's `err.message`).
   */
  wireError?: (error: ErrorResponse) => ErrorResponse;
  /** Answer each `$/cancel` with `$/cancelled` at once (the plugin side: proof its event loop runs). */
  acknowledgeCancel?: boolean;
  /**
   * The plugin side numbers its own requests (`fetch`, `auth`) -1, -2, ...: both sides send requests,
   * and an id the host is still waiting on must never be reused by the plugin (the sandbox's guard
   * refuses a request id in use).
   */
  negativeIds?: boolean;
}

/** The `error` member of a JSON-RPC response, as the peer sent it. */
export interface ErrorResponse {
  code: number;
  message: string;
  data?: unknown;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * A JSON-RPC 2.0 peer over a {@link Transport}.
 *
 * @example
 * ```ts
 * const connection = new Connection(new PortTransport(worker));
 * const result = await connection.request('completion', { params });
 * ```
 */
export class Connection {
  readonly #transport: Transport;
  readonly #rpc: JSONRPCServerAndClient<void, void>;
  readonly #pending = new Map<RequestId, Pending>();
  readonly #running = new Map<RequestId, AbortController>();
  readonly #notificationHandlers = new Map<string, NotificationHandler>();
  readonly #options: ConnectionOptions;
  #nextId = 1;
  #closedWith: unknown;

  constructor(transport: Transport, options: ConnectionOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    const send = (message: Message) => {
      this.#transport.send(message);
    };
    // Problems are reported through onProtocolError or as error responses, never to the console.
    const quiet = { errorListener: () => {} };
    this.#rpc = new JSONRPCServerAndClient(new JSONRPCServer(quiet), new JSONRPCClient(send), quiet);
    transport.onMessage((message, size) => this.#receive(message, size));
    this.onNotification(Method.cancel, (params) => {
      const { id } = params as CancelNotification;
      this.#running.get(id)?.abort(createAbortError());
      if (options.acknowledgeCancel) this.notify(Method.cancelled, { id } satisfies CancelNotification);
    });
  }

  /** Requests currently awaiting a response from the peer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Allocates the id of the next outgoing request (so a caller can cancel it before it resolves). */
  nextId(): number {
    const id = this.#nextId++;
    return this.#options.negativeIds ? -id : id;
  }

  /** Whether the peer is behind in reading what this side sent (see `Transport.backedUp`). */
  get backedUp(): boolean {
    return this.#transport.backedUp === true;
  }

  /** Resolves once the peer has caught up with reading. */
  drained(): Promise<void> {
    return this.#transport.drained?.() ?? Promise.resolve();
  }

  /** Sends a request and resolves with its result, or rejects with the error class the peer raised. */
  request<M extends MethodName>(method: M, params: ParamsOf<M>, id: RequestId = this.nextId()): Promise<ResultOf<M>> {
    if (this.#closedWith !== undefined) return Promise.reject(this.#closedWith);
    const { promise, resolve: settle, reject } = Promise.withResolvers<ResultOf<M>>();
    const resolve = settle as (value: unknown) => void;
    this.#pending.set(id, { resolve, reject });
    const request: JSONRPCRequest = { jsonrpc: '2.0', id, method, params };
    this.#rpc.requestAdvanced(request).then(
      (response: JSONRPCResponse) => {
        if (!this.#pending.delete(id)) return;
        if (response.error) {
          const wire = this.#options.wireError?.(response.error) ?? response.error;
          reject(fromWireError(wire, this.#options.provider));
        }
        else resolve(response.result);
      },
      () => {
        // Only rejected by close(), which has already rejected the caller's promise.
      },
    );
    return promise;
  }

  /** Sends a notification (no response); returns its size when the transport serialised it. */
  notify<M extends MethodName>(method: M, params: ParamsOf<M>): number | undefined {
    if (this.#closedWith !== undefined) return undefined;
    return this.#transport.send({ jsonrpc: '2.0', method, params });
  }

  /** Asks the peer to abort one of our requests, and rejects it locally at once. */
  cancel(id: RequestId, reason?: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    this.notify(Method.cancel, { id } satisfies CancelNotification);
    pending.reject(createAbortError(reason));
  }

  /** Stops waiting for a request's response without rejecting it (the call moved elsewhere). */
  forget(id: RequestId): void {
    this.#pending.delete(id);
  }

  /** Serves a request method. A thrown error goes back with its class; an abort as a cancellation. */
  onRequest(method: string, handler: RequestHandler): void {
    this.#rpc.addMethodAdvanced(method, async (request) => {
      const id = request.id as RequestId;
      const controller = new AbortController();
      this.#running.set(id, controller);
      try {
        const result = await handler(request.params, { id, signal: controller.signal });
        return { jsonrpc: '2.0', id, result: result ?? null };
      } catch (error) {
        return { jsonrpc: '2.0', id, error: toWireError(error, this.#options.provider) };
      } finally {
        this.#running.delete(id);
      }
    });
  }

  /** Handles a notification method. Handlers run synchronously, in arrival order. */
  onNotification(method: string, handler: NotificationHandler): void {
    this.#notificationHandlers.set(method, handler);
  }

  /** Rejects every pending request with `error`, aborts every running handler, and stops receiving. */
  close(error: unknown = createAbortError()): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const controller of this.#running.values()) controller.abort(createAbortError());
    this.#running.clear();
    this.#rpc.rejectAllPendingRequests('connection closed');
    this.#transport.close();
  }

  #receive(message: unknown, size: number | undefined): void {
    if (this.#closedWith !== undefined) return;
    // Notifications are the hot path (stream chunks): dispatch them directly, synchronously and in order.
    if (isNotification(message)) {
      const handler = this.#notificationHandlers.get(message.method);
      if (handler) {
        try {
          handler(message.params, size);
        } catch (error) {
          this.#protocolError(`Handling '${message.method}' failed: ${(error as Error).message}`);
        }
      }
      return;
    }
    this.#rpc.receiveAndSend(message as Message).catch(() => {
      this.#protocolError('The peer sent a message that is not JSON-RPC 2.0.');
    });
  }

  #protocolError(message: string): void {
    const error = new PluginProtocolError(message, { provider: this.#options.provider });
    if (this.#options.onProtocolError) this.#options.onProtocolError(error);
  }
}

function isNotification(message: unknown): message is { method: string; params?: unknown } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { method?: unknown }).method === 'string' &&
    (message as { id?: unknown }).id === undefined
  );
}
