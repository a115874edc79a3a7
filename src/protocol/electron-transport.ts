/**
 * The transport pair of Electron's utility processes: the host speaks to the `UtilityProcess` that
 * `utilityProcess.fork` returned, the plugin to `process.parentPort`. Messages are JSON text or
 * structured clones, as over a worker's port (see `postCloneOrJson`). This module imports nothing
 * of Electron: both sides take the object they talk to (typed by the shapes below, which follow
 * Electron's documented API).
 *
 * @module
 */
import { PortTransport, deliverFromPort, postCloneOrJson, type Message, type MessageListener, type PortLike, type Transport } from './transport.js';

/** The part of Electron's `UtilityProcess` (main process) the host side uses. */
export interface UtilityProcessLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
}

/** The part of Electron's `process.parentPort` (utility process) the plugin side uses. */
export interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/**
 * The host's side: sends to the utility process, holding messages until it has spawned (Electron's
 * docs do not say what a message posted before 'spawn' meets; held, it arrives either way), and
 * drops them once it has exited.
 *
 * @example
 * ```ts
 * const child = utilityProcess.fork(utilityMain, [], { stdio: 'pipe' });
 * const connection = new Connection(new UtilityProcessTransport(child));
 * ```
 */
export class UtilityProcessTransport implements Transport {
  readonly #child: UtilityProcessLike;
  /** Messages sent before 'spawn', as JSON text (see {@link send}). */
  #pending: string[] | undefined = [];
  #listener: ((message: unknown) => void) | undefined;
  #closed = false;

  constructor(child: UtilityProcessLike) {
    this.#child = child;
    child.once('spawn', () => {
      const pending = this.#pending ?? [];
      this.#pending = undefined;
      for (const json of pending) this.#post(json);
    });
    child.once('exit', () => {
      this.#closed = true;
      this.#pending = undefined;
    });
  }

  send(message: Message): undefined {
    if (this.#closed) return;
    // Held as JSON text, encoded now: a message JSON cannot carry fails its sender here, not at 'spawn'.
    if (this.#pending) this.#pending.push(JSON.stringify(message));
    else postCloneOrJson(this.#child, message);
  }

  onMessage(listener: MessageListener): void {
    if (this.#listener) this.#child.off('message', this.#listener);
    this.#listener = (message) => deliverFromPort(message, listener);
    this.#child.on('message', this.#listener);
  }

  close(): void {
    this.#closed = true;
    this.#pending = undefined;
    if (this.#listener) this.#child.off('message', this.#listener);
    this.#listener = undefined;
  }

  #post(json: string): void {
    try {
      this.#child.postMessage(json);
    } catch {
      // The process has gone; the launcher reports the exit.
    }
  }
}

/**
 * The plugin's side, over `process.parentPort`: Electron wraps each incoming message in an event
 * whose `data` is the message.
 *
 * @example
 * ```ts
 * serve(new ParentPortTransport(process.parentPort), { exit: () => process.exit(0) });
 * ```
 */
export class ParentPortTransport extends PortTransport {
  constructor(port: ParentPortLike) {
    super(unwrapEvents(port));
  }
}

/** `parentPort` as a plain port: each listener gets the event's `data`, and can be removed again. */
function unwrapEvents(port: ParentPortLike): PortLike {
  const wrapped = new Map<(message: unknown) => void, (event: { data: unknown }) => void>();
  return {
    postMessage: (message) => port.postMessage(message),
    on(event, listener) {
      const unwrap = (incoming: { data: unknown }) => listener(incoming.data);
      wrapped.set(listener, unwrap);
      return port.on(event, unwrap);
    },
    off(event, listener) {
      const unwrap = wrapped.get(listener);
      wrapped.delete(listener);
      return unwrap && port.off(event, unwrap);
    },
  };
}
