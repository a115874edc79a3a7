// `plugin:start` says `restart: true` (and `plugin:restart` follows) exactly when the plugin before
// it ended by a crash, a hang or a broken protocol: also for a hung plugin's replacement, launched
// before the hung one's exit is seen; never for a start after a failed handshake's kill, nor after
// a clean idle shutdown that follows a replacement.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginProtocolError, isAbortError } from '../src/errors.js';
import { PROTOCOL_VERSION } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { AnyLLMEvent } from '../src/host/events.js';
import { completionOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until, type PluginBody } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = (model = 'm') => ({ params: { model, messages } });
let n = 0;

afterEach(() => {
  vi.useRealTimers();
});

function setup(body: PluginBody, overrides = {}, idleTimeoutMs = 0) {
  const launcher = new MemoryLauncher(body);
  const s = new PluginSession({ spec: testSpec(`restart-${++n}`), launch: launcher.launch, isolation: 'worker', supervision: supervision(overrides), idleTimeoutMs });
  const c = new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
  const events: AnyLLMEvent[] = [];
  for (const type of ['plugin:start', 'plugin:restart', 'plugin:exit'] as const) c.events.on(type, (event) => void events.push(event as AnyLLMEvent));
  const starts = () => events.filter((e) => e.type === 'plugin:start').map((e) => (e as { restart: boolean }).restart);
  const restarts = () => events.filter((e) => e.type === 'plugin:restart').length;
  return { launcher, s, c, events, starts, restarts };
}

describe('the restart flag', () => {
  it("marks a hung plugin's replacement as a restart, and not the clean start after it idled", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const calls: { side: number; answer(content: string): void }[] = [];
    const body = scriptedPeer({
      acknowledgeCancel: (side) => side.index > 0,
      completion: (_raw, _context, side) => new Promise((resolve) => calls.push({ side: side.index, answer: (c) => resolve(completionOf(c)) })),
    });
    const { launcher, s, c, events, starts, restarts } = setup(body, { cancelGraceMs: 100 }, 1_000);
    const controller = new AbortController();
    const first = c.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(1));
    const queued = c.request('completion', params('queued'));
    await until(() => expect(calls).toHaveLength(2));
    controller.abort();
    expect(isAbortError(await first)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(calls).toHaveLength(3));
    await until(() => expect(launcher.launches[0].exited).toBe(true));
    expect(starts()).toEqual([false, true]);
    expect(restarts()).toBe(1);
    calls[2].answer('moved');
    await queued;
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => expect(events.filter((e) => e.type === 'plugin:exit')).toHaveLength(2));
    expect(s.running).toBe(false);
    expect(events.filter((e) => e.type === 'plugin:exit').map((e) => (e as { cause: string }).cause)).toEqual(['unresponsive', 'idle']);
    const next = c.request('completion', params());
    await until(() => expect(calls).toHaveLength(4));
    calls[3].answer('fresh');
    await next;
    expect(starts()).toEqual([false, true, false]);
    expect(restarts()).toBe(1);
  });

  it('does not mark the start after a failed handshake as a restart', async () => {
    let version = 999;
    const body = scriptedPeer({ initialize: (_p, side) => ({ protocolVersion: version, provider: side.spec.provider, capabilities: {} }), completion: () => completionOf('ok') });
    const { c, events, starts, restarts } = setup(body);
    await expect(c.request('completion', params())).rejects.toBeInstanceOf(PluginProtocolError);
    await until(() => expect(events.filter((e) => e.type === 'plugin:exit')).toHaveLength(1));
    version = PROTOCOL_VERSION;
    await c.request('completion', params());
    expect(starts()).toEqual([false, false]);
    expect(restarts()).toBe(0);
    expect(c.stats().crashes).toBe(0);
  });
});
