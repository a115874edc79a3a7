/**
 * What a completion stream offers beside `for await`: `finalChatCompletion()` and
 * `toReadableStream()`. Kept off the per-chunk path: a stream gets one of these only when a caller
 * asks for a helper, and chunks are folded only once `finalChatCompletion()` was asked for.
 *
 * @module
 */
import { createAbortError, InvalidRequestError } from '../errors.js';
import type { ChatCompletion, ChatCompletionChunk } from '../types.js';
import { ChunkAccumulator } from './accumulate.js';

/**
 * The key of `ChunkStream`'s host-side set-up method. `Symbol.for`, because the bundled entry and
 * the lazily loaded supervisor each have their own copy of these modules: a private field or a
 * static of one copy's class would not reach a stream the other copy made.
 */
export const CONFIGURE_STREAM: unique symbol = Symbol.for('anyllm.ChunkStream.configure') as never;

/** Where the chunks come from: the stream's own read and stop. */
export interface ChunkSource {
  pull(): Promise<IteratorResult<ChatCompletionChunk>>;
  stop(): Promise<unknown>;
}

/** Turns the assembled completion into what `finalChatCompletion()` resolves with (parses it, for a schema). */
export type Finisher<Final extends ChatCompletion> = (completion: ChatCompletion) => Final | Promise<Final>;

/** Options of `toReadableStream()`. */
export interface ReadableStreamOptions {
  /**
   * `'chunks'` (the default): a stream of `ChatCompletionChunk` objects. `'ndjson'`: bytes, one
   * JSON chunk per line (what openai-node's `toReadableStream()` gives, and what its
   * `ChatCompletionStream.fromReadableStream()` reads), for an HTTP response body.
   */
  format?: 'chunks' | 'ndjson';
}

/** The helpers a completion stream has (`ChunkStream` and the top-level `completionStream()`). */
export interface CompletionStreamHelpers<Final extends ChatCompletion = ChatCompletion> {
  /**
   * The assembled completion, once the stream ends. Called before the stream is read, it reads the
   * stream itself, or, when the caller goes on to iterate it (`for await`, `toReadableStream()`),
   * folds the chunks as they pass. With a schema `response_format`, the result carries `parsed`.
   */
  finalChatCompletion(): Promise<Final>;
  /** The chunks as a web `ReadableStream`; cancelling it cancels the upstream request. */
  toReadableStream(options?: { format?: 'chunks' }): ReadableStream<ChatCompletionChunk>;
  toReadableStream(options: { format: 'ndjson' }): ReadableStream<Uint8Array>;
}

function misuse(why: string, provider: string | undefined): InvalidRequestError {
  return new InvalidRequestError(why, { provider, code: 'stream_helper_misuse' });
}

/**
 * The helpers' state for one stream. The stream routes its consumer's `next()` and `return()`
 * here once this exists.
 */
export class StreamHelpers<Final extends ChatCompletion> {
  readonly #source: ChunkSource;
  readonly #finish: Finisher<Final>;
  readonly #provider: string | undefined;
  /** Chunks reached the caller before there was anything to fold them into. */
  #readUnfolded: boolean;
  /** A caller reads the stream (`next()`, a ReadableStream): `finalChatCompletion()` must not. */
  #consumer = false;
  #driving = false;
  #ended = false;
  #readable = false;
  #accumulator: ChunkAccumulator | undefined;
  #final: PromiseWithResolvers<Final> | undefined;

  /** @param readBefore whether the caller had already read the stream (so chunks went unfolded) */
  constructor(source: ChunkSource, finish: Finisher<Final>, readBefore: boolean, provider?: string) {
    this.#source = source;
    this.#finish = finish;
    this.#readUnfolded = readBefore;
    this.#consumer = readBefore;
    this.#provider = provider;
  }

  /** The caller's `next()`. */
  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.#driving) {
      return Promise.reject(misuse('This stream is being read by finalChatCompletion(): to iterate it as well, start the loop (or toReadableStream()) right after calling finalChatCompletion(), before any await.', this.#provider));
    }
    this.#consumer = true;
    return this.#read();
  }

