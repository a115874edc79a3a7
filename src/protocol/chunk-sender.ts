/**
 * Plugin side of stream framing: chunks ready in the same event-loop turn leave as one `$/chunks`
 * notification, and the sender pauses when the host has not granted credit for more.
 *
 * @module
 */
import { createAbortError } from '../errors.js';
import type { ChatCompletionChunk } from '../types.js';
import type { Connection } from './connection.js';
import { Method, type ChunksNotification, type RequestId } from './methods.js';

/** The most chunks one message carries. */
const MAX_BATCH = 64;

/**
 * Batches the chunks of one stream and applies the host's credit window.
 *
 * @example
 * ```ts
 * const sender = new ChunkSender(connection, id, window);
 * for await (const chunk of source) { sender.push(chunk); await sender.ready(signal); }
 * sender.flush();
 * ```
 */
export class ChunkSender {
  readonly #connection: Connection;
  readonly #id: RequestId;
  readonly #window: number;
  readonly #json: boolean;
  #batch: ChatCompletionChunk[] = [];
  #scheduled = false;
  #sent = 0;
  #credited = 0;
  #waiter: (() => void) | undefined;

  /** `json`: send each batch as one JSON text (see `StreamRequest.encoding`). */
  constructor(connection: Connection, id: RequestId, window: number, json = false) {
    this.#connection = connection;
    this.#id = id;
    this.#window = Math.max(1, window);
    this.#json = json;
  }

  /** How many chunks were pushed in all. */
  get count(): number {
    return this.#sent;
  }

  /** Queues a chunk; the batch leaves at the end of this event-loop turn, or once it is full. */
  push(chunk: ChatCompletionChunk): void {
    this.#batch.push(chunk);
    this.#sent++;
    // A turn can hold a whole stream (the body already arrived): send in slices so the host works meanwhile.
    if (this.#batch.length >= MAX_BATCH) {
      this.flush();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends what is queued now (before the response that closes the stream). */
  flush(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0) return;
    const chunks = this.#batch;
    this.#batch = [];
    const notification: ChunksNotification = this.#json ? { id: this.#id, json: JSON.stringify(chunks) } : { id: this.#id, chunks };
    this.#connection.notify(Method.chunks, notification);
  }

  /** Records credit from the host; wakes the producer when it is back inside the window. */
  credit(credits: number): void {
    this.#credited += credits;
    if (this.#waiter && this.#sent - this.#credited < this.#window) {
      const wake = this.#waiter;
      this.#waiter = undefined;
      wake();
    }
  }

  /** Resolves at once while inside the window; otherwise when the host grants credit or `signal` aborts. */
  ready(signal: AbortSignal): Promise<void> | undefined {
    if (this.#sent - this.#credited < this.#window) return undefined;
    this.flush();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiter = undefined;
        reject(createAbortError(signal.reason));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }
}
