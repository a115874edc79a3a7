// The plugin session in-process: launch, handshake, client/open per client, routing, `ack`,
// cancel acknowledgement and hang replacement, crashes and the crash budget, idle and close. The
// plugin side is the real runtime (`serve()`) with a scripted provider, or a scripted peer where
// a fault is needed (test/support/memory-launcher.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginCrashedError, PluginProtocolError, PluginUnavailableError, TimeoutError, isAbortError } from '../src/errors.js';
import { Method, PROTOCOL_VERSION } from '../src/protocol/methods.js';
import { PluginClient, privateClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { AnyLLMEvent } from '../src/host/events.js';
import { completionOf, MemoryLauncher, script, scriptedPeer, servePlugin, supervision, testSpec, until, type PluginSide } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const params = (model = 'm') => ({ params: { model, messages } });
let n = 0;
const fresh = () => `scripted-${++n}`;

afterEach(() => {
  vi.useRealTimers();
});

function session(launcher: MemoryLauncher, provider: string, overrides: Parameters<typeof supervision>[0] = {}, idleTimeoutMs = 0) {
  return new PluginSession({ spec: testSpec(provider), launch: launcher.launch, isolation: 'worker', supervision: supervision(overrides), idleTimeoutMs });
}
function client(s: PluginSession, apiKey = 'k') {
  return new PluginClient({ session: s, open: { apiKey, apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
}
function record(c: PluginClient, ...types: AnyLLMEvent['type'][]): AnyLLMEvent[] {
  const seen: AnyLLMEvent[] = [];
  for (const type of types) c.events.on(type, (event) => void seen.push(event as AnyLLMEvent));
  return seen;
}

describe('launch, handshake and routing through the real plugin runtime', () => {
  it('launches once on first use, shakes hands, and answers each client with its own SDK client', async () => {
    const name = fresh();
    script(name, { completion: (_p, _c, key) => completionOf(`key=${key}`) });
    const launcher = new MemoryLauncher(servePlugin);
    const s = session(launcher, name);
    const a = client(s, 'ka');
    const b = client(s, 'kb');
    const events = record(a, 'plugin:start', 'plugin:ready');
    expect(s.running).toBe(false);
    const [ra, rb] = await Promise.all([a.request<ReturnType<typeof completionOf>>('completion', params()), b.request<ReturnType<typeof completionOf>>('completion', params())]);
    expect(ra.choices[0].message.content).toBe('key=ka');
    expect(rb.choices[0].message.content).toBe('key=kb');
    expect(launcher.launches).toHaveLength(1);
    expect(s.running).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['plugin:start', 'plugin:ready']);
    expect(events[0]).toMatchObject({ provider: name, isolation: 'worker', restart: false, boundary: 'none' });
    expect(a.stats()).toMatchObject({ starts: 1, running: true, inFlight: 0, calls: { started: 1, ok: 1 } });
    await a.close();
    await b.close();
  });

  it('start() resolves with the handshake result and opens only the starting client', async () => {
    const name = fresh();
    const opened: unknown[] = [];
    script(name, { open: (key) => void opened.push(key), completion: () => completionOf('ok') });
    const launcher = new MemoryLauncher(servePlugin);
    const s = session(launcher, name);
    const a = client(s, 'ka');
    client(s, 'kb');
    const result = await a.start();
    expect(result).toEqual({ protocolVersion: PROTOCOL_VERSION, provider: name, capabilities: {} });
    expect(opened).toEqual(['ka']);
    await a.start();
    expect(opened).toEqual(['ka']);
    expect(launcher.launches).toHaveLength(1);
  });

  it('fails the call with the provider error of a failed client/open, and only for that client', async () => {
    const name = fresh();
    script(name, {
      open: (key) => {
        if (key === 'bad') throw new Error('bad key rejected');
      },
      completion: () => completionOf('ok'),
    });
    const launcher = new MemoryLauncher(servePlugin);
    const s = session(launcher, name);
    const good = client(s, 'good');
    const bad = client(s, 'bad');
    const failed = bad.request('completion', params()).catch((e: unknown) => e);
    await expect(good.request('completion', params())).resolves.toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    const error = await failed;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/bad key rejected/);
    expect(bad.stats().calls).toMatchObject({ started: 1, error: 1 });
    await expect(bad.start()).rejects.toThrow(/bad key rejected/);
  });

  it('refuses a plugin that speaks another protocol version, then starts a fresh one', async () => {
    const name = fresh();
    let version = 999;
    const launcher = new MemoryLauncher(scriptedPeer({ initialize: () => ({ protocolVersion: version, provider: name, capabilities: {} }), completion: () => completionOf('ok') }));
    const s = session(launcher, name);
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    const error = await c.request('completion', params()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toContain(`speaks protocol 999, the host ${PROTOCOL_VERSION}`);
    await until(() => expect(exits).toHaveLength(1));
    expect(exits[0]).toMatchObject({ cause: 'start-failed' });
    expect(launcher.launches[0].kills).toHaveLength(1);
    version = PROTOCOL_VERSION;
    await expect(c.request('completion', params())).resolves.toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(launcher.launches).toHaveLength(2);
  });

  it('times out a handshake after startTimeoutMs as unresponsive, and counts it against the crash budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const name = fresh();
    const launcher = new MemoryLauncher(scriptedPeer({ initialize: () => new Promise(() => {}) }));
    const s = session(launcher, name, { startTimeoutMs: 1_000 });
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    const failed = c.request('completion', params()).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(launcher.last.kills).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const error = await failed;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('did not finish its handshake within 1000 ms');
    expect(exits[0]).toMatchObject({ cause: 'unresponsive' });
    expect(s.budget(c).recent).toBe(1);
    expect(c.stats().crashes).toBe(1);
  });

  it('sends each call with its client id, and `ack` only when another call is in flight', async () => {
    const name = fresh();
    const seen: { client: unknown; ack: unknown }[] = [];
    const release: (() => void)[] = [];
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completion: (raw) => {
          const { client: wire, ack } = raw as { client: unknown; ack?: unknown };
          seen.push({ client: wire, ack });
          return new Promise((resolve) => release.push(() => resolve(completionOf('ok'))));
        },
      }),
    );
    const s = session(launcher, name);
    const a = client(s);
    const b = client(s);
    await a.start();
    const first = a.request('completion', params());
    await until(() => expect(seen).toHaveLength(1));
    const second = b.request('completion', params());
    await until(() => expect(seen).toHaveLength(2));
    expect(seen[0]).toEqual({ client: a.wireId, ack: undefined });
    expect(seen[1]).toEqual({ client: b.wireId, ack: true });
    for (const r of release) r();
    await Promise.all([first, second]);
  });
});

