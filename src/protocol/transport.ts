/**
 * A transport moves JSON-RPC messages between host and plugin; the connection does the rest.
 *
 * @module
 */
import type { JSONRPCRequest, JSONRPCResponse } from 'json-rpc-2.0';

/** One JSON-RPC message (request, notification or response). */
export type Message = JSONRPCRequest | JSONRPCResponse;

/** A duplex message channel. Implementations: MessagePort/Worker, child-process IPC. */
export interface Transport {
  /** Sends one message; must not throw once the peer is gone (messages are then dropped). */
  send(message: Message): void;
  /** Registers the single receiver of incoming messages. */
  onMessage(listener: (message: unknown) => void): void;
  /** Stops receiving; the underlying channel is closed by whoever owns it. */
  close(): void;
}

/** The part of a Worker, MessagePort or `parentPort` a port transport needs. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * A transport over a worker's port: messages are structured-cloned, never serialised to text.
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

  send(message: Message): void {
    if (this.#closed) return;
    try {
      this.#port.postMessage(message);
    } catch {
      // The peer has gone; the launcher reports the exit.
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    if (this.#listener) this.#port.off('message', this.#listener);
    this.#listener = listener;
    this.#port.on('message', listener);
  }

  close(): void {
    this.#closed = true;
    if (this.#listener) this.#port.off('message', this.#listener);
    this.#listener = undefined;
  }
}
