/**
 * Host side of a streamed completion: an AsyncIterable that buffers the chunks the plugin sends,
 * grants the plugin credit as the consumer reads, and cancels upstream when the consumer stops.
 *
 * @module
 */
import { isAbortError } from '../errors.js';
import { isGuardTimeout } from './call-guard.js';
import { CreditReceiver, type Credit, type WindowSize } from '../protocol/flow-control.js';
import type { ChatCompletion, ChatCompletionChunk } from '../types.js';
import { CONFIGURE_STREAM, StreamHelpers, type CompletionStreamHelpers, type Finisher, type ReadableStreamOptions } from './stream-helpers.js';

export interface ChunkStreamHooks {
  /** Chunks and bytes the plugin may have unconsumed; credit is granted every half window. */
  window: WindowSize;
  /** Starts the call; runs on the first `next()`, so a stream that is never read sends nothing. */
  start(stream: ChunkStream): void;
  /** Tells the plugin the consumer took this many more chunks and bytes. */
  grant(credit: Credit): void;
  /** The consumer stopped early (`break`, `return()`): cancel upstream. */
  cancel(): void;
}

/**
 * A stream of OpenAI-shaped chunks. Iterate it once with `for await`, or ask for the assembled
 * result (`finalChatCompletion()`) or a web `ReadableStream` (`toReadableStream()`).
 *
 * @example
 * ```ts
 * const stream = llm.completionStream({ model, messages });
 * const final = stream.finalChatCompletion(); // before the loop: the chunks are folded as they pass
 * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * const { choices, usage } = await final;
 * ```
 */
