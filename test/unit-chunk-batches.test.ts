// batchedStream / chunkBatchesOf (src/plugins/chunk-batches.ts), in-process: the plugin runtime
// reads a batched stream a batch at a time, anyone else chunk by chunk, and a stream whose iterator
// is not the batched one's (an override) is never read by batches.
import { describe, expect, it } from 'vitest';
import { ProviderError } from 'anyllm/internal/errors.js';
import { batchedStream, chunkBatchesOf } from 'anyllm/internal/plugins/chunk-batches.js';

/** A batched stream of `batches`, recording how far its source generator got and whether it was closed. */
function source(batches: unknown[]) {
  const seen = { opened: 0, yielded: 0, closed: false };
  const stream = batchedStream<string>(async function* () {
    seen.opened++;
    try {
      for (const batch of batches) {
        seen.yielded++;
        yield batch as string[];
      }
    } finally {
      seen.closed = true;
    }
  });
  return { stream, seen };
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The batches of `stream` until it ends or fails, and what it failed with (undefined when it ended). */
async function batchesUntilError(stream: AsyncIterable<unknown>): Promise<{ got: unknown[]; error: unknown }> {
  const got: unknown[] = [];
  const error = await (async () => {
    for await (const batch of chunkBatchesOf(stream)!) got.push(batch);
  })().catch((e: unknown) => e);
  return { got, error };
}

describe('a batched stream', () => {
  it('is read as its batches, in order, by the runtime', async () => {
    const { stream, seen } = source([['a', 'b'], ['c'], ['d', 'e', 'f']]);
    const batches = chunkBatchesOf(stream);
    expect(batches).toBeDefined();
    expect(await all(batches!)).toEqual([['a', 'b'], ['c'], ['d', 'e', 'f']]);
    expect(seen).toEqual({ opened: 1, yielded: 3, closed: true });
  });

  it('is read chunk by chunk by anyone else', async () => {
    const { stream, seen } = source([['a', 'b'], ['c']]);
    expect(await all(stream)).toEqual(['a', 'b', 'c']);
    expect(seen.closed).toBe(true);
  });

  it('closes its source when the reader leaves in the middle, by batches or chunk by chunk', async () => {
    const byBatch = source([['a', 'b'], ['c'], ['d']]);
    for await (const batch of chunkBatchesOf(byBatch.stream)!) {
      expect(batch).toEqual(['a', 'b']);
      break;
    }
    expect(byBatch.seen).toEqual({ opened: 1, yielded: 1, closed: true });
    const byChunk = source([['a', 'b'], ['c']]);
    for await (const chunk of byChunk.stream) {
      expect(chunk).toBe('a');
      break;
    }
    expect(byChunk.seen).toEqual({ opened: 1, yielded: 1, closed: true });
  });

  it('ends with ProviderError unserialisable_chunk at a batch that is not an array, after the ones before', async () => {
    for (const [bad, named] of [['abc', 'string'], [null, 'null'], [{ 0: 'a', length: 1 }, 'object'], [undefined, 'undefined']] as const) {
      const { stream, seen } = source([['a'], bad]);
      const { got, error } = await batchesUntilError(stream);
      expect(got).toEqual([['a']]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'unserialisable_chunk', message: `The provider's stream gave a batch of chunks that is not an array (${named}).` });
      expect(seen.closed).toBe(true);
    }
  });

  it("passes the source's own error through", async () => {
    const failing = batchedStream<string>(async function* () {
      yield ['a'];
      throw new RangeError('upstream went away');
    });
    const { got, error } = await batchesUntilError(failing);
    expect(got).toEqual([['a']]);
    expect(error).toBeInstanceOf(RangeError);
  });
});

describe('a stream that is not batched', () => {
  it('has no batches: a generator, a plain iterable, nothing iterable', () => {
    async function* generator() {
      yield 'a';
    }
    expect(chunkBatchesOf(generator())).toBeUndefined();
    expect(chunkBatchesOf({ [Symbol.asyncIterator]: generator })).toBeUndefined();
    expect(chunkBatchesOf({} as AsyncIterable<string>)).toBeUndefined();
    expect(chunkBatchesOf(null as unknown as AsyncIterable<string>)).toBeUndefined();
  });

  it('has none when an override replaced, spread or inherited the batched stream with an iterator of its own', async () => {
    const own = async function* () {
      yield 'OVERRIDE';
    };
    const replaced = source([['a']]).stream;
    replaced[Symbol.asyncIterator] = own as never;
    const spread = { ...source([['a']]).stream, [Symbol.asyncIterator]: own };
    const inherited = Object.create(source([['a']]).stream, { [Symbol.asyncIterator]: { value: own } }) as AsyncIterable<string>;
    for (const stream of [replaced, spread, inherited]) {
      expect(chunkBatchesOf(stream)).toBeUndefined();
      expect(await all(stream)).toEqual(['OVERRIDE']);
    }
    // Spread or inherited without a new iterator, it is still the batched stream, read by batches.
    expect(await all(chunkBatchesOf({ ...source([['a', 'b']]).stream })!)).toEqual([['a', 'b']]);
    expect(await all(chunkBatchesOf(Object.create(source([['c']]).stream) as AsyncIterable<string>)!)).toEqual([['c']]);
  });
});