/** A peer whose completions wait until the test answers them, recording each request. */
function heldPeer(options: { acknowledgeCancel?: boolean | ((side: PluginSide) => boolean); started?: boolean } = {}) {
  const calls: { side: number; id: number | string; raw: { client?: string; ack?: boolean; params?: { model?: string } }; answer(content: string): void; fail(e: Error): void; signal: AbortSignal }[] = [];
  const body = scriptedPeer({
    acknowledgeCancel: options.acknowledgeCancel,
    completion: (raw, context, side) =>
      new Promise((resolve, reject) => {
        calls.push({ side: side.index, id: context.id, raw: raw as never, signal: context.signal, answer: (c) => resolve(completionOf(c)), fail: reject });
      }),
  });
  return { calls, body };
}

describe('cancel acknowledgement and hang replacement', () => {
  it('a live plugin acknowledges a cancel: nothing is replaced after the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), { cancelGraceMs: 500 });
    const c = client(s);
    const controller = new AbortController();
    const call = c.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    controller.abort();
    expect(isAbortError(await call)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(launcher.launches).toHaveLength(1);
    expect(launcher.last.kills).toEqual([]);
    expect(peer.calls[0].signal.aborted).toBe(true);
    expect(c.stats().calls).toMatchObject({ aborted: 1 });
    // The cancel was acknowledged: the next call, alone on the plugin, needs no ack.
    const next = c.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(2));
    expect(peer.calls[1].raw.ack).toBeUndefined();
    peer.calls[1].answer('ok');
    await next;
  });

  it('a plugin that never acknowledges is killed after cancelGraceMs, and only the unstarted calls move', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // The first plugin's event loop is "stuck": no $/cancelled, and no $/started for queued calls.
    const peer = heldPeer({ acknowledgeCancel: (side) => side.index > 0 });
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), { cancelGraceMs: 500 });
    const a = client(s);
    const b = client(s);
    const exits = record(a, 'plugin:exit', 'plugin:restart');
    await a.start();
    await b.start();
    const controller = new AbortController();
    const first = a.request('completion', params('first'), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    // Started: sent while nothing else was in flight, so it has no ack and cannot move.
    const running = b.request('completion', params('running')).catch((e: unknown) => e);
    // Queued behind both (ack: true), never started on the hung plugin: it moves.
    const queued = b.request('completion', params('queued'));
    await until(() => expect(peer.calls).toHaveLength(3));
    expect(peer.calls.map((call) => call.raw.ack)).toEqual([undefined, true, true]);
    // The running one says it started (as serve() does for an ack'd call).
    launcher.last.peer!.notify(Method.started, { id: peer.calls[1].id });
    await Promise.resolve();
    controller.abort();
    expect(isAbortError(await first)).toBe(true);
    await vi.advanceTimersByTimeAsync(499);
    expect(launcher.launches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const hung = await running;
    expect(hung).toBeInstanceOf(PluginCrashedError);
    expect((hung as Error).message).toContain('did not acknowledge a cancel within 500 ms');
    expect(hung).toMatchObject({ code: 'unresponsive', provider: s.provider });
    expect(launcher.launches[0].kills).toHaveLength(1);
    await until(() => expect(peer.calls).toHaveLength(4));
    expect(peer.calls[3]).toMatchObject({ side: 1, raw: { params: { model: 'queued' } } });
    peer.calls[3].answer('moved');
    await expect(queued).resolves.toMatchObject({ choices: [{ message: { content: 'moved' } }] });
    expect(exits.filter((e) => e.type === 'plugin:exit')[0]).toMatchObject({ cause: 'unresponsive', failedCalls: 1 });
    expect(a.stats().crashes).toBe(1);
  });

  it('moves a call that was placed but not yet sent when the plugin hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const opens: number[] = [];
    const calls: { side: number; answer(): void }[] = [];
    const launcher = new MemoryLauncher(
      scriptedPeer({
        acknowledgeCancel: (side) => side.index > 0,
        // The second client's open on the first plugin never finishes: its call is placed, never sent.
        clientOpen: (_raw, side) => {
          opens.push(side.index);
          return side.index === 0 && opens.filter((i) => i === 0).length > 1 ? new Promise(() => {}) : { ok: true };
        },
        completion: (_raw, _context, side) => new Promise((resolve) => calls.push({ side: side.index, answer: () => resolve(completionOf(`side ${side.index}`)) })),
      }),
    );
    const s = session(launcher, fresh(), { cancelGraceMs: 100 });
    const a = client(s);
    const b = client(s);
    const controller = new AbortController();
    const first = a.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(calls).toHaveLength(1));
    const waiting = b.request('completion', params());
    await until(() => expect(opens).toEqual([0, 0]));
    controller.abort();
    await first;
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(calls).toHaveLength(2));
    expect(calls[1].side).toBe(1);
    calls[1].answer();
    await expect(waiting).resolves.toMatchObject({ choices: [{ message: { content: 'side 1' } }] });
  });

  it('does not watch a cancel when cancelGraceMs is 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer({ acknowledgeCancel: false });
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), { cancelGraceMs: 0 });
    const c = client(s);
    const controller = new AbortController();
    const call = c.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    controller.abort();
    await call;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.last.kills).toEqual([]);
  });
});

