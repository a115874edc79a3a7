// A stream cut short before its usage chunk reports the usage the plugin sent so far (a running
// usage on its batches), unmarked, in `call:end` and the client's stats: an estimate only when the
// provider said nothing.
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { AnyLLMEvent } from '../src/host/events.js';
import { chunkOf, MemoryLauncher, scriptedPeer, supervision, testSpec } from './support/memory-launcher.js';

describe('usage of a stream cut short', () => {
  it("counts the plugin's usage so far, not an estimate", async () => {
    const soFar = { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 };
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          peer.notify(Method.chunks, { id: context.id, chunks: [chunkOf('partial')], usage: soFar } as never);
          return new Promise(() => {});
        },
      }),
      // A channel that measures its messages, as stdio does: the host asks for chunk objects.
      { measured: true },
    );
    const session = new PluginSession({ spec: testSpec('usage-so-far'), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
    const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const ends: AnyLLMEvent[] = [];
    client.events.on('call:end', (event) => void ends.push(event as AnyLLMEvent));
    const controller = new AbortController();
    const got: string[] = [];
    const error = await (async () => {
      for await (const chunk of client.stream({ model: 'm', messages: [{ role: 'user', content: 'a long question here' }] }, { signal: controller.signal })) {
        got.push(chunk.choices[0]?.delta.content ?? '');
        // The running usage travels beside the chunks; the consumer sees usage only at the end.
        expect(chunk.usage).toBeUndefined();
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(got).toEqual(['partial']);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', usage: soFar, chunks: 1 });
    expect(ends[0]).not.toHaveProperty('usageEstimated');
    expect(client.stats().usage).toEqual(soFar);
  });
});
