// On a shared plugin each crash is charged to the clients whose calls were running under it (a hang
// to the call whose cancel went unanswered): a client that keeps crashing the plugin spends its own
// crash budget, not its peers'. A crash no call can be blamed for refuses a new start, never a
// call on a plugin that is already running again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginCrashedError, PluginProtocolError, PluginUnavailableError, isAbortError } from '../src/errors.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import { completionOf, MemoryLauncher, scriptedPeer, supervision, testSpec, until, type PluginBody, type PluginSide } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = { params: { model: 'm', messages } };
let n = 0;
const fresh = () => `blame-${++n}`;
const budget = { maxCrashes: 1, crashWindowMs: 60_000 };

afterEach(() => {
  vi.useRealTimers();
});

function session(body: PluginBody, options: { killExits?: boolean } = {}, overrides = {}) {
  const launcher = new MemoryLauncher(body, options);
  const s = new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation: 'worker', supervision: supervision({ ...budget, ...overrides }), idleTimeoutMs: 0 });
  const client = () => new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
  return { launcher, s, client };
}

/** A peer whose completions are answered by the test. */
function held(extra: { acknowledgeCancel?: (side: PluginSide) => boolean; clientOpen?: (raw: unknown, side: PluginSide) => unknown } = {}) {
  const calls: { side: number; answer(content: string): void }[] = [];
  const body = scriptedPeer({
    ...extra,
    completion: (_raw, _context, side) => new Promise((resolve) => calls.push({ side: side.index, answer: (c) => resolve(completionOf(c)) })),
  });
  return { calls, body };
}

const caught = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);

describe('crash blame on a shared plugin', () => {
  it('charges an exit to the client whose call was running, not to one whose call was still waiting for its open', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let waiter = '';
    const peer = held({ clientOpen: (raw, side) => (side.index === 0 && (raw as { client: string }).client === waiter ? new Promise(() => {}) : { ok: true }) });
    const { launcher, client } = session(peer.body);
    const crasher = client();
    const bystander = client();
    waiter = bystander.wireId;
    const running = caught(crasher.request('completion', params));
    await until(() => expect(peer.calls).toHaveLength(1));
    // Placed, its open never answered: never sent, so it cannot have crashed the plugin.
    const waiting = caught(bystander.request('completion', params));
    await new Promise((resolve) => setImmediate(resolve));
    launcher.last.side.exit({ code: 7, reason: 'exited with code 7' });
    expect(await running).toBeInstanceOf(PluginCrashedError);
    expect(await waiting).toBeInstanceOf(PluginCrashedError);
    const refused = await caught(crasher.request('completion', params));
    expect(refused).toBeInstanceOf(PluginUnavailableError);
    expect((refused as Error).message).toMatch(/crashed 1 times under its calls within 60000 ms/);
    const next = bystander.request('completion', params);
    await until(() => expect(peer.calls).toHaveLength(2));
    peer.calls[1].answer('fine');
    await expect(next).resolves.toMatchObject({ choices: [{ message: { content: 'fine' } }] });
    // Refused on its own account even while its peer keeps the plugin running.
    expect(crasher.stats().unavailableForMs).toBeGreaterThan(0);
    expect(bystander.stats().unavailableForMs).toBe(0);
    await expect(crasher.request('completion', params)).rejects.toMatchObject({ code: 'crash_budget' });
  });

  it('blames the calls a protocol-error kill found running, even when the plugin exits after they ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = held();
    const { launcher, client } = session(peer.body, { killExits: false });
    const crasher = client();
    const bystander = client();
    await bystander.start();
    const running = caught(crasher.request('completion', params));
    await until(() => expect(peer.calls).toHaveLength(1));
    launcher.last.side.transport.send({ not: 'json-rpc' } as never);
    expect(await running).toBeInstanceOf(PluginProtocolError);
    expect(launcher.last.kills).toHaveLength(1);
    // The exit comes late (a process slow to die): the call it was running has long ended.
    launcher.launches[0].side.exit({ code: null, signal: 'SIGKILL', reason: 'was killed' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(crasher.stats().crashes).toBe(1);
    await expect(crasher.request('completion', params)).rejects.toMatchObject({ code: 'crash_budget' });
    const next = bystander.request('completion', params);
    await until(() => expect(peer.calls).toHaveLength(2));
    peer.calls[1].answer('fine');
    await expect(next).resolves.toMatchObject({ choices: [{ message: { content: 'fine' } }] });
  });

  it('charges a hang to the client whose cancel went unanswered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = held({ acknowledgeCancel: (side) => side.index > 0 });
    const { launcher, client } = session(peer.body, {}, { cancelGraceMs: 100 });
    const culprit = client();
    const bystander = client();
    const controller = new AbortController();
    const aborted = caught(culprit.request('completion', params, { signal: controller.signal }));
    await until(() => expect(peer.calls).toHaveLength(1));
    controller.abort();
    expect(isAbortError(await aborted)).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(launcher.launches[0].exited).toBe(true));
    expect(culprit.stats().crashes).toBe(1);
    await expect(culprit.request('completion', params)).rejects.toMatchObject({ code: 'crash_budget' });
    const next = bystander.request('completion', params);
    await until(() => expect(peer.calls).toHaveLength(2));
    peer.calls[1].answer('fine');
    await expect(next).resolves.toMatchObject({ choices: [{ message: { content: 'fine' } }] });
  });

  it('a crash with no call running refuses a new start, not a call on a plugin already running again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = held();
    const { launcher, s, client } = session(peer.body, { killExits: false });
    const c = client();
    await c.start();
    launcher.last.side.transport.send({ not: 'json-rpc' } as never);
    await until(() => expect(launcher.last.kills).toHaveLength(1));
    await c.start();
    expect(launcher.launches).toHaveLength(2);
    // The first plugin's exit is seen only now, while its replacement runs: charged to nobody.
    launcher.launches[0].side.exit({ code: null, signal: 'SIGKILL', reason: 'was killed' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.budget(c).recent).toBe(1);
    expect(c.stats().unavailableForMs).toBe(0);
    const call = c.request('completion', params);
    await until(() => expect(peer.calls).toHaveLength(1));
    peer.calls[0].answer('still here');
    await expect(call).resolves.toMatchObject({ choices: [{ message: { content: 'still here' } }] });
    // Now the running plugin exits too, idle: nothing may start it again inside the window.
    launcher.launches[1].side.exit();
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.stats().unavailableForMs).toBeGreaterThan(0);
    const refused = await caught(c.start());
    expect(refused).toBeInstanceOf(PluginUnavailableError);
    expect((refused as Error).message).toMatch(/^Plugin '[^']+' crashed 2 times within 60000 ms; it is not restarted for another \d+ ms\.$/);
    expect(launcher.launches).toHaveLength(2);
  });
});