describe('crashes, restarts and the crash budget', () => {
  it('fails in-flight calls with PluginCrashedError, reports the exit, and restarts on the next call', async () => {
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh());
    const a = client(s);
    const b = client(s);
    const events = record(b, 'plugin:exit', 'plugin:start', 'plugin:restart');
    const one = a.request('completion', params()).catch((e: unknown) => e);
    const two = b.request('completion', params()).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(2));
    launcher.last.side.exit({ code: 3, reason: 'exited with code 3' });
    for (const error of [await one, await two]) {
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toContain('exited with code 3');
    }
    expect(s.running).toBe(false);
    expect(events.find((e) => e.type === 'plugin:exit')).toMatchObject({ cause: 'crashed', code: 3, signal: null, failedCalls: 2, reason: 'exited with code 3' });
    expect(b.stats()).toMatchObject({ starts: 1, crashes: 1, recentCrashes: 1, lastExit: { cause: 'crashed', reason: 'exited with code 3' } });
    const again = b.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(3));
    peer.calls[2].answer('back');
    await expect(again).resolves.toMatchObject({ choices: [{ message: { content: 'back' } }] });
    const starts = events.filter((e) => e.type === 'plugin:start');
    expect(starts.map((e) => (e as { restart: boolean }).restart)).toEqual([false, true]);
    expect(events.filter((e) => e.type === 'plugin:restart')).toMatchObject([{ recentCrashes: 1 }]);
  });

  it('a protocol violation at exit is a PluginProtocolError with code protocol_violation', async () => {
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh());
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    const call = c.request('completion', params()).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    launcher.last.side.exit({ code: null, reason: 'was killed for a bad message', violation: true });
    const error = await call;
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(error).toMatchObject({ code: 'protocol_violation' });
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
    expect(s.budget(c).recent).toBe(1);
  });

  it('refuses to start after maxCrashes within the window, until the window has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const launcher = new MemoryLauncher(scriptedPeer({ completion: (_r, _c, side) => (side.exit(), new Promise(() => {})) }));
    const s = session(launcher, fresh(), { maxCrashes: 2, crashWindowMs: 10_000 });
    const c = client(s);
    for (let i = 0; i < 2; i++) {
      await expect(c.request('completion', params())).rejects.toBeInstanceOf(PluginCrashedError);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(s.budget(c).recent).toBe(2);
    expect(s.budget(c).blockedForMs).toBeGreaterThan(0);
    const refused = await c.request('completion', params()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PluginUnavailableError);
    expect(refused).toMatchObject({ code: 'crash_budget' });
    expect((refused as Error).message).toMatch(/crashed 2 times under its calls within 10000 ms; it is not restarted for another \d+ ms/);
    expect(c.stats().unavailableForMs).toBeGreaterThan(0);
    expect(launcher.launches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(s.budget(c).blockedForMs).toBe(0);
    await expect(c.request('completion', params())).rejects.toBeInstanceOf(PluginCrashedError);
    expect(launcher.launches).toHaveLength(3);
  });

  it('a clean shutdown (idle) is not a crash and does not mark the next start as a restart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const name = fresh();
    script(name, { completion: () => completionOf('ok') });
    const launcher = new MemoryLauncher(servePlugin);
    const s = session(launcher, name, {}, 5_000);
    const c = client(s);
    const events = record(c, 'plugin:exit', 'plugin:start');
    await c.request('completion', params());
    await vi.advanceTimersByTimeAsync(4_999);
    expect(s.running).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => expect(events.filter((e) => e.type === 'plugin:exit')).toHaveLength(1));
    expect(events.find((e) => e.type === 'plugin:exit')).toMatchObject({ cause: 'idle', reason: 'shut down while idle', failedCalls: 0, code: 0 });
    expect(s.running).toBe(false);
    expect(launcher.last.kills).toEqual([]);
    expect(launcher.last.stopping).toBe(1);
    expect(c.stats()).toMatchObject({ crashes: 0, recentCrashes: 0 });
    await c.request('completion', params());
    expect(events.filter((e) => e.type === 'plugin:start').map((e) => (e as { restart: boolean }).restart)).toEqual([false, false]);
  });

  it('is not idle while a call is in flight, and idles from the end of the last one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), {}, 1_000);
    const c = client(s);
    const call = c.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.running).toBe(true);
    expect(launcher.last.unrefs).toBe(0);
    peer.calls[0].answer('ok');
    await call;
    expect(launcher.last.unrefs).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(s.running).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.running).toBe(false);
  });

  it('idles after start() with no call, and never with idleTimeoutMs 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const idle = session(launcher, fresh(), {}, 2_000);
    await client(idle).start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(idle.running).toBe(false);
    const never = session(launcher, fresh(), {}, 0);
    await client(never).start();
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(never.running).toBe(true);
  });
});

