// Red team (issue 10, part 6): the SSE reader hands the plugin runtime a batch per read of the body.
// An event whose JSON is malformed must end the stream after the events before it in the same read
// (as an error event does), not take them down with it; one after [DONE] is never reached.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../src/errors.js';
import { openSseBatches } from '../src/plugins/sse.js';

/** A Response whose body arrives in the given pieces (each one read). */
function responseOf(pieces: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Every batch the reader gives, and the error it ends with. */
async function read(pieces: string[]): Promise<{ batches: unknown[][]; error: unknown }> {
  const reader = await openSseBatches(responseOf(pieces), 'test');
  const batches: unknown[][] = [];
  try {
    for (let batch = await reader.next(); batch !== undefined; batch = await reader.next()) batches.push(batch);
    return { batches, error: undefined };
  } catch (error) {
    return { batches, error };
  } finally {
    reader.close();
  }
}

const good = (n: number) => `data: {"n":${n}}\n\n`;
const BAD = 'data: {"n":\n\n';

describe('a malformed event in a read of the SSE body', () => {
  it('comes after the events before it in the same read, then the stream fails with ProviderError', async () => {
    const { batches, error } = await read([good(1), good(2) + good(3) + BAD + good(4)]);
    expect(batches).toEqual([[{ n: 1 }], [{ n: 2 }, { n: 3 }]]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/malformed server-sent event JSON/);
  });

  it('fails the stream when it is the unterminated last event of the body (no [DONE])', async () => {
    // Dispatched when the body ends: in the read that says done.
    const { batches, error } = await read([good(1) + good(2) + 'data: {"n":']);
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }]]);
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('fails at once when it is the first event of a read', async () => {
    const { batches, error } = await read([good(1), BAD + good(2)]);
    expect(batches).toEqual([[{ n: 1 }]]);
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('is never reached after [DONE] in the same read', async () => {
    const { batches, error } = await read([good(1) + 'data: [DONE]\n\n' + BAD]);
    expect(batches).toEqual([[{ n: 1 }]]);
    expect(error).toBeUndefined();
  });

  it('gives way to an error event before it in the same read', async () => {
    const { batches, error } = await read([good(1) + 'data: {"error":{"message":"upstream broke","code":"boom"}}\n\n' + BAD]);
    expect(batches).toEqual([[{ n: 1 }]]);
    expect(error).toMatchObject({ message: 'upstream broke', code: 'boom' });
  });
});
