// A stream that fails while chunks wait unread in the host: an error from the provider or the
// plugin comes after those chunks (none is lost, as the provider sent them); the caller's own abort
// or timeout comes at once, ahead of them.
import { describe, expect, it } from 'vitest';
import { PluginCrashedError, ProviderError, TimeoutError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { CallOptions } from '../src/types.js';
import { chunkOf, MemoryLauncher, scriptedPeer, supervision, testSpec } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let n = 0;

/** A plugin that sends three chunks in three batches, then ends the call as `then` says. */
const plugin = (then: 'provider-error' | 'crash' | 'hang') =>
  scriptedPeer({
    completionStream: (_raw, context, side, peer) => {
      for (const text of ['a', 'b', 'c']) peer.notify(Method.chunks, { id: context.id, chunks: [chunkOf(text)] } as never);
      if (then === 'provider-error') return Promise.reject(new ProviderError('upstream broke'));
      if (then === 'crash') setTimeout(() => side.exit({ code: 1, reason: 'exited with code 1' }), 5);
      return new Promise(() => {});
    },
  });

/** Starts the stream, waits until the call has failed in the host, then reads it. */
async function readAfterFailure(then: Parameters<typeof plugin>[0], options: CallOptions = {}, failAfterMs = 0) {
  const launcher = new MemoryLauncher(plugin(then), { measured: true });
  const session = new PluginSession({ spec: testSpec(`unread-${++n}`), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
  const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
  const ends: { outcome: string; chunks?: number }[] = [];
  client.events.on('call:end', (event) => void ends.push(event as never));
  const stream = client.stream({ model: 'm', messages }, options);
  const iterator = stream[Symbol.asyncIterator]();
  // The first read starts the call; the rest wait until the host has ended it.
  const first = await iterator.next();
  const texts = [first.value?.choices[0]?.delta.content];
  const deadline = Date.now() + 5_000;
  while (ends.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5 + failAfterMs));
  let error: unknown;
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) texts.push(next.value.choices[0]?.delta.content);
  } catch (e) {
    error = e;
  }
  await client.close();
  return { texts, error, end: ends[0] };
}

describe('a stream that fails with chunks unread', () => {
  it("a provider's error: the chunks before it are read, then the ProviderError", async () => {
    const { texts, error, end } = await readAfterFailure('provider-error');
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('upstream broke');
    expect(end).toMatchObject({ outcome: 'error', chunks: 3 });
  });

  it('a plugin crash: the chunks before it are read, then PluginCrashedError', async () => {
    const { texts, error, end } = await readAfterFailure('crash');
    expect(texts).toEqual(['a', 'b', 'c']);
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect(end).toMatchObject({ outcome: 'error', chunks: 3 });
  });

  it("the caller's timeout: TimeoutError at the next read, ahead of the unread chunks", async () => {
    const { texts, error, end } = await readAfterFailure('hang', { timeoutMs: 200 });
    expect(texts).toEqual(['a']);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(end).toMatchObject({ outcome: 'timeout', chunks: 3 });
  });

  it("the caller's abort: AbortError at the next read, ahead of the unread chunks", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { texts, error, end } = await readAfterFailure('hang', { signal: controller.signal });
    expect(texts).toEqual(['a']);
    expect((error as Error).name).toBe('AbortError');
    expect(end).toMatchObject({ outcome: 'aborted', chunks: 3 });
  });
});
