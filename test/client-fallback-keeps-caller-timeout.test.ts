// The caller's own limits cut a fallback chain short and stay what they are: `timeoutMs` and
// `idleTimeoutMs` expiring during a fallback step end the call with that TimeoutError, not with a
// FallbackError saying every provider failed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FallbackError, ProviderError, TimeoutError } from '../src/errors.js';
import { PluginClient, type FallbackSource } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let n = 0;

afterEach(() => {
  vi.useRealTimers();
});

function client(completion: () => unknown) {
  const launcher = new MemoryLauncher(scriptedPeer({ completion }));
  const session = new PluginSession({ spec: testSpec(`fallback-timeout-${++n}`), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
  return new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
}

describe.each([
  ['timeoutMs', { timeoutMs: 1_000 }, 'timeout'],
  ['idleTimeoutMs', { idleTimeoutMs: 1_000 }, 'idle_timeout'],
] as const)("the caller's %s during a fallback step", (_name, options, code) => {
  it('ends the call with its own TimeoutError', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const primary = client(() => Promise.reject(new ProviderError('down', { status: 503 })));
    let backupCalls = 0;
    const backup = client(() => (backupCalls++, new Promise(() => {})));
    const source: FallbackSource<object> = async () => ({ next: { client: backup, params: { params: { model: 'b', messages } }, name: 'backup:b' }, skipped: [] });
    const result = primary.request('completion', { params: { model: 'a', messages } }, options, source).catch((e: unknown) => e);
    await until(() => expect(backupCalls).toBe(1));
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await result;
    expect(error).not.toBeInstanceOf(FallbackError);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code });
    expect(primary.stats().calls).toMatchObject({ timeout: 1, error: 0 });
  });
});