export class ChunkStream<Final extends ChatCompletion = ChatCompletion>
  implements AsyncIterableIterator<ChatCompletionChunk>, CompletionStreamHelpers<Final>
{
  readonly #hooks: ChunkStreamHooks;
  /** Made on the first helper call; until then the consumer's reads go straight to `#pull`. */
  // Typed by the base type, so a ChunkStream<Parsed> is still a ChunkStream (Final is only returned).
  #helpers: StreamHelpers<ChatCompletion> | undefined;
  #finish: Finisher<ChatCompletion> = (completion) => completion;
  #provider: string | undefined;
  #queue: ChatCompletionChunk[] = [];
  #head = 0;
  #started = false;
  #finished = false;
  #error: unknown;
  readonly #credit: CreditReceiver;
  /** Per batch still (partly) buffered: the running chunk count at its end, and its size. */
  #batchEnds: number[] = [];
  #batchBytes: number[] = [];
  #batchHead = 0;
  #pushed = 0;
  #taken = 0;
  #waiter: { resolve(result: IteratorResult<ChatCompletionChunk>): void; reject(error: unknown): void } | undefined;

  constructor(hooks: ChunkStreamHooks) {
    this.#hooks = hooks;
    this.#credit = new CreditReceiver(hooks.window);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Chunks received but not yet read. */
  get buffered(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether the plugin has used its whole window (it waits for the consumer now). */
  get full(): boolean {
    return this.#credit.full;
  }

  /**
   * Called by the supervisor with each batch the plugin sends and the batch's size (the message's,
   * as the transport measured it). Returns the violation when the plugin overran its window; that
   * batch is refused (the consumer gets the ones before it, then the caller's `fail`).
   */
  push(chunks: ChatCompletionChunk[], bytes: number): string | undefined {
    if (this.#finished || chunks.length === 0) return undefined;
    const problem = this.#credit.received(chunks.length, bytes);
    if (problem !== undefined) return problem;
    this.#pushed += chunks.length;
    this.#batchEnds.push(this.#pushed);
    this.#batchBytes.push(bytes);
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      for (let i = 1; i < chunks.length; i++) this.#queue.push(chunks[i]);
      this.#consumed();
      waiter.resolve({ value: chunks[0], done: false });
      return undefined;
    }
    for (const chunk of chunks) this.#queue.push(chunk);
    return undefined;
  }

  /** The plugin closed the stream: the consumer gets the rest of the buffer, then `done`. */
  end(): void {
    this.#settle(undefined, false);
  }

  /**
   * The call failed. An abort or the caller's own timeout (`timeoutMs`, `idleTimeoutMs`) is its
   * "stop now": the consumer gets it at once, not behind buffered chunks. Any other error (the
   * provider's, an SDK's own request timeout, a crash) comes after the chunks that arrived before
   * it, as the provider sent them: none of them is lost.
   */
  fail(error: unknown): void {
    this.#settle(error, isAbortError(error) || isGuardTimeout(error));
  }

  /**
   * Host side: what `finalChatCompletion()` makes of the assembled completion (parses it, for a
   * schema `response_format`), and the provider its errors name.
   *
   * @internal
   */
  [CONFIGURE_STREAM]<F extends ChatCompletion>(options: { finish?: Finisher<F>; provider?: string }): ChunkStream<F> {
    if (options.finish) this.#finish = options.finish;
    this.#provider = options.provider;
    return this as unknown as ChunkStream<F>;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.#helpers === undefined ? this.#pull() : this.#helpers.next();
  }

  /** Stops early: cancels upstream and drops what is buffered. */
  return(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.#helpers === undefined ? this.#stop() : this.#helpers.return();
  }

  /**
   * The assembled `ChatCompletion` (content, reasoning, tool calls merged by index, the last
   * `provider_data`, usage, `finish_reason`), once the stream ends; with a schema
   * `response_format`, `choices[i].message.parsed` too. Call it before reading the stream: alone,
   * it reads the stream itself; followed at once by a `for await` loop or `toReadableStream()`, it
   * folds the chunks as they pass. Chunks are folded only once it was called.
   *
   * @throws InvalidRequestError when the stream was read before it was called; `ProviderError`
   *   when the stream ended without a `finish_reason`; `StructuredOutputError` when a schema reply
   *   does not parse or validate.
   * @example
   * ```ts
   * const completion = await llm.completionStream(params).finalChatCompletion();
   * messages.push(completion.choices[0].message);
   * ```
   */
  finalChatCompletion(): Promise<Final> {
    return this.#helpersNow().finalChatCompletion() as Promise<Final>;
  }

  /**
   * The chunks as a web `ReadableStream` (for an HTTP response or an Electron `MessagePort`), read
   * on demand, so the plugin's credits follow the reader; cancelling it cancels upstream.
   * `{ format: 'ndjson' }` gives bytes, one JSON chunk per line, as openai-node's does.
   *
   * @example
   * ```ts
   * const body = llm.completionStream(params).toReadableStream({ format: 'ndjson' });
   * return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
   * ```
   */
  toReadableStream(options?: { format?: 'chunks' }): ReadableStream<ChatCompletionChunk>;
  toReadableStream(options: { format: 'ndjson' }): ReadableStream<Uint8Array>;
  toReadableStream(options?: ReadableStreamOptions): ReadableStream<ChatCompletionChunk> | ReadableStream<Uint8Array> {
    return this.#helpersNow().toReadableStream(options);
  }

  #helpersNow(): StreamHelpers<ChatCompletion> {
    this.#helpers ??= new StreamHelpers({ pull: () => this.#pull(), stop: () => this.#stop() }, this.#finish, this.#started, this.#provider);
    return this.#helpers;
  }

  #pull(): Promise<IteratorResult<ChatCompletionChunk>> {
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

  #stop(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#queue = [];
      this.#head = 0;
      if (this.#started) this.#hooks.cancel();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  /** One chunk reached the consumer: its batch's bytes count once the batch's last chunk has. */
  #consumed(): void {
    let bytes = 0;
    if (++this.#taken === this.#batchEnds[this.#batchHead]) {
      bytes = this.#batchBytes[this.#batchHead++];
      if (this.#batchHead > 1024 && this.#batchHead * 2 > this.#batchEnds.length) {
        this.#batchEnds = this.#batchEnds.slice(this.#batchHead);
        this.#batchBytes = this.#batchBytes.slice(this.#batchHead);
        this.#batchHead = 0;
      }
    }
    const grant = this.#credit.consumed(1, bytes);
    if (grant) this.#hooks.grant(grant);
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