describe('heartbeat', () => {
  it('kills a plugin that answers pings wrongly, as a protocol error with the answer escaped', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const launcher = new MemoryLauncher(scriptedPeer({ ping: () => ({ ok: 'no\u009b' }) }));
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000 });
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    await c.start();
    await vi.advanceTimersByTimeAsync(250);
    await until(() => expect(exits).toHaveLength(1));
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
    expect((exits[0] as { reason: string }).reason).toMatch(/broke the protocol: it .*; it was killed/);
    expect((exits[0] as { reason: string }).reason).not.toContain('\u009b');
    expect(c.stats().crashes).toBe(1);
  });

  it('kills a plugin that stops answering pings, as unresponsive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const launcher = new MemoryLauncher(scriptedPeer({ ping: () => new Promise(() => {}) }));
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500 });
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    await c.start();
    await vi.advanceTimersByTimeAsync(2_000);
    await until(() => expect(exits).toHaveLength(1));
    expect(exits[0]).toMatchObject({ cause: 'unresponsive' });
    expect((exits[0] as { reason: string }).reason).toMatch(/stopped answering \(no heartbeat for \d+ ms\)/);
  });

  it('keeps a plugin that answers pings', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 500 });
    await client(s).start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.running).toBe(true);
    expect(launcher.last.kills).toEqual([]);
  });
});

