// When a plugin hangs, only calls that never started there move to its replacement. A call sent
// while it was alone on the plugin (no `ack`, so no `$/started` is coming) had started: it fails
// with the hang and is never sent a second time (a provider request must not run twice).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginCrashedError, isAbortError } from '../src/errors.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { completionOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

afterEach(() => {
  vi.useRealTimers();
});

describe('a hang and the call that had started', () => {
  it('fails the call that ran alone, and sends it to no replacement', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const calls: { side: number; model: string; ack: unknown }[] = [];
    const launcher = new MemoryLauncher(
      scriptedPeer({
        acknowledgeCancel: (side) => side.index > 0,
        completion: (raw, _context, side) => {
          const { params, ack } = raw as { params: { model: string }; ack?: unknown };
          calls.push({ side: side.index, model: params.model, ack });
          return side.index > 0 ? completionOf('again') : new Promise(() => {});
        },
      }),
    );
    const s = new PluginSession({ spec: testSpec('never-resent'), launch: launcher.launch, isolation: 'worker', supervision: supervision({ cancelGraceMs: 100 }), idleTimeoutMs: 0 });
    const make = () => new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const a = make();
    const b = make();
    await a.start();
    await b.start();
    const alone = a.request('completion', { params: { model: 'alone', messages } }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(1));
    const controller = new AbortController();
    const cancelled = b.request('completion', { params: { model: 'cancelled', messages } }, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(2));
    expect(calls.map((call) => call.ack)).toEqual([undefined, true]);
    controller.abort();
    expect(isAbortError(await cancelled)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    const error = await alone;
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect(error).toMatchObject({ code: 'unresponsive' });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((call) => `${call.side}:${call.model}`)).toEqual(['0:alone', '0:cancelled']);
  });
});
