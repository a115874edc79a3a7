// Red team (issue 10, second round): a stream's fallback step runs on another client's plugin. When
// that plugin broke the protocol (more chunks than the stream's window), it was killed through the
// primary's session, which does not own it: the owner kept routing calls to the dead plugin until
// its exit was reported (never, for one stuck in the kernel), so every client of the fallback
// provider failed meanwhile.
import { describe, expect, it } from 'vitest';
import { FallbackError, PluginProtocolError, ProviderError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import { PluginClient, type FallbackSource } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { ChatCompletionChunk, CompletionParams } from '../src/types.js';
import { chunkOf, completionOf, MemoryLauncher, script, scriptedPeer, servePlugin, supervision, testSpec } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('a fallback step whose plugin breaks the protocol', () => {
  it('is killed by the session that owns it: the next call of that provider gets a fresh plugin', async () => {
    script('red10b-primary', {
      stream: async function* () {
        throw new ProviderError('down', { status: 503 });
      },
    });
    const primarySession = new PluginSession({ spec: testSpec('red10b-primary'), launch: new MemoryLauncher(servePlugin).launch, isolation: 'worker', supervision: supervision({ streamWindow: 2 }), idleTimeoutMs: 0 });
    const primary = new PluginClient({ session: primarySession, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    // A plugin that, once killed, never reports its exit (stuck in the kernel).
    const backupLauncher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          // Three chunks against a window of two.
          // As JSON text, the encoding a worker plugin is asked for.
          peer.notify(Method.chunks, { id: context.id, json: JSON.stringify([chunkOf('a'), chunkOf('b'), chunkOf('c')]) } as never);
          return new Promise(() => {});
        },
        completion: () => completionOf('fresh'),
      }),
      { killExits: false },
    );
    const backupSession = new PluginSession({ spec: testSpec('red10b-backup'), launch: backupLauncher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 0 });
    const backup = new PluginClient({ session: backupSession, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const other = new PluginClient({ session: backupSession, open: { apiKey: 'k2', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const source: FallbackSource<CompletionParams> = async () => ({ next: { client: backup, params: { model: 'm', messages }, name: 'red10b-backup:m' }, skipped: [] });

    const got: ChatCompletionChunk[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of primary.stream({ model: 'm', messages }, {}, source)) got.push(chunk);
      } catch (e) {
        return e;
      }
    })();
    // Its batch was refused, so no chunk reached the consumer: the chain ends as every failed step
    // before a first chunk does, each step's error kept; the last is the violation, named for the
    // plugin that broke it, not the primary.
    expect(error).toBeInstanceOf(FallbackError);
    expect(got).toEqual([]);
    const { errors } = error as FallbackError;
    expect(errors[0]).toBeInstanceOf(ProviderError);
    expect(errors[1]).toBeInstanceOf(PluginProtocolError);
    expect((errors[1] as Error).message).toMatch(/Plugin 'red10b-backup' broke the protocol/);
    expect(backupLauncher.launches[0].kills).toHaveLength(1);
    // Another client of the backup provider: served by a new plugin, not sent to the dead one.
    const result = await other.request<ReturnType<typeof completionOf>>('completion', { params: { model: 'm', messages } });
    expect(result.choices[0].message.content).toBe('fresh');
    expect(backupLauncher.launches).toHaveLength(2);
    await Promise.all([primary.close(), other.close()]);
  });
});
