// A call the session refuses outright (its client's crash budget is spent) keeps the plugin's
// idle accounting straight: the plugin is neither shut down as idle under a later call, nor held
// busy for good when the refused call was a fallback step on another client's plugin.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FallbackError, PluginCrashedError, PluginUnavailableError, ProviderError } from '../src/errors.js';
import { PluginClient, type FallbackSource } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { completionOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = (model = 'm') => ({ params: { model, messages } });
let n = 0;

afterEach(() => {
  vi.useRealTimers();
});

/** A client whose first call crashes its plugin (spending a budget of one), and whose later calls are answered by the test. */
function crashingOnce() {
  const answers: (() => void)[] = [];
  let calls = 0;
  const launcher = new MemoryLauncher(
    scriptedPeer({
      completion: (_raw, _context, side) => (++calls === 1 ? (side.exit(), new Promise(() => {})) : new Promise((resolve) => answers.push(() => resolve(completionOf('ok'))))),
    }),
  );
  const session = new PluginSession({
    spec: testSpec(`refused-${++n}`),
    launch: launcher.launch,
    isolation: 'process',
    supervision: supervision({ maxCrashes: 1, crashWindowMs: 10_000 }),
    idleTimeoutMs: 1_000,
  });
  const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
  return { client, session, answers, launcher };
}

describe('a refused call and the idle timer', () => {
  it('a call refused by the crash budget does not let the plugin idle under a later call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { client, session, answers } = crashingOnce();
    await expect(client.request('completion', params())).rejects.toBeInstanceOf(PluginCrashedError);
    await expect(client.request('completion', params())).rejects.toMatchObject({ code: 'crash_budget' });
    await vi.advanceTimersByTimeAsync(10_001);
    const call = client.request('completion', params());
    await until(() => expect(answers).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(session.running).toBe(true);
    answers[0]();
    await expect(call).resolves.toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => expect(session.running).toBe(false));
  });

  it("a fallback step refused by its plugin's crash budget leaves that plugin free to idle", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const backup = crashingOnce();
    await expect(backup.client.request('completion', params())).rejects.toBeInstanceOf(PluginCrashedError);
    const primaryLauncher = new MemoryLauncher(scriptedPeer({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) }));
    const primary = new PluginClient({
      session: new PluginSession({ spec: testSpec(`primary-${++n}`), launch: primaryLauncher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 }),
      open: { apiKey: 'k', apiBase: undefined, clientOptions: {} },
      retry: NO_RETRY,
    });
    const source: FallbackSource<object> = async () => ({ next: { client: backup.client, params: params('b'), name: 'backup:b' }, skipped: [] });
    const error = await primary.request('completion', params('a'), {}, source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as FallbackError).errors[1]).toBeInstanceOf(PluginUnavailableError);
    // Once the window has passed, the backup's own call starts its plugin, which then idles as usual.
    await vi.advanceTimersByTimeAsync(10_001);
    const call = backup.client.request('completion', params());
    await until(() => expect(backup.answers).toHaveLength(1));
    backup.answers[0]();
    await call;
    expect(backup.session.running).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => expect(backup.session.running).toBe(false));
  });
});
