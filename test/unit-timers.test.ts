/**
 * The heartbeat (src/host/heartbeat.ts) and the per-call guard (src/host/call-guard.ts) under
 * vitest's fake timers: when a ping goes out, when silence becomes death, when a call times out or
 * goes idle, and that each reports once, with the right error.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, type HeartbeatOptions } from 'anyllm/internal/host/heartbeat.js';
import { CallGuard, validateCallOptions } from 'anyllm/internal/host/call-guard.js';
import { InvalidRequestError, TimeoutError } from 'anyllm/internal/errors.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function heartbeat(answer: () => Promise<unknown>, overrides: Partial<HeartbeatOptions> = {}) {
  const events: string[] = [];
  let pings = 0;
  const beat = new Heartbeat({
    ping: () => {
      pings++;
      return answer();
    },
    check: (result) => ((result as { ok?: unknown })?.ok === true ? undefined : `bad ${JSON.stringify(result)}`),
    intervalMs: 100,
    timeoutMs: 300,
    onDead: (ms) => events.push(`dead ${ms}`),
    onBroken: (reason) => events.push(`broken ${reason}`),
    ...overrides,
  });
  return { beat, events, pings: () => pings };
}

describe('Heartbeat', () => {
  it('pings every interval after each answer, and never before the first interval', async () => {
    const { beat, events, pings } = heartbeat(async () => ({ ok: true }));
    beat.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(pings()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pings()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(pings()).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pings()).toBe(12);
    expect(events).toEqual([]);
    // One timer between beats: the overdue timer of an answered ping is cleared.
    expect(vi.getTimerCount()).toBe(1);
    beat.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pings()).toBe(12);
  });

  it('reports a plugin dead once its answer is timeoutMs overdue, with how long it was silent, once', async () => {
    const { beat, events, pings } = heartbeat(() => new Promise(() => {}));
    beat.start();
    await vi.advanceTimersByTimeAsync(100 + 299);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['dead 300']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['dead 300']);
    expect(pings()).toBe(1);
  });

  it('a late answer after death changes nothing', async () => {
    let answer!: (value: unknown) => void;
    const { beat, events, pings } = heartbeat(() => new Promise((resolve) => (answer = resolve)));
    beat.start();
    await vi.advanceTimersByTimeAsync(400);
    answer({ ok: true });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual(['dead 300']);
    expect(pings()).toBe(1);
  });

  it('a slow but timely answer is not death: the overdue timer is cleared', async () => {
    let answer!: (value: unknown) => void;
    const { beat, events, pings } = heartbeat(() => new Promise((resolve) => (answer = resolve)));
    beat.start();
    await vi.advanceTimersByTimeAsync(100 + 250);
    answer({ ok: true });
    await vi.advanceTimersByTimeAsync(60);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(40);
    expect(pings()).toBe(2);
    beat.stop();
  });

  it('reports a wrong answer or an error answer as broken, once, and stops', async () => {
    let { beat, events, pings } = heartbeat(async () => ({ ok: false }));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['broken bad {"ok":false}']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toHaveLength(1);
    expect(pings()).toBe(1);
    ({ beat, events } = heartbeat(async () => {
      throw new Error('x'.repeat(300));
    }));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual([`broken answered $/ping with an error: ${'x'.repeat(200)}`]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    ({ beat, events } = heartbeat(() => Promise.reject('plain')));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['broken answered $/ping with an error: plain']);
    ({ beat, events } = heartbeat(() => Promise.reject(undefined)));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['broken answered $/ping with an error: undefined']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says nothing when stopped while a ping is out (the connection closed under it)', async () => {
    let answer!: (value: unknown) => void;
    let fail!: (error: unknown) => void;
    const { beat, events, pings } = heartbeat(() => new Promise((resolve, reject) => ((answer = resolve), (fail = reject))));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    beat.stop();
    fail(new Error('closed'));
    answer({ ok: false });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual([]);
    expect(pings()).toBe(1);
  });

  it('stopped while a good answer is on its way: no further ping', async () => {
    let answer!: (value: unknown) => void;
    const { beat, pings } = heartbeat(() => new Promise((resolve) => (answer = resolve)));
    beat.start();
    await vi.advanceTimersByTimeAsync(100);
    beat.stop();
    answer({ ok: true });
    await Promise.resolve();
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pings()).toBe(1);
  });

  it('does nothing with an interval of 0, or when started after stop', async () => {
    let { beat, pings } = heartbeat(async () => ({ ok: true }), { intervalMs: 0 });
    beat.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pings()).toBe(0);
    ({ beat, pings } = heartbeat(async () => ({ ok: true })));
    beat.stop();
    beat.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pings()).toBe(0);
  });

  it('its timers never keep the process alive (unref)', () => {
    const unref = vi.fn();
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      const timer = realSetTimeout(fn, ms);
      const wrapped = Object.assign(timer, { unref: () => (unref(), timer) });
      return wrapped;
    }) as typeof setTimeout);
    const { beat } = heartbeat(() => new Promise(() => {}));
    beat.start();
    expect(unref).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(unref).toHaveBeenCalledTimes(2);
    beat.stop();
    spy.mockRestore();
  });
});

describe('validateCallOptions', () => {
  it('accepts nothing, null, and good options as they are', () => {
    expect(validateCallOptions(undefined, 'p')).toEqual({});
    expect(validateCallOptions(null, 'p')).toEqual({});
    const options = { timeoutMs: 1, idleTimeoutMs: 0.5, signal: new AbortController().signal };
    expect(validateCallOptions(options, 'p')).toBe(options);
  });

  it.each([
    ['a string', 'fast', 'Call options must be an object.'],
    ['a bad signal', { signal: {} }, "Call option 'signal' must be an AbortSignal."],
    ['a zero timeout', { timeoutMs: 0 }, "Call option 'timeoutMs' must be a positive number of milliseconds."],
    ['a negative idle timeout', { idleTimeoutMs: -1 }, "Call option 'idleTimeoutMs' must be a positive number of milliseconds."],
    ['an infinite timeout', { timeoutMs: Infinity }, "Call option 'timeoutMs' must be a positive number of milliseconds."],
    ['a NaN idle timeout', { idleTimeoutMs: NaN }, "Call option 'idleTimeoutMs' must be a positive number of milliseconds."],
    ['a string timeout', { timeoutMs: '5' }, "Call option 'timeoutMs' must be a positive number of milliseconds."],
  ])('refuses %s with InvalidRequestError', (_name, options, message) => {
    let error: unknown;
    try {
      validateCallOptions(options, 'acme');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).message).toBe(message);
    expect((error as InvalidRequestError).provider).toBe('acme');
  });
});

describe('CallGuard', () => {
  const guard = (options: ConstructorParameters<typeof CallGuard>[0]) => {
    const failures: Error[] = [];
    const g = new CallGuard(options, 'acme', (error) => failures.push(error));
    return { g, failures };
  };

  it('fails the call with a TimeoutError at timeoutMs from its start, once', () => {
    const { failures } = guard({ timeoutMs: 500 });
    vi.advanceTimersByTime(499);
    expect(failures).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(TimeoutError);
    expect(failures[0]).toMatchObject({ message: 'The call did not finish within 500 ms.', code: 'timeout', provider: 'acme' });
  });

  it('starts the idle timer at the first touch only, and every touch restarts it', () => {
    const { g, failures } = guard({ idleTimeoutMs: 200 });
    vi.advanceTimersByTime(10_000);
    expect(failures).toEqual([]);
    g.touch();
    vi.advanceTimersByTime(150);
    g.touch();
    vi.advanceTimersByTime(150);
    expect(failures).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ message: 'No data from the provider for 200 ms.', code: 'idle_timeout', provider: 'acme' });
    expect(failures[0]).toBeInstanceOf(TimeoutError);
  });

  it('while paused the idle timer lapses harmlessly; a touch re-arms it', () => {
    const { g, failures } = guard({ idleTimeoutMs: 200 });
    g.touch();
    g.pauseIdle();
    vi.advanceTimersByTime(1_000);
    expect(failures).toEqual([]);
    g.touch();
    vi.advanceTimersByTime(199);
    expect(failures).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(failures).toHaveLength(1);
  });

  it('touch without an idle timeout, or after dispose, arms nothing', () => {
    const { g, failures } = guard({});
    g.touch();
    vi.advanceTimersByTime(100_000);
    expect(failures).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    const other = guard({ idleTimeoutMs: 100 });
    other.g.dispose();
    other.g.touch();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort fails the call with an AbortError carrying the reason, once; dispose removes the listener and timers', () => {
    const controller = new AbortController();
    const { failures } = guard({ signal: controller.signal, timeoutMs: 100 });
    controller.abort('stop');
    expect(failures).toHaveLength(1);
    expect(failures[0].name).toBe('AbortError');
    expect((failures[0] as { cause?: unknown }).cause).toBe('stop');
    vi.advanceTimersByTime(1_000);
    expect(failures).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);

    const second = new AbortController();
    const disposed = guard({ signal: second.signal, timeoutMs: 100, idleTimeoutMs: 50 });
    disposed.g.touch();
    const remove = vi.spyOn(second.signal, 'removeEventListener');
    disposed.g.dispose();
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    disposed.g.dispose();
    expect(remove).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    second.abort();
    vi.advanceTimersByTime(1_000);
    expect(disposed.failures).toEqual([]);
  });

  it('the first limit to trip wins: a timeout after an idle timeout is not reported', () => {
    const { g, failures } = guard({ timeoutMs: 300, idleTimeoutMs: 100 });
    g.touch();
    vi.advanceTimersByTime(1_000);
    expect(failures.map((e) => (e as TimeoutError).code)).toEqual(['idle_timeout']);
  });
});
