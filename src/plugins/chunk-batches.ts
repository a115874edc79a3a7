/**
 * A provider's stream that can also be read a batch at a time: the chunks one read of the upstream
 * body brought, as one array. The plugin runtime (serve.ts) reads such a stream by batches, so a
 * streamed token costs no async-generator step between the provider and the runtime (a step per
 * chunk was a tenth of a plugin thread's work per token: docs/PERFORMANCE.md). Anyone else
 * iterates it chunk by chunk as any `AsyncIterable`.
 *
 * Only the object the provider's `completionStream()` itself returns carries the batches: a
 * subclass that overrides `completionStream()` (even around `super.completionStream()`) returns its
 * own generator, which is read chunk by chunk, so its override always runs. The batches hang on the
 * stream's `Symbol.asyncIterator` itself, not beside it: an override that changes the base's stream
 * instead (replaces its iterator, spreads it into a new object, inherits from it) gives a stream
 * whose iterator is its own, read chunk by chunk through it.
 *
 * @module
 */
import { ProviderError } from '../errors.js';

/** The key, on a batched stream's iterator method, of what opens its batches (shared by every copy of `anyllm/plugin`). */
export const CHUNK_BATCHES: unique symbol = Symbol.for('anyllm.chunkBatches') as never;

/** An `AsyncIterable` of chunks that can also be read as batches of them. */
export interface BatchedStream<T> extends AsyncIterable<T> {
  /** Iterates chunk by chunk; its `[CHUNK_BATCHES]()` opens the same stream as batches (each a non-empty array, in order). Open it once, or iterate once. */
  [Symbol.asyncIterator]: (() => AsyncIterator<T>) & { readonly [CHUNK_BATCHES]: () => AsyncIterable<T[]> };
}

/**
 * The stream `open()` gives as batches, iterable chunk by chunk as well.
 *
 * @example
 * ```ts
 * completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
 *   return batchedStream(() => this.streamBatches(params, ctx)); // an async generator of arrays
 * }
 * ```
 */
export function batchedStream<T>(open: () => AsyncIterable<T[]>): BatchedStream<T> {
  const chunks = async function* (): AsyncGenerator<T> {
    for await (const batch of open()) for (const item of batch) yield item;
  };
  // On the iterator, so a stream whose iterator someone replaced is read through the replacement.
  return { [Symbol.asyncIterator]: Object.assign(chunks, { [CHUNK_BATCHES]: open }) };
}

/**
 * The batches of `stream` when it is a {@link BatchedStream}; `undefined` when it is read chunk by
 * chunk. A batch that is not an array ends the stream with `ProviderError` (code
 * `unserialisable_chunk`, as a chunk that is not a JSON object does).
 *
 * @example
 * ```ts
 * const batches = chunkBatchesOf(stream);
 * if (batches) for await (const batch of batches) for (const chunk of batch) use(chunk);
 * else for await (const chunk of stream) use(chunk);
 * ```
 */
export function chunkBatchesOf<T>(stream: AsyncIterable<T>): AsyncIterable<readonly T[]> | undefined {
  // The batches of the iterator the stream would be read with: an override's own iterator has none.
  const iterate: unknown = (stream as Partial<AsyncIterable<T>> | null | undefined)?.[Symbol.asyncIterator];
  const open: unknown = typeof iterate === 'function' ? (iterate as { [CHUNK_BATCHES]?: unknown })[CHUNK_BATCHES] : undefined;
  if (typeof open !== 'function') return undefined;
  const batches = (open as () => AsyncIterable<unknown>).call(stream);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches) {
        if (!Array.isArray(batch)) {
          throw new ProviderError(`The provider's stream gave a batch of chunks that is not an array (${batch === null ? 'null' : typeof batch}).`, {
            code: 'unserialisable_chunk',
          });
        }
        yield batch as readonly T[];
      }
    },
  };
}