describe('close', () => {
  it("one client's close ends its own calls and drops its SDK client; the last one's stops the plugin", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const closed: unknown[] = [];
    const peer = heldPeer();
    const launcher = new MemoryLauncher((side) => {
      const connection = peer.body(side) as import('../src/protocol/connection.js').Connection;
      connection.onNotification(Method.clientClose, (raw) => void closed.push((raw as { client: string }).client));
      return connection;
    });
    const s = session(launcher, fresh(), { shutdownGraceMs: 200 });
    const a = client(s);
    const b = client(s);
    const aCall = a.request('completion', params('a')).catch((e: unknown) => e);
    const bCall = b.request('completion', params('b'));
    await until(() => expect(peer.calls).toHaveLength(2));
    expect(s.isLastClient(a)).toBe(false);
    const closing = a.close();
    await vi.advanceTimersByTimeAsync(200);
    await closing;
    const error = await aCall;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect((error as Error).message).toContain('was closed before the call finished');
    await until(() => expect(closed).toEqual([a.wireId]));
    expect(s.running).toBe(true);
    expect(s.retired).toBe(false);
    await expect(a.request('completion', params())).rejects.toThrow(/client is closed/);
    await expect(a.start()).rejects.toBeInstanceOf(PluginUnavailableError);
    expect(s.isLastClient(b)).toBe(true);
    peer.calls[1].answer('b done');
    await expect(bCall).resolves.toMatchObject({ choices: [{ message: { content: 'b done' } }] });
    const exits = record(b, 'plugin:exit');
    await b.close();
    expect(s.retired).toBe(true);
    expect(s.running).toBe(false);
    expect(exits[0]).toMatchObject({ cause: 'closed', reason: 'closed by the client', code: 0 });
    expect(() => s.place({} as never)).toThrow(/plugin session is closed/);
  });

  it('a close waits for in-flight calls, then kills a plugin still busy after the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    let retired = 0;
    const s = new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation: 'worker', supervision: supervision({ shutdownGraceMs: 300 }), idleTimeoutMs: 0, onRetired: () => retired++ });
    const c = client(s);
    const exits = record(c, 'plugin:exit');
    const call = c.request('completion', params()).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    const closing = c.close();
    await vi.advanceTimersByTimeAsync(299);
    expect(launcher.last.kills).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(retired).toBe(1);
    expect(launcher.last.kills).toEqual(['was still busy when the grace period ended']);
    const error = await call;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect((error as Error).message).toContain('was closed before the call finished');
    expect(exits[0]).toMatchObject({ cause: 'closed', failedCalls: 1 });
  });

  it('a close whose calls finish within the grace shuts down cleanly', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), { shutdownGraceMs: 300 });
    const c = client(s);
    const call = c.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(1));
    const closing = c.close();
    peer.calls[0].answer('done');
    await expect(call).resolves.toMatchObject({ choices: [{ message: { content: 'done' } }] });
    await closing;
    expect(launcher.last.kills).toEqual([]);
    expect(c.stats().calls).toMatchObject({ ok: 1 });
  });

  it('kills a plugin that does not exit within shutdownGraceMs of shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const launcher = new MemoryLauncher(scriptedPeer({ shutdown: () => ({ ok: true }) }));
    const s = session(launcher, fresh(), { shutdownGraceMs: 400 });
    const c = client(s);
    await c.start();
    const closing = c.close();
    await vi.advanceTimersByTimeAsync(399);
    expect(launcher.last.kills).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(launcher.last.kills).toEqual(['did not exit within 400 ms of shutdown']);
  });
});

