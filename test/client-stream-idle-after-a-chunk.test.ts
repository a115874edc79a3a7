// `idleTimeoutMs` is reset by each chunk, and runs again after it: a stream whose plugin goes
// silent after a chunk (its window far from full) fails with `idle_timeout`, the chunk delivered first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { chunkOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a stream that goes silent', () => {
  it('times out idleTimeoutMs after its last chunk', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          peer.notify(Method.chunks, { id: context.id, chunks: [chunkOf('first')] } as never);
          return new Promise(() => {});
        },
      }),
      // A channel that measures its messages, as stdio does: the host asks for chunk objects.
      { measured: true },
    );
    const session = new PluginSession({ spec: testSpec('silent-stream'), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
    const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const got: string[] = [];
    const reading = (async () => {
      for await (const chunk of client.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { idleTimeoutMs: 500 })) got.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    await until(() => expect(got).toEqual(['first']));
    await vi.advanceTimersByTimeAsync(499);
    expect(client.stats().inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await reading;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'idle_timeout' });
  });
});
