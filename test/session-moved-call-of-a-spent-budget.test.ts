// A call moved off a hung plugin is placed again on its replacement; when its client has meanwhile
// spent its own crash budget (it hung the plugin before), the call fails at once with that
// refusal instead of hanging, and the move goes on for the rest.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginUnavailableError, isAbortError } from '../src/errors.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = (model: string) => ({ params: { model, messages } });

afterEach(() => {
  vi.useRealTimers();
});

describe('a moved call and the crash budget', () => {
  it('fails with crash_budget when its client may no longer start the plugin', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sent: string[] = [];
    // No plugin ever acknowledges a cancel or says a queued call started.
    const launcher = new MemoryLauncher(
      scriptedPeer({
        acknowledgeCancel: false,
        completion: (raw, _context, side) => (sent.push(`${side.index}:${(raw as { params: { model: string } }).params.model}`), new Promise(() => {})),
      }),
    );
    const s = new PluginSession({ spec: testSpec('moved-budget'), launch: launcher.launch, isolation: 'worker', supervision: supervision({ cancelGraceMs: 100, maxCrashes: 1, crashWindowMs: 60_000 }), idleTimeoutMs: 0 });
    const make = () => new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const b = make();
    const d = make();
    await b.start();
    await d.start();
    const first = new AbortController();
    const hangs = b.request('completion', params('hangs'), { signal: first.signal }).catch((e: unknown) => e);
    await until(() => expect(sent).toEqual(['0:hangs']));
    // Two calls queued behind it (both with ack), one of each client: both move to the replacement.
    const moved = b.request('completion', params('moved')).catch((e: unknown) => e);
    const second = new AbortController();
    const other = d.request('completion', params('other'), { signal: second.signal }).catch((e: unknown) => e);
    await until(() => expect(sent).toHaveLength(3));
    first.abort();
    expect(isAbortError(await hangs)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(sent).toHaveLength(5));
    expect(sent.slice(3).sort()).toEqual(['1:moved', '1:other']);
    await until(() => expect(launcher.launches[0].exited).toBe(true));
    // b hung the first plugin: its own budget is spent. Now d's cancel hangs the replacement.
    await expect(b.request('completion', params('refused'))).rejects.toMatchObject({ code: 'crash_budget' });
    second.abort();
    expect(isAbortError(await other)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    const error = await moved;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect(error).toMatchObject({ code: 'crash_budget' });
    expect(sent.filter((entry) => entry.endsWith(':moved'))).toEqual(['0:moved', '1:moved']);
  });
});
