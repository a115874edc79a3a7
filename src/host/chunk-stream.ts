/**
 * Host side of a streamed completion: an AsyncIterable that buffers the chunks the plugin sends,
 * grants the plugin credit as the consumer reads, and cancels upstream when the consumer stops.
 *
 * @module
 */
import type { ChatCompletionChunk } from '../types.js';

export interface ChunkStreamHooks {
  /** How many chunks the plugin may have unconsumed; credit is granted every half window. */
  window: number;
  /** Starts the call; runs on the first `next()`, so a stream that is never read sends nothing. */
  start(stream: ChunkStream): void;
  /** Tells the plugin the consumer took `credits` more chunks. */
  grant(credits: number): void;
  /** The consumer stopped early (`break`, `return()`): cancel upstream. */
  cancel(): void;
}

/**
 * A stream of OpenAI-shaped chunks. Iterate it once with `for await`.
 *
 * @example
 * ```ts
 * for await (const chunk of llm.completionStream({ model, messages })) {
 *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * }
 * ```
 */
export class ChunkStream implements AsyncIterableIterator<ChatCompletionChunk> {
  readonly #hooks: ChunkStreamHooks;
  #queue: ChatCompletionChunk[] = [];
  #head = 0;
  #started = false;
  #finished = false;
  #error: unknown;
  #uncredited = 0;
  #waiter: { resolve(result: IteratorResult<ChatCompletionChunk>): void; reject(error: unknown): void } | undefined;

  constructor(hooks: ChunkStreamHooks) {
    this.#hooks = hooks;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Chunks received but not yet read. */
  get buffered(): number {
    return this.#queue.length - this.#head;
  }

  /** Called by the supervisor with each batch the plugin sends. */
  push(chunks: ChatCompletionChunk[]): void {
    if (this.#finished) return;
    if (this.#waiter && chunks.length > 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      for (let i = 1; i < chunks.length; i++) this.#queue.push(chunks[i]);
      this.#consumed();
      waiter.resolve({ value: chunks[0], done: false });
      return;
    }
    for (const chunk of chunks) this.#queue.push(chunk);
  }

  /** The plugin closed the stream: the consumer gets the rest of the buffer, then `done`. */
  end(): void {
    this.#settle(undefined, false);
  }

  /** The call failed: the consumer gets `error` at once (an abort must not wait behind buffered chunks). */
  fail(error: unknown): void {
    this.#settle(error, true);
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.#started && !this.#finished) {
      this.#started = true;
      try {
        this.#hooks.start(this);
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#consumed();
      return Promise.resolve({ value, done: false });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stops early: cancels upstream and drops what is buffered. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#queue = [];
      this.#head = 0;
      if (this.#started) this.#hooks.cancel();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #consumed(): void {
    if (++this.#uncredited * 2 >= this.#hooks.window) {
      const credits = this.#uncredited;
      this.#uncredited = 0;
      this.#hooks.grant(credits);
    }
  }

  #settle(error: unknown, dropBuffered: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    if (error !== undefined) this.#error = error;
    if (dropBuffered) {
      this.#queue = [];
      this.#head = 0;
    }
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    if (error !== undefined) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }
}
