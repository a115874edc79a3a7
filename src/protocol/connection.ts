/**
 * The JSON-RPC connection both sides use: requests with cancellation, notifications, and errors
 * that keep their class across the boundary. The messages of every call (requests, responses,
 * notifications) are handled here directly; `json-rpc-2.0` answers the rest (batches, unknown
 * methods, malformed messages) as the spec says. On top: own ids, `$/cancel`, rejecting in-flight
 * calls when the peer dies.
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
import { findUnencodable, unencodableParams } from './unencodable.js';

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
  readonly #requestHandlers = new Map<string, (request: JSONRPCRequest) => Promise<JSONRPCResponse>>();
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

  /**
   * Sends a request and resolves with its result, or rejects with the error class the peer raised.
   * Params JSON cannot carry (a BigInt, a cycle) reject it with an `InvalidRequestError` (code
   * `unencodable_params`) that says where, before anything is sent.
   */
  request<M extends MethodName>(method: M, params: ParamsOf<M>, id: RequestId = this.nextId()): Promise<ResultOf<M>> {
    if (this.#closedWith !== undefined) return Promise.reject(this.#closedWith);
    const { promise, resolve, reject } = Promise.withResolvers<ResultOf<M>>();
    this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    // Straight to the transport, answered from #pending in #receive: the library's client would add
    // a second id map and several promise hops on each side of every call (see #receive).
    try {
      this.#transport.send({ jsonrpc: '2.0', id, method, params } satisfies JSONRPCRequest);
    } catch (error) {
      this.#pending.delete(id);
      reject(unencodableParams(findUnencodable(params) ?? String((error as Error)?.message ?? error), error, this.#options.provider));
    }
    return promise;
  }

  /** Sends a notification (no response); returns its size when the transport serialised it. */
  notify<M extends MethodName>(method: M, params: ParamsOf<M>): number | undefined {
    if (this.#closedWith !== undefined) return undefined;
    return this.#transport.send({ jsonrpc: '2.0', method, params });
  }

  /**
   * Whether the transport writes messages as JSON text and takes them already serialised
   * (`Transport.sendJson`): then a sender that serialised the params anyway sends that text.
   */
  get writesJson(): boolean {
    return this.#transport.sendJson !== undefined;
  }

  /**
   * Sends a notification whose params are given as their JSON text (what `JSON.stringify(params)`
   * writes), over a transport that {@link writesJson}; the line is what {@link notify} would write.
   * Returns its size, as `notify` does.
   */
  notifyJson(method: MethodName, paramsJson: string): number | undefined {
    if (this.#transport.sendJson === undefined) throw new TypeError('notifyJson() needs a transport that writes JSON (see writesJson).');
    if (this.#closedWith !== undefined) return undefined;
    // The envelope notify()'s object serialises to, key for key: the peer cannot tell the two apart.
    return this.#transport.sendJson(`{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${paramsJson}}`);
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
    const serve = async (request: JSONRPCRequest): Promise<JSONRPCResponse> => {
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
    };
    this.#requestHandlers.set(method, serve);
    // Still registered with the library: a request it gets (a batch) is served the same way.
    this.#rpc.addMethodAdvanced(method, serve);
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
    // The hot path of every call, handled here: a response to one of our requests, and a request for
    // a method this side serves. What remains (batches, unknown methods, malformed messages) goes
    // through the library, which answers or refuses it as JSON-RPC 2.0 says.
    if (isResponse(message)) return this.#settle(message);
    if (Array.isArray(message)) {
      // An empty batch is invalid; the library would take it for a batch of no answers and drop it unreported.
      if (message.length === 0) return this.#protocolError('The peer sent a message that is not JSON-RPC 2.0.');
      if (message.every(isResponse)) {
        for (const response of message) this.#settle(response);
        return;
      }
    }
    const serve = isRequest(message) ? this.#requestHandlers.get(message.method) : undefined;
    if (serve) {
      void serve(message as JSONRPCRequest).then((response) => this.#answer(response, (message as JSONRPCRequest).method));
      return;
    }
    this.#rpc.receiveAndSend(message as Message).catch(() => this.#protocolError('The peer sent a message that is not JSON-RPC 2.0.'));
  }

  /**
   * Sends a handler's answer. One the transport cannot carry (a BigInt or a cycle) fails the peer's
   * request with an error answer, instead of leaving it unanswered and rejecting here unhandled; an id
   * it cannot carry is the peer breaking the protocol.
   */
  #answer(response: JSONRPCResponse, method: string): void {
    try {
      this.#transport.send(response);
    } catch (error) {
      const failure = new Error(`The answer to '${method}' could not be sent: ${(error as Error).message}`);
      try {
        this.#transport.send({ jsonrpc: '2.0', id: response.id, error: toWireError(failure, this.#options.provider) });
      } catch (again) {
        // The id itself has no JSON (a BigInt a port cloned in): nothing can answer it, and a throw
        // here would reject unhandled, which ends the process.
        this.#protocolError(`The peer sent a request '${method}' whose id cannot be answered: ${(again as Error).message}`);
      }
    }
  }

  /**
   * The peer answered one of our requests (an answer to one we no longer wait for is dropped). An
   * answer must carry a result or a well-formed error, not both nor neither: the call fails as the
   * peer breaking the protocol (`error: null` was once taken for a success with no result).
   */
  #settle(response: JSONRPCResponse): void {
    const pending = this.#pending.get(response.id as RequestId);
    if (!pending) return;
    this.#pending.delete(response.id as RequestId);
    const malformed = malformedAnswer(response);
    if (malformed !== undefined) {
      const error = new PluginProtocolError(`The peer sent ${malformed}.`, { provider: this.#options.provider });
      pending.reject(error);
      this.#options.onProtocolError?.(error);
      return;
    }
    if (response.error) {
      const wire = this.#options.wireError?.(response.error) ?? response.error;
      pending.reject(fromWireError(wire, this.#options.provider));
    } else pending.resolve(response.result);
  }

  #protocolError(message: string): void {
    const error = new PluginProtocolError(message, { provider: this.#options.provider });
    if (this.#options.onProtocolError) this.#options.onProtocolError(error);
  }
}

/** A response as JSON-RPC 2.0 (and the library before) tells one: an id, and a result or an error. */
function isResponse(message: unknown): message is JSONRPCResponse {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: unknown };
  return m.jsonrpc === '2.0' && m.id !== undefined && (m.result !== undefined || m.error !== undefined);
}

/** What is wrong with an answer (a result, or an error of a numeric code and a text), or undefined. */
function malformedAnswer(response: JSONRPCResponse): string | undefined {
  const { result, error } = response as { result?: unknown; error?: unknown };
  if ((result === undefined) === (error === undefined)) return 'an answer with both or neither of result and error';
  if (error === undefined) return undefined;
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  return typeof code === 'number' && typeof message === 'string' ? undefined : 'an error answer whose error is not { code, message }';
}

/** A request: a method, an id, neither a result nor an error. */
function isRequest(message: unknown): message is JSONRPCRequest & { method: string } {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as { jsonrpc?: unknown; id?: unknown; method?: unknown; result?: unknown; error?: unknown };
  return m.jsonrpc === '2.0' && typeof m.method === 'string' && m.id !== undefined && m.result === undefined && m.error === undefined;
}

function isNotification(message: unknown): message is { method: string; params?: unknown } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { method?: unknown }).method === 'string' &&
    (message as { id?: unknown }).id === undefined
  );
}
