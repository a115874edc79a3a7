// `idleTimeoutMs` measures the provider's silence, not the host's own waits: a retry's delay and
// the cold start of a hung plugin's replacement (for a call moved there) never time a call out.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RateLimitError, TimeoutError, isAbortError } from '../src/errors.js';
import { PROTOCOL_VERSION } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY, RETRY_DEFAULTS } from '../src/host/retry.js';
import { completionOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = (model = 'm') => ({ params: { model, messages } });

afterEach(() => {
  vi.useRealTimers();
});

describe('the idle timer and the host\'s own waits', () => {
  it("does not count a retry's delay as the provider's silence", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let attempts = 0;
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completion: () => (++attempts === 1 ? Promise.reject(new RateLimitError('slow down', { status: 429, retryAfterMs: 2_000 })) : completionOf('second')),
      }),
    );
    const session = new PluginSession({ spec: testSpec('idle-retry'), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
    const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: { ...RETRY_DEFAULTS, jitter: 0 } });
    const result = client.request('completion', params(), { idleTimeoutMs: 500 }).catch((e: unknown) => e);
    await until(() => expect(attempts).toBe(1));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const value = await result;
    expect(value).not.toBeInstanceOf(TimeoutError);
    expect(value).toMatchObject({ choices: [{ message: { content: 'second' } }] });
  });

  it("does not count a hung plugin's replacement starting as the provider's silence", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const calls: { side: number; answer(): void }[] = [];
    let handshake!: () => void;
    const launcher = new MemoryLauncher(
      scriptedPeer({
        acknowledgeCancel: (side) => side.index > 0,
        // The replacement takes a while to shake hands.
        initialize: (_p, side) =>
          side.index === 0
            ? { protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} }
            : new Promise((resolve) => (handshake = () => resolve({ protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} }))),
        completion: (_raw, _context, side) => new Promise((resolve) => calls.push({ side: side.index, answer: () => resolve(completionOf(`side ${side.index}`)) })),
      }),
    );
    const session = new PluginSession({ spec: testSpec('idle-moved'), launch: launcher.launch, isolation: 'worker', supervision: supervision({ cancelGraceMs: 100 }), idleTimeoutMs: 0 });
    const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const controller = new AbortController();
    const hangs = client.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(1));
    const moved = client.request('completion', params('moved'), { idleTimeoutMs: 500 }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(2));
    controller.abort();
    expect(isAbortError(await hangs)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(handshake).toBeTypeOf('function'));
    // Well past the call's idle timeout, all of it the replacement's start.
    await vi.advanceTimersByTimeAsync(2_000);
    handshake();
    await until(() => expect(calls).toHaveLength(3));
    expect(calls[2].side).toBe(1);
    calls[2].answer();
    expect(await moved).toMatchObject({ choices: [{ message: { content: 'side 1' } }] });
  });
});
