// A client's close ends its calls wherever they run: a call that had moved down its fallback chain
// onto another client's plugin is cancelled there (that plugin serves others, so it is not
// stopped), and fails as closed instead of running on after the close.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginUnavailableError, ProviderError } from '../src/errors.js';
import { PluginClient, type FallbackSource } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

afterEach(() => {
  vi.useRealTimers();
});

function client(name: string, completion: (raw: unknown, context: { signal: AbortSignal }) => unknown) {
  const launcher = new MemoryLauncher(scriptedPeer({ completion: (raw, context) => completion(raw, context) }));
  const session = new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation: 'process', supervision: supervision({ shutdownGraceMs: 200 }), idleTimeoutMs: 0 });
  return { client: new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY }), session, launcher };
}

describe('close during a fallback step', () => {
  it("cancels the step on the other client's plugin, which goes on running", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const primary = client('close-primary', () => Promise.reject(new ProviderError('down', { status: 503 })));
    const signals: AbortSignal[] = [];
    const backup = client('close-backup', (_raw, context) => (signals.push(context.signal), new Promise(() => {})));
    const source: FallbackSource<object> = async () => ({ next: { client: backup.client, params: { params: { model: 'b', messages } }, name: 'backup:b' }, skipped: [] });
    const call = primary.client.request('completion', { params: { model: 'a', messages } }, {}, source).catch((e: unknown) => e);
    await until(() => expect(signals).toHaveLength(1));
    const closing = primary.client.close();
    await vi.advanceTimersByTimeAsync(200);
    await closing;
    const error = await call;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect((error as Error).message).toContain('was closed before the call finished');
    await until(() => expect(signals[0].aborted).toBe(true));
    expect(backup.session.running).toBe(true);
    expect(backup.launcher.last.kills).toEqual([]);
    expect(primary.session.retired).toBe(true);
  });
});