describe('the edges a user would notice', () => {
  it('passes the spec to the launcher, and its stderr lines as plugin:stderr events', async () => {
    const name = fresh();
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const s = session(launcher, name);
    const c = client(s);
    const lines = record(c, 'plugin:stderr');
    await c.start();
    const spec = launcher.last.spec;
    expect(spec).toMatchObject({ provider: name, entryPath: testSpec(name).entryPath, memoryLimitMb: 64 });
    expect(spec.stderr?.forward).toBe(false);
    spec.stderr?.onLine?.('a line');
    expect(lines).toMatchObject([{ type: 'plugin:stderr', provider: name, isolation: 'worker', line: 'a line' }]);
  });

  it('publishes plugin events on node:diagnostics_channel', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const seen: unknown[] = [];
    const listener = (message: unknown) => void seen.push(message);
    subscribe('anyllm:plugin:start', listener);
    try {
      const name = fresh();
      await client(session(new MemoryLauncher(scriptedPeer({})), name)).start();
      expect(seen).toMatchObject([{ type: 'plugin:start', provider: name }]);
    } finally {
      unsubscribe('anyllm:plugin:start', listener);
    }
  });

  it('reports the startup time of the handshake', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    let answer!: () => void;
    const launcher = new MemoryLauncher(scriptedPeer({ initialize: (_p, side) => new Promise((resolve) => (answer = () => resolve({ protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} }))) }));
    const c = client(session(launcher, fresh()));
    const ready = record(c, 'plugin:ready');
    // The fake clock starts at 0: move it, so a start time added instead of subtracted shows.
    await vi.advanceTimersByTimeAsync(10_000);
    const starting = c.start();
    await until(() => expect(answer).toBeTypeOf('function'));
    await vi.advanceTimersByTimeAsync(300);
    answer();
    await starting;
    expect(ready).toMatchObject([{ startupMs: 300 }]);
  });

  it('sends the extra CAs in the handshake to worker and process plugins, not to the sandbox', async () => {
    const inits: Record<string, unknown>[] = [];
    const launcher = new MemoryLauncher(scriptedPeer({ initialize: (p, side) => (inits.push(p as never), { protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} }) }));
    for (const isolation of ['worker', 'sandbox'] as const) {
      const spec = { ...testSpec(fresh()), network: { ca: ['PEM'] } as never };
      await client(new PluginSession({ spec, launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 })).start();
    }
    await client(session(launcher, fresh())).start();
    expect(inits[0]).toMatchObject({ ca: ['PEM'], protocolVersion: PROTOCOL_VERSION, entry: testSpec('x').entryPath, capabilities: {} });
    expect(inits[1]).not.toHaveProperty('ca');
    expect(inits[2]).not.toHaveProperty('ca');
  });

  it('refuses a handshake answered with nothing, naming the provider', async () => {
    const name = fresh();
    const launcher = new MemoryLauncher(scriptedPeer({ initialize: () => null }));
    const error = await client(session(launcher, name)).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(error).toMatchObject({ provider: name });
    expect((error as Error).message).toContain('speaks protocol undefined');
  });

  it('names the provider in the handshake timeout and the closed-session error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const name = fresh();
    const s = session(new MemoryLauncher(scriptedPeer({ initialize: () => new Promise(() => {}) })), name, { startTimeoutMs: 100 });
    const c = client(s);
    const failed = c.start().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await failed).toMatchObject({ provider: name });
    await c.close();
    expect(() => s.place({} as never)).toThrow(expect.objectContaining({ provider: name }));
  });

  it("escapes and bounds a sandboxed plugin's error messages, not a worker's", async () => {
    const long = `\u001b[31m${'x'.repeat(10_000)}`;
    const launcher = new MemoryLauncher(scriptedPeer({ completion: () => Promise.reject(new Error(long)) }));
    const messagesOf: Record<string, string> = {};
    for (const isolation of ['worker', 'sandbox'] as const) {
      const c = client(new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 }));
      messagesOf[isolation] = ((await c.request('completion', params()).catch((e: unknown) => e)) as Error).message;
    }
    expect(messagesOf.worker.length).toBeGreaterThan(10_000);
    expect(messagesOf.sandbox.length).toBeLessThan(5_000);
  });

  it('kills a plugin that sends something that is not JSON-RPC, as a protocol error', async () => {
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const c = client(session(launcher, fresh()));
    const exits = record(c, 'plugin:exit');
    await c.start();
    launcher.last.side.transport.send({ not: 'json-rpc' } as never);
    await until(() => expect(exits).toHaveLength(1));
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
  });

  it('ignores chunks for a stream it does not know, and batches that are neither chunks nor JSON', async () => {
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const s = session(launcher, fresh());
    const c = client(s);
    await c.start();
    launcher.last.peer!.notify(Method.chunks, { id: 999, chunks: [] } as never);
    launcher.last.peer!.notify(Method.chunks, { id: 999, json: '[]' } as never);
    await until(() => expect(launcher.last.peer).toBeDefined());
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.running).toBe(true);
    expect(launcher.last.kills).toEqual([]);
  });

  it('asks for JSON text over a channel that measures nothing, whatever the tier (the process tier in Electron runs over a port)', async () => {
    const asked: Record<string, unknown> = {};
    for (const [name, isolation, measured] of [
      ['worker', 'worker', false],
      ['process over a port', 'process', false],
      ['process over stdio', 'process', true],
      ['sandbox over stdio', 'sandbox', true],
    ] as const) {
      const launcher = new MemoryLauncher(
        scriptedPeer({
          completionStream: (raw) => {
            asked[name] = (raw as { encoding?: unknown }).encoding;
            return { chunks: 0 };
          },
        }),
        { measured },
      );
      const c = client(new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 }));
      for await (const _ of c.stream({ model: 'm', messages }));
    }
    expect(asked).toEqual({ worker: 'json', 'process over a port': 'json', 'process over stdio': undefined, 'sandbox over stdio': undefined });
  });

  it('kills a plugin whose batch for an open stream is not in the encoding asked for: objects over a port, JSON text over a measured channel', async () => {
    const chunk = { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] };
    const wrong = { worker: { chunks: [chunk] }, process: { json: JSON.stringify([chunk]) } };
    for (const isolation of ['worker', 'process'] as const) {
      const launcher = new MemoryLauncher(
        scriptedPeer({
          completionStream: (_raw, context, _side, peer) => {
            peer.notify(Method.chunks, { id: context.id, ...wrong[isolation] } as never);
            return new Promise(() => {});
          },
        }),
        { measured: isolation === 'process' },
      );
      const c = client(new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 }));
      const got: unknown[] = [];
      const error = await (async () => {
        for await (const chunk of c.stream({ model: 'm', messages })) got.push(chunk);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(isolation === 'worker' ? /it sent chunk objects, not the JSON text the host asked for/ : /it sent a JSON chunk batch, an encoding the host did not ask for/);
      expect(got).toEqual([]);
      expect(launcher.last.kills).toHaveLength(1);
    }
  });

  it('streams over a process-tier channel (chunk arrays) and a worker one (JSON text), with credit past the window', async () => {
    for (const isolation of ['process', 'worker'] as const) {
      const name = fresh();
      script(name, {
        stream: async function* () {
          for (let i = 0; i < 10; i++) yield { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: String(i) }, finish_reason: null }] } as never;
        },
      });
      const launcher = new MemoryLauncher(servePlugin, { measured: isolation === 'process' });
      const c = client(new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation, supervision: supervision({ streamWindow: 2 }), idleTimeoutMs: 0 }));
      let textOut = '';
      for await (const chunk of c.stream({ model: 'm', messages })) textOut += chunk.choices[0]?.delta.content ?? '';
      expect(textOut).toBe('0123456789');
      expect(c.stats().chunks).toBe(10);
    }
  });

  it.each([
    ['not JSON', '[{"choices":'],
    ['a content string before any chunk it could be the content of', '["orphan"]'],
    ['an item that is no chunk', '[1]'],
  ])('kills a worker plugin whose JSON chunk batch is %s, as a protocol error', async (_name, json) => {
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          peer.notify(Method.chunks, { id: context.id, json } as never);
          return new Promise(() => {});
        },
      }),
    );
    const c = client(new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 0 }));
    const exits = record(c, 'plugin:exit');
    const received: unknown[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of c.stream({ model: 'm', messages })) received.push(chunk);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toMatch(/JSON chunk batch does not decode/);
    expect(received).toEqual([]);
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
  });

  it('kills a plugin that sends a stream past its window, as a protocol error', async () => {
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          const chunk = { id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] };
          for (let i = 0; i < 4; i++) peer.notify(Method.chunks, { id: context.id, chunks: [chunk] } as never);
          return new Promise(() => {});
        },
      }),
      // Chunk objects, as a process over stdio sends them.
      { measured: true },
    );
    const c = client(new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation: 'process', supervision: supervision({ streamWindow: 2 }), idleTimeoutMs: 0 }));
    const exits = record(c, 'plugin:exit');
    const stream = c.stream({ model: 'm', messages });
    const error = await (async () => {
      try {
        await new Promise((resolve) => setTimeout(resolve, 20));
        for await (const _ of stream) void _;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toMatch(/broke the protocol/);
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
  });

  it('sends a call with ack while a cancel is unacknowledged, and without once it was acknowledged', async () => {
    const acks: unknown[] = [];
    let ackCancels = false;
    const launcher = new MemoryLauncher(
      (side) => {
        const connection = scriptedPeer({
          acknowledgeCancel: false,
          completion: (raw) => (acks.push((raw as { ack?: boolean }).ack), new Promise(() => {})),
        })(side) as import('../src/protocol/connection.js').Connection;
        connection.onNotification(Method.cancel, (raw) => {
          if (ackCancels) connection.notify(Method.cancelled, raw as never);
        });
        return connection;
      },
    );
    const s = session(launcher, fresh(), { cancelGraceMs: 60_000 });
    const c = client(s);
    const first = new AbortController();
    const one = c.request('completion', params(), { signal: first.signal }).catch(() => {});
    await until(() => expect(acks).toHaveLength(1));
    first.abort();
    await one;
    const second = new AbortController();
    const two = c.request('completion', params(), { signal: second.signal }).catch(() => {});
    await until(() => expect(acks).toHaveLength(2));
    expect(acks).toEqual([undefined, true]);
    ackCancels = true;
    second.abort();
    await two;
    await new Promise((resolve) => setImmediate(resolve));
    const third = new AbortController();
    const three = c.request('completion', params(), { signal: third.signal }).catch(() => {});
    await until(() => expect(acks).toHaveLength(3));
    // The first cancel is still unacknowledged: ack.
    expect(acks[2]).toBe(true);
    third.abort();
    await three;
    expect(launcher.last.kills).toEqual([]);
  });

  it('never sends a call aborted during the handshake, and does not watch a cancel that was never sent', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let answer!: () => void;
    const sent: unknown[] = [];
    const launcher = new MemoryLauncher(
      scriptedPeer({
        initialize: (_p, side) => new Promise((resolve) => (answer = () => resolve({ protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} }))),
        completion: (raw) => (sent.push(raw), completionOf('ok')),
      }),
    );
    const s = session(launcher, fresh(), { cancelGraceMs: 100 });
    const c = client(s);
    const controller = new AbortController();
    const call = c.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(answer).toBeTypeOf('function'));
    controller.abort();
    expect(isAbortError(await call)).toBe(true);
    answer();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    expect(launcher.last.kills).toEqual([]);
    expect(s.running).toBe(true);
  });

  it('the exit of a replaced hung plugin leaves its replacement running', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer({ acknowledgeCancel: (side) => side.index > 0 });
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), { cancelGraceMs: 100 });
    const c = client(s);
    const controller = new AbortController();
    const first = c.request('completion', params(), { signal: controller.signal }).catch(() => {});
    await until(() => expect(peer.calls).toHaveLength(1));
    const queued = c.request('completion', params('queued'));
    await until(() => expect(peer.calls).toHaveLength(2));
    controller.abort();
    await first;
    await vi.advanceTimersByTimeAsync(100);
    await until(() => expect(peer.calls).toHaveLength(3));
    expect(launcher.launches[0].exited).toBe(true);
    peer.calls[2].answer('ok');
    await queued;
    expect(s.running).toBe(true);
    const next = c.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(4));
    expect(launcher.launches).toHaveLength(2);
    peer.calls[3].answer('next');
    await next;
  });

  it('fails in-flight calls at once when it kills a hung plugin, before any exit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer({ acknowledgeCancel: false });
    const launcher = new MemoryLauncher(peer.body, { killExits: false });
    const s = session(launcher, fresh(), { cancelGraceMs: 100 });
    const a = client(s);
    const controller = new AbortController();
    const first = a.request('completion', params(), { signal: controller.signal }).catch(() => {});
    await until(() => expect(peer.calls).toHaveLength(1));
    const running = a.request('completion', params()).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(2));
    launcher.last.peer!.notify(Method.started, { id: peer.calls[1].id });
    controller.abort();
    await first;
    await vi.advanceTimersByTimeAsync(100);
    expect(await running).toBeInstanceOf(PluginCrashedError);
    expect(launcher.launches[0].exited).toBe(false);
  });

  it('a close of a busy plugin that never exits fails its calls at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const name = fresh();
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body, { killExits: false, stopping: false });
    const s = session(launcher, name, { shutdownGraceMs: 100 });
    const c = client(s);
    const call = c.request('completion', params()).catch((e: unknown) => e);
    await until(() => expect(peer.calls).toHaveLength(1));
    void c.close();
    await vi.advanceTimersByTimeAsync(100);
    const error = await call;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect(error).toMatchObject({ provider: name });
    expect(launcher.last.refs).toBe(1);
  });

  it('stops its timers with the plugin: no heartbeat kill after a crash, no shutdown kill after a clean exit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const launcher = new MemoryLauncher(scriptedPeer({}));
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300, shutdownGraceMs: 500 });
    const c = client(s);
    await c.start();
    launcher.last.side.exit();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(launcher.launches[0].kills).toEqual([]);
    await c.start();
    await c.close();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(launcher.launches[1].kills).toEqual([]);
    expect(s.isLastClient(c)).toBe(false);
  });

  it('sends no pings with heartbeatIntervalMs 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    let pings = 0;
    const launcher = new MemoryLauncher(scriptedPeer({ ping: () => (pings++, { ok: true }) }));
    await client(session(launcher, fresh(), { heartbeatIntervalMs: 0 })).start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pings).toBe(0);
  });

  it('names the provider and code of heartbeat kills', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const name = fresh();
    for (const [ping, code] of [[() => new Promise(() => {}), 'unresponsive'], [() => ({ ok: false }), 'protocol-error']] as const) {
      const peer = heldPeer();
      const launcher = new MemoryLauncher((side) => {
        const connection = peer.body(side) as import('../src/protocol/connection.js').Connection;
        connection.onRequest(Method.ping, ping);
        return connection;
      });
      const c = client(session(launcher, name, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 }));
      const call = c.request('completion', params()).catch((e: unknown) => e);
      await until(() => expect(peer.calls).toHaveLength(1));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await call).toMatchObject({ provider: name, code });
    }
  });

  it('detaching a client it does not have changes nothing; a client that never called sends no close', async () => {
    const closes: unknown[] = [];
    const launcher = new MemoryLauncher((side) => {
      const connection = scriptedPeer({})(side) as import('../src/protocol/connection.js').Connection;
      connection.onNotification(Method.clientClose, (raw) => void closes.push(raw));
      return connection;
    });
    const s = session(launcher, fresh());
    const a = client(s);
    const stranger = client(session(launcher, fresh()));
    await s.detach(stranger);
    expect(s.retired).toBe(false);
    const idle = client(s);
    // No plugin yet: leaving sends nothing.
    const early = client(s);
    await early.close();
    await a.start();
    await idle.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toEqual([]);
    expect(s.isLastClient(a)).toBe(true);
  });
});

