/**
 * The one credit rule of the protocol, for stream chunks and fetch bodies in both directions.
 *
 * A window has two limits: messages (chunks of a stream, parts of a body) and bytes (the size of
 * the JSON text that carried them, as the transport measured it: the line length over stdio, the
 * batch's JSON text over a worker port; UTF-16 code units, which is bytes for the ASCII of JSON
 * framing). A sender may send `n` more items while `outstanding.messages + n <= window.messages`
 * and `outstanding.bytes < window.bytes`: the byte limit is checked before the message, so one
 * message may overshoot it by at most its own size, which its method's size cap bounds. The
 * receiver grants credit back once half of either limit has been consumed.
 *
 * Both sides run the same arithmetic here: the sender to know when to wait, the receiver (and the
 * sandbox's channel guard, which mirrors both) to know when the peer broke the rule.
 *
 * @module
 */
import { createAbortError } from '../errors.js';

/** How much a peer may have outstanding: items and bytes. */
export interface WindowSize {
  messages: number;
  bytes: number;
}

/** A grant of credit: this many items and bytes were consumed. */
export interface Credit {
  messages: number;
  bytes: number;
}

/** What was sent and not yet credited back. */
export interface Outstanding {
  readonly messages: number;
  readonly bytes: number;
}

/**
 * Whether a grant is well-formed: non-negative safe integers, not both zero.
 *
 * @example
 * ```ts
 * isCredit({ messages: 16, bytes: 4096 }); // true
 * isCredit({ messages: 1e12 * 0.5, bytes: -1 }); // false
 * ```
 */
export function isCredit(value: unknown): value is Credit {
  if (typeof value !== 'object' || value === null) return false;
  const { messages, bytes } = value as Partial<Credit>;
  return (
    Number.isSafeInteger(messages) &&
    Number.isSafeInteger(bytes) &&
    (messages as number) >= 0 &&
    (bytes as number) >= 0 &&
    (messages as number) + (bytes as number) > 0
  );
}

/**
 * The sending side of a window: may I send, record what was sent, take credit, wait for credit.
 *
 * @example
 * ```ts
 * const credit = new CreditSender({ messages: 32, bytes: 1 << 20 });
 * await credit.wait(1, signal);            // resolves at once while there is room
 * credit.sent(1, connection.notify(...));  // one part, its size as the transport measured it
 * credit.take({ messages: 16, bytes: 8192 }); // a grant from the receiver
 * ```
 */
export class CreditSender {
  readonly window: WindowSize;
  #messages = 0;
  #bytes = 0;
  #waiter: { items: number; wake: () => void } | undefined;

  constructor(window: WindowSize) {
    this.window = { messages: Math.max(1, window.messages), bytes: Math.max(1, window.bytes) };
  }

  /** Sent and not yet credited. */
  get outstanding(): Outstanding {
    return { messages: this.#messages, bytes: this.#bytes };
  }

  /** Whether `items` more may be sent now. */
  canSend(items = 1): boolean {
    return this.#messages + items <= this.window.messages && this.#bytes < this.window.bytes;
  }

  /** Records a message of `items` items and `bytes` bytes as sent. */
  sent(items: number, bytes: number): void {
    this.#messages += items;
    this.#bytes += bytes;
  }

  /**
   * Takes a grant from the receiver. A grant for more than is outstanding is the receiver
   * inflating its credit: it is refused (nothing changes) and the violation returned.
   */
  take(grant: Credit): string | undefined {
    if (grant.messages > this.#messages || grant.bytes > this.#bytes) {
      return (
        `granted credit for ${grant.messages} messages / ${grant.bytes} bytes when only ` +
        `${this.#messages} / ${this.#bytes} were outstanding`
      );
    }
    this.#messages -= grant.messages;
    this.#bytes -= grant.bytes;
    const waiter = this.#waiter;
    if (waiter && this.canSend(waiter.items)) {
      this.#waiter = undefined;
      waiter.wake();
    }
    return undefined;
  }

  /**
   * Resolves once `items` more may be sent; `undefined` (no promise) while they may already.
   * Rejects with an AbortError when `signal` aborts first. One waiter at a time.
   */
  wait(items: number, signal?: AbortSignal): Promise<void> | undefined {
    if (this.canSend(items)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiter = undefined;
        reject(createAbortError(signal?.reason));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        items,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
    });
  }

  /** Wakes a waiter without credit (the stream ended, or the sender gave up): it re-checks. */
  release(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.wake();
  }
}

/**
 * The receiving side of a window: record what arrives (a violation when the sender overran the
 * window), record what the consumer took (the grant to send back, once half a window is consumed).
 *
 * @example
 * ```ts
 * const credit = new CreditReceiver({ messages: 1024, bytes: 8 << 20 });
 * const problem = credit.received(chunks.length, size); // 'sent … beyond …' or undefined
 * const grant = credit.consumed(1, 0);                   // a Credit to send, or undefined
 * ```
 */
export class CreditReceiver {
  readonly window: WindowSize;
  #messages = 0;
  #bytes = 0;
  #consumedMessages = 0;
  #consumedBytes = 0;

  constructor(window: WindowSize) {
    this.window = { messages: Math.max(1, window.messages), bytes: Math.max(1, window.bytes) };
  }

  /** Received and not yet credited back. */
  get outstanding(): Outstanding {
    return { messages: this.#messages, bytes: this.#bytes };
  }

  /** Whether the sender must now wait for credit (the window is full in either dimension). */
  get full(): boolean {
    return this.#messages >= this.window.messages || this.#bytes >= this.window.bytes;
  }

  /**
   * Records a message of `items` items and `bytes` bytes. Returns the violation when the sender
   * had no room for it (the same rule as {@link CreditSender.canSend}); it is counted either way.
   */
  received(items: number, bytes: number): string | undefined {
    const overrun = this.#messages + items > this.window.messages || this.#bytes >= this.window.bytes;
    const problem = overrun
      ? `sent ${items} items / ${bytes} bytes with ${this.#messages} / ${this.#bytes} already outstanding, ` +
        `beyond the window of ${this.window.messages} / ${this.window.bytes}`
      : undefined;
    this.#messages += items;
    this.#bytes += bytes;
    return problem;
  }

  /**
   * Records that the consumer took `items` items and `bytes` bytes. Returns the grant to send
   * once half of either limit has been consumed since the last grant; otherwise `undefined`.
   */
  consumed(items: number, bytes: number): Credit | undefined {
    this.#consumedMessages += items;
    this.#consumedBytes += bytes;
    if (this.#consumedMessages * 2 < this.window.messages && this.#consumedBytes * 2 < this.window.bytes) return undefined;
    const grant = { messages: this.#consumedMessages, bytes: this.#consumedBytes };
    this.granted(grant);
    return grant;
  }

  /**
   * Records a grant sent to the sender (by {@link consumed}, or observed by a mirror such as the
   * channel guard, which sees the host's grants go out).
   */
  granted(grant: Credit): void {
    this.#messages = Math.max(0, this.#messages - grant.messages);
    this.#bytes = Math.max(0, this.#bytes - grant.bytes);
    this.#consumedMessages = Math.max(0, this.#consumedMessages - grant.messages);
    this.#consumedBytes = Math.max(0, this.#consumedBytes - grant.bytes);
  }
}