  /** The caller stopped early: the upstream call is cancelled and a pending final result fails. */
  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.#ended) this.#settle(createAbortError());
    await this.#source.stop();
    return { value: undefined, done: true };
  }

  finalChatCompletion(): Promise<Final> {
    if (this.#final) return this.#final.promise;
    if (this.#readUnfolded) {
      return Promise.reject(misuse('finalChatCompletion() must be called before the stream is read (chunks already taken were not kept); or fold them yourself with accumulateChunks().', this.#provider));
    }
    this.#accumulator = new ChunkAccumulator({ provider: this.#provider });
    this.#final = Promise.withResolvers<Final>();
    // The caller may not await it (an error also reaches its loop); never an unhandled rejection.
    this.#final.promise.catch(() => {});
    // A caller who iterates starts the loop in the same turn; otherwise read it here.
    queueMicrotask(() => {
      if (!this.#consumer) void this.#drive();
    });
    return this.#final.promise;
  }

  toReadableStream(options: ReadableStreamOptions = {}): ReadableStream<ChatCompletionChunk> | ReadableStream<Uint8Array> {
    const format = options?.format ?? 'chunks';
    if (format !== 'chunks' && format !== 'ndjson') {
      throw new InvalidRequestError(`Invalid request: 'format' must be 'chunks' or 'ndjson' (got ${JSON.stringify(format)}).`, { provider: this.#provider, code: 'invalid_request' });
    }
    if (this.#readable) throw misuse('toReadableStream() was already called on this stream: a stream is read once.', this.#provider);
    if (this.#driving) throw misuse('This stream is being read by finalChatCompletion(): call toReadableStream() first.', this.#provider);
    this.#readable = true;
    this.#consumer = true;
    const encoder = format === 'ndjson' ? new TextEncoder() : undefined;
    // highWaterMark 0: a chunk is pulled only when the reader asks, so the plugin's credits still
    // follow the real consumer.
    return new ReadableStream<ChatCompletionChunk | Uint8Array>(
      {
        pull: async (controller) => {
          const result = await this.#read();
          if (result.done) controller.close();
          else controller.enqueue(encoder ? encoder.encode(`${JSON.stringify(result.value)}\n`) : result.value);
        },
        cancel: async () => {
          await this.return();
        },
      },
      { highWaterMark: 0 },
    ) as ReadableStream<ChatCompletionChunk> | ReadableStream<Uint8Array>;
  }

  async #drive(): Promise<void> {
    this.#driving = true;
    try {
      while (!(await this.#read()).done);
    } catch {
      // #read settled the final result with the error.
    }
  }

  #read(): Promise<IteratorResult<ChatCompletionChunk>> {
    return this.#source.pull().then(
      (result) => {
        // Checked when the chunk arrives, not when it was asked for: a read in flight when
        // finalChatCompletion() was called still counts.
        const accumulator = this.#accumulator;
        if (result.done) this.#end();
        else if (accumulator) this.#fold(accumulator, result.value);
        else this.#readUnfolded = true;
        return result;
      },
      (error: unknown) => {
        this.#settle(error);
        throw error;
      },
    );
  }

  /**
   * Folds one chunk. A chunk that cannot be folded ends the stream like a failed read: the final
   * result fails with it and the call is cancelled (thrown on, it only reached a loop, and
   * `finalChatCompletion()` driving the stream alone was left pending for ever).
   */
  #fold(accumulator: ChunkAccumulator, chunk: ChatCompletionChunk): void {
    try {
      accumulator.add(chunk);
    } catch (error) {
      this.#settle(error);
      this.#source.stop().catch(() => {});
      throw error;
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const final = this.#final;
    const accumulator = this.#accumulator;
    if (!final || !accumulator) return;
    Promise.resolve()
      .then(() => this.#finish(accumulator.toChatCompletion()))
      .then(final.resolve, final.reject);
  }

  #settle(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#final?.reject(error);
  }
}
