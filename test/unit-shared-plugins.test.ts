// The pool of shared plugin sessions: which settings share one plugin (the share key), and a
// retired session is replaced, not reused.
import { describe, expect, it } from 'vitest';
import { sharedSession, sharedSessionCount, shareKey, type ShareSettings } from '../src/host/shared-plugins.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { NO_RETRY } from '../src/host/retry.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec } from './support/memory-launcher.js';

const launcher = new MemoryLauncher(scriptedPeer({}));
function settings(over: Partial<ShareSettings> = {}, spec: Partial<ShareSettings['spec']> = {}): ShareSettings {
  return { spec: { ...testSpec('shared'), ...spec }, launch: launcher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 0, ...over };
}
const base = shareKey(settings());

describe('shareKey', () => {
  it.each<[string, ShareSettings]>([
    ['provider', settings({}, { provider: 'other' })],
    ['entry', settings({}, { entryPath: '/other.js' })],
    ['tier', settings({ isolation: 'process' })],
    ['memory cap', settings({}, { memoryLimitMb: 65 })],
    ['environment', settings({}, { env: { A: '1' } })],
    ['OS boundary', settings({}, { osBoundary: { kind: 'bubblewrap' } as never })],
    ['proxy', settings({}, { network: { proxy: 'http://p:1' } as never })],
    ['extra CAs', settings({}, { network: { ca: ['pem'] } as never })],
    ['Node binary', settings({}, { execPath: '/usr/bin/node' })],
    ['stderr forwarding', settings({}, { stderr: { forward: true } })],
    ['supervision', settings({ supervision: supervision({ maxCrashes: 9 }) })],
    ['idle timeout', settings({ idleTimeoutMs: 1 })],
  ])('separates settings that differ in %s', (_what, other) => {
    expect(shareKey(other)).not.toBe(base);
  });

  it("ignores the caller's origin except in the sandbox, and the order of the environment", () => {
    expect(shareKey(settings({}, { network: { callerOrigin: 'http://a' } as never }))).toBe(shareKey(settings()));
    const sandbox = (origin: string) => settings({ isolation: 'sandbox' }, { network: { callerOrigin: origin } as never });
    expect(shareKey(sandbox('http://a'))).not.toBe(shareKey(sandbox('http://b')));
    // A sandbox without network settings (no proxy, CAs or origin) has a key too.
    expect(shareKey(settings({ isolation: 'sandbox' }))).not.toBe(shareKey(sandbox('http://a')));
    expect(shareKey(settings({}, { env: { A: '1', B: '2' } }))).toBe(shareKey(settings({}, { env: { B: '2', A: '1' } })));
    expect(shareKey(settings({}, { env: { A: '1', B: '2' } }))).not.toBe(shareKey(settings({}, { env: { A: '2', B: '1' } })));
    expect(shareKey(settings({}, { env: { B: '1', A: '1', C: '1' } }))).toBe(shareKey(settings({}, { env: { C: '1', A: '1', B: '1' } })));
    // Long environments, in orders that make the sort merge and gallop.
    const names = Array.from({ length: 80 }, (_, i) => `VAR_${String(i).padStart(3, '0')}`);
    const envOf = (order: string[]) => Object.fromEntries(order.map((k) => [k, '1']));
    const interleaved = [...names.filter((_, i) => i % 2 === 0), ...names.filter((_, i) => i % 2 === 1)];
    const blocks = [...names.slice(40), ...names.slice(0, 40)];
    const keys = [names, [...names].reverse(), interleaved, blocks].map((order) => shareKey(settings({}, { env: envOf(order) })));
    expect(new Set(keys).size).toBe(1);
    // The default stderr setting forwards: absent and `true` are one plugin.
    expect(shareKey(settings({}, { stderr: undefined }))).toBe(shareKey(settings({}, { stderr: { forward: true } })));
  });
});

describe('sharedSession', () => {
  it('hands clients of the same settings one session, and a new one after the last client left', async () => {
    const before = sharedSessionCount();
    const mine = settings({}, { provider: 'pool-test' });
    const first = sharedSession(mine);
    expect(sharedSession(settings({}, { provider: 'pool-test' }))).toBe(first);
    expect(sharedSessionCount()).toBe(before + 1);
    const other = sharedSession(settings({}, { provider: 'pool-test-2' }));
    expect(other).not.toBe(first);
    const client = new PluginClient({ session: first, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    await client.start();
    await client.close();
    expect(first.retired).toBe(true);
    expect(sharedSessionCount()).toBe(before + 1);
    const next = sharedSession(mine);
    expect(next).not.toBe(first);
    expect(next.retired).toBe(false);
    // The old session retiring again does not drop its replacement.
    expect(sharedSession(mine)).toBe(next);
    const c2 = new PluginClient({ session: other, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    await c2.close();
    expect(sharedSessionCount()).toBe(before + 1);
  });
});
