// A cancel acknowledged after the grace has run out but before the host's verdict (its own loop was
// late: the acknowledgement is already waiting when the grace timer fires) is not a hang: the
// plugin is kept and nothing is replaced.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAbortError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import type { Connection } from '../src/protocol/connection.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the cancel verdict', () => {
  it('keeps a plugin whose acknowledgement arrives in the same turn as the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const graceMs = 200;
    let sent = 0;
    const launcher = new MemoryLauncher((side) => {
      const connection = scriptedPeer({
        acknowledgeCancel: false,
        completion: () => (sent++, new Promise(() => {})),
      })(side) as Connection;
      // Acknowledges exactly when the host's grace runs out (its timer is set after the host's).
      connection.onNotification(Method.cancel, (raw) => void setTimeout(() => connection.notify(Method.cancelled, raw as never), graceMs));
      return connection;
    });
    const s = new PluginSession({ spec: testSpec('late-ack'), launch: launcher.launch, isolation: 'worker', supervision: supervision({ cancelGraceMs: graceMs }), idleTimeoutMs: 0 });
    const c = new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const controller = new AbortController();
    const call = c.request('completion', { params: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } }, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(sent).toBe(1));
    controller.abort();
    expect(isAbortError(await call)).toBe(true);
    // Both timers fire in one synchronous step, as after a stalled loop: the verdict (an immediate) comes after the acknowledgement.
    vi.advanceTimersByTime(graceMs);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(launcher.last.kills).toEqual([]);
    expect(launcher.launches).toHaveLength(1);
    expect(s.running).toBe(true);
    expect(c.stats().crashes).toBe(0);
  });
});