describe('holds, heartbeats and shutdown together', () => {
  it('a call that starts while the plugin idles cancels the idle shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const peer = heldPeer();
    const launcher = new MemoryLauncher(peer.body);
    const s = session(launcher, fresh(), {}, 1_000);
    const c = client(s);
    await c.start();
    await vi.advanceTimersByTimeAsync(500);
    const call = c.request('completion', params());
    await until(() => expect(peer.calls).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.running).toBe(true);
    peer.calls[0].answer('ok');
    await call;
  });

  it('a heartbeat kill of a plugin that does not exit kills it once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const launcher = new MemoryLauncher(scriptedPeer({ ping: () => new Promise(() => {}) }), { killExits: false });
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 });
    await client(s).start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(launcher.last.kills).toHaveLength(1);
  });

  it('the heartbeat stops at shutdown: a plugin slow to exit is killed for that, not for silence', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    let silent = false;
    const launcher = new MemoryLauncher(scriptedPeer({ shutdown: () => ((silent = true), { ok: true }), ping: () => (silent ? new Promise(() => {}) : { ok: true }) }));
    const s = session(launcher, fresh(), { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300, shutdownGraceMs: 2_000 });
    const c = client(s);
    await c.start();
    const closing = c.close();
    await vi.advanceTimersByTimeAsync(2_000);
    await closing;
    expect(launcher.last.kills).toEqual(['did not exit within 2000 ms of shutdown']);
  });
});
