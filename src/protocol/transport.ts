/**
 * A transport moves JSON-RPC messages between host and plugin; the connection does the rest.
 *
 * @module
 */
import type { JSONRPCRequest, JSONRPCResponse } from 'json-rpc-2.0';
import { MAX_JSON_ARRAY_LENGTH } from './unencodable.js';

/** One JSON-RPC message (request, notification or response). */
export type Message = JSONRPCRequest | JSONRPCResponse;

/**
 * Receives one message, with its size when the transport read it as text (the line length over
 * stdio, in UTF-16 code units); `undefined` over a port, whether a message came as a clone or as text.
 */
export type MessageListener = (message: unknown, size: number | undefined) => void;

/** A duplex message channel. Implementations: MessagePort/Worker, child-process stdio. */
export interface Transport {
  /**
   * Sends one message, or throws what `JSON.stringify` throws for one that JSON cannot carry (a
   * BigInt, a cycle): every transport carries the values a JSON line carries, and none drops a message
   * it cannot encode unreported. Must not throw once the peer is gone (messages are then dropped).
   * Returns its size when the transport serialised it (what the peer's transport will report), else
   * undefined.
   */
  send(message: Message): number | undefined;
  /**
   * Present on a transport that writes each message as JSON text (stdio): sends a message given as
   * that text, written as it is, and returns its size as {@link send} does. `json` must be what
   * `JSON.stringify` writes for one message (no newline), so the peer reads the same line either
   * way. A sender that already serialised the message's parts (a chunk, taken when pushed) thereby
   * serialises it once. Absent where messages are structured clones (ports, Electron).
   */
  sendJson?(json: string): number | undefined;
  /** Registers the single receiver of incoming messages. */
  onMessage(listener: MessageListener): void;
  /** Stops receiving; the underlying channel is closed by whoever owns it. */
  close(): void;
  /**
   * Whether the channel carries text, so `send` and the listener report each message's size; a
   * port's structured clones have none (a stream's batches must then be JSON text to be counted).
   */
  readonly measured?: boolean;
  /** Whether the peer is behind in reading what was sent (a producer should wait for {@link drained}). */
  readonly backedUp?: boolean;
  /** Resolves once the peer has caught up (or the channel is gone). */
  drained?(): Promise<void>;
}

/** The part of a Worker, MessagePort or `parentPort` a port transport needs. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * A transport over a worker's port: messages go as structured clones, or as JSON text where a clone
 * would not carry what their JSON does ({@link postCloneOrJson}); nothing is measured.
 *
 * @example
 * ```ts
 * const transport = new PortTransport(new Worker(url)); // host side
 * const transport = new PortTransport(parentPort!);     // plugin side
 * ```
 */
export class PortTransport implements Transport {
  #listener: ((message: unknown) => void) | undefined;
  #closed = false;
  readonly #port: PortLike;

  constructor(port: PortLike) {
    this.#port = port;
  }

  send(message: Message): undefined {
    if (this.#closed) return;
    postCloneOrJson(this.#port, message);
  }

  onMessage(listener: MessageListener): void {
    if (this.#listener) this.#port.off('message', this.#listener);
    const onPortMessage = (message: unknown) => deliverFromPort(message, listener);
    this.#listener = onPortMessage;
    this.#port.on('message', onPortMessage);
  }

  close(): void {
    this.#closed = true;
    if (this.#listener) this.#port.off('message', this.#listener);
    this.#listener = undefined;
  }
}

/**
 * Posts `message` over a port as a structured clone when that clone is what the peer would get from
 * its JSON text; else as that text, which the peer's transport parses back ({@link deliverFromPort}).
 * A clone keeps an object's own fields and drops its class, where JSON applies the class's `toJSON`
 * (a Buffer, a date library's object: a caller's params, a community provider's result), and it
 * carries a BigInt, which JSON refuses or writes by an app's `BigInt.prototype.toJSON` that the
 * plugin's isolate does not have. So a message holding a BigInt or an object of a class (checked by
 * {@link clonesAsJson}) goes as text, as does one structured clone refuses (a function, a symbol)
 * or cannot walk (nesting deeper than its stack). A port then carries what a stdio line carries, at
 * a clone's cost for plain data (a long string or an embedding's numbers cost JSON 2-4× a clone):
 * what JSON drops (a function) is dropped, as the provider's SDK drops it when it sends the body,
 * and nothing is lost unreported.
 *
 * Throws what `JSON.stringify` throws for a value JSON cannot carry (a BigInt, a cycle); never
 * because the peer has gone (Node's ports drop what is posted to a closed one).
 *
 * @example
 * ```ts
 * postCloneOrJson(worker, { jsonrpc: '2.0', method: '$/cancel', params: { id: 7 } });
 * ```
 */
export function postCloneOrJson(port: Pick<PortLike, 'postMessage'>, message: Message): void {
  if (clonesAsJson(message)) {
    try {
      port.postMessage(message);
      return;
    } catch {
      // Not clonable; below, its JSON text, or the error that says why it has none.
    }
  }
  const json = JSON.stringify(message);
  try {
    port.postMessage(json);
  } catch {
    // The peer has gone; the launcher reports the exit.
  }
}

/**
 * Whether `value` holds only what a structured clone carries as its JSON would: no BigInt, no
 * `toJSON`, and objects and arrays of no class (a Date, a Map, a Buffer, a class instance are
 * objects of one). An object reached twice (a cycle, or shared, which JSON writes twice) answers
 * false too: JSON decides. Iterative, one look at each object and member; only objects are stacked.
 */
function clonesAsJson(value: unknown): boolean {
  if (typeof value === 'bigint') return false;
  if (typeof value !== 'object' || value === null) return true;
  const seen = new Set<object>();
  const stack: object[] = [value];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (seen.has(item)) return false;
    seen.add(item);
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') return false;
    const proto: unknown = Object.getPrototypeOf(item);
    if (Array.isArray(item)) {
      // Longer than JSON can write (a sparse one of 2^32 - 1 slots): JSON.stringify refuses it at once.
      if (proto !== Array.prototype || item.length > MAX_JSON_ARRAY_LENGTH) return false;
      for (let i = 0; i < item.length; i++) {
        const member: unknown = item[i];
        if (typeof member === 'bigint') return false;
        if (typeof member === 'object' && member !== null) stack.push(member);
      }
    } else {
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in item) {
        const member: unknown = (item as Record<string, unknown>)[key];
        if (typeof member === 'bigint') return false;
        if (typeof member === 'object' && member !== null) stack.push(member);
      }
    }
  }
  return true;
}

/**
 * Hands one message a port delivered to `listener`: JSON text (a message {@link postCloneOrJson}
 * sent as text; a JSON-RPC message is never a string) parsed back, a structured clone as it is.
 * Either way without a size, as every port message: the sender counted a cloned message's stream
 * batches by their own JSON, and a fallback must not change what the receiver counts. Text that
 * does not parse goes on as it is, for the connection to report as not JSON-RPC.
 */
export function deliverFromPort(message: unknown, listener: MessageListener): void {
  if (typeof message !== 'string') return listener(message, undefined);
  let parsed: unknown = message;
  try {
    parsed = JSON.parse(message);
  } catch {
    // Not JSON: delivered as it is.
  }
  listener(parsed, undefined);
}
