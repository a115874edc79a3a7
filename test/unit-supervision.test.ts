/**
 * The supervision options and the crash budget (src/host/supervision.ts) with an injected clock:
 * the defaults SUPERVISION.md documents, what each option accepts, and the sliding window of
 * crashes that decides when starts are refused and for how long.
 */
import { describe, expect, it } from 'vitest';
import { CrashBudget, resolveSupervision, SharedCrashBudget, SUPERVISION_DEFAULTS } from 'anyllm/internal/host/supervision.js';
import { InvalidRequestError } from 'anyllm/internal/errors.js';

describe('resolveSupervision', () => {
  it('fills in the documented defaults (literals from docs/SUPERVISION.md)', () => {
    const expected = {
      maxCrashes: 3,
      crashWindowMs: 60_000,
      heartbeatIntervalMs: 5_000,
      heartbeatTimeoutMs: 10_000,
      shutdownGraceMs: 2_000,
      startTimeoutMs: 30_000,
      streamWindow: 1024,
      cancelGraceMs: 1_000,
    };
    expect(resolveSupervision(undefined)).toEqual(expected);
    expect(resolveSupervision({})).toEqual(expected);
    expect(resolveSupervision({ maxCrashes: undefined })).toEqual(expected);
    // A copy: changing what it returned never changes the defaults.
    const resolved = resolveSupervision(undefined);
    resolved.maxCrashes = 99;
    expect(SUPERVISION_DEFAULTS.maxCrashes).toBe(3);
  });

  it('takes the fields it is given; maxCrashes may be Infinity, 0 turns the heartbeat off, streamWindow is floored', () => {
    expect(resolveSupervision({ maxCrashes: Infinity, heartbeatIntervalMs: 0, streamWindow: 7.9, crashWindowMs: 1 })).toMatchObject({
      maxCrashes: Infinity,
      heartbeatIntervalMs: 0,
      streamWindow: 7,
      crashWindowMs: 1,
      heartbeatTimeoutMs: 10_000,
    });
    expect(resolveSupervision({ maxCrashes: 1, streamWindow: 1, shutdownGraceMs: 0 })).toMatchObject({ maxCrashes: 1, streamWindow: 1, shutdownGraceMs: 0 });
    expect(resolveSupervision({ heartbeatTimeoutMs: 2.5 }).heartbeatTimeoutMs).toBe(2.5);
  });

  const refuse = (value: unknown) => {
    try {
      resolveSupervision(value, 'acme');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).provider).toBe('acme');
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('refuses a value that is not an object', () => {
    for (const value of [null, 5, 'x', []]) expect(refuse(value)).toBe("Option 'supervision' must be an object.");
  });

  it('refuses an unknown field, naming the known ones', () => {
    expect(refuse({ maxCrash: 1 })).toBe(
      "Option 'supervision.maxCrash' is unknown (known: maxCrashes, crashWindowMs, heartbeatIntervalMs, heartbeatTimeoutMs, shutdownGraceMs, startTimeoutMs, streamWindow, cancelGraceMs).",
    );
    expect(refuse({ toString: 1 })).toMatch(/^Option 'supervision.toString' is unknown/);
  });

  it('refuses numbers out of range, NaN, non-numbers, and Infinity where it is not allowed', () => {
    expect(refuse({ maxCrashes: 0 })).toBe("Option 'supervision.maxCrashes' must be a number >= 1 (or Infinity).");
    expect(refuse({ streamWindow: 0.5 })).toBe("Option 'supervision.streamWindow' must be a number >= 1.");
    expect(refuse({ crashWindowMs: -1 })).toBe("Option 'supervision.crashWindowMs' must be a number >= 0.");
    expect(refuse({ heartbeatTimeoutMs: NaN })).toBe("Option 'supervision.heartbeatTimeoutMs' must be a number >= 0.");
    expect(refuse({ startTimeoutMs: '5' })).toBe("Option 'supervision.startTimeoutMs' must be a number >= 0.");
    expect(refuse({ shutdownGraceMs: Infinity })).toBe("Option 'supervision.shutdownGraceMs' must be a number >= 0.");
    expect(refuse({ streamWindow: Infinity })).toBe("Option 'supervision.streamWindow' must be a number >= 1.");
    expect(refuse({ maxCrashes: '5' })).toBe("Option 'supervision.maxCrashes' must be a number >= 1 (or Infinity).");
    expect(refuse({ maxCrashes: NaN })).toBe("Option 'supervision.maxCrashes' must be a number >= 1 (or Infinity).");
  });
});

describe('CrashBudget', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('allows starts until max crashes fall inside the window, then says how long until the oldest leaves it', () => {
    const time = clock();
    const budget = new CrashBudget(3, 60_000, time.now);
    budget.record();
    time.advance(10_000);
    budget.record();
    expect(budget.blockedForMs()).toBe(0);
    expect(budget.recent).toBe(2);
    time.advance(10_000);
    budget.record();
    expect(budget.recent).toBe(3);
    expect(budget.blockedForMs()).toBe(40_000);
    time.advance(39_999);
    expect(budget.blockedForMs()).toBe(1);
    time.advance(1);
    // The first crash is exactly a window old: it no longer counts.
    expect(budget.recent).toBe(2);
    expect(budget.blockedForMs()).toBe(0);
  });

  it('counts the newest max crashes: with more than max inside the window, the wait is set by the max-th newest', () => {
    const time = clock();
    const budget = new CrashBudget(2, 1_000, time.now);
    budget.record();
    time.advance(100);
    budget.record();
    time.advance(100);
    budget.record();
    expect(budget.recent).toBe(3);
    // The 2nd newest crash is 100 ms old: 900 ms to go.
    expect(budget.blockedForMs()).toBe(900);
  });

  it('never answers 0 while blocked (at least 1 ms), and a crash of the same instant counts', () => {
    const time = clock();
    const budget = new CrashBudget(1, 0, time.now);
    budget.record();
    expect(budget.recent).toBe(0);
    const wide = new CrashBudget(1, 10, time.now);
    wide.record();
    time.advance(9);
    expect(wide.blockedForMs()).toBe(1);
  });

  it('Infinity is no budget; the clock defaults to Date.now', () => {
    const budget = new CrashBudget(Infinity, 60_000);
    for (let i = 0; i < 100; i++) budget.record();
    expect(budget.blockedForMs()).toBe(0);
    expect(budget.recent).toBe(100);
    const real = new CrashBudget(1, 60_000);
    real.record();
    const wait = real.blockedForMs();
    expect(wait).toBeGreaterThan(59_000);
    expect(wait).toBeLessThanOrEqual(60_000);
  });

  it('is no longer blocked once the window has passed, asked directly', () => {
    const time = clock();
    const budget = new CrashBudget(1, 100, time.now);
    budget.record();
    expect(budget.blockedForMs()).toBe(100);
    time.advance(100);
    expect(budget.blockedForMs()).toBe(0);
  });

  it('prunes as it records: old crashes leave the window', () => {
    const time = clock();
    const budget = new CrashBudget(2, 100, time.now);
    budget.record();
    budget.record();
    time.advance(100);
    budget.record();
    expect(budget.recent).toBe(1);
    expect(budget.blockedForMs()).toBe(0);
  });
});

describe('SharedCrashBudget', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('refuses the client whose calls crashed the plugin, while its peers go on', () => {
    const time = clock();
    const budget = new SharedCrashBudget<string>(2, 60_000, time.now);
    budget.record(['alice']);
    expect(budget.refusal('alice', true)).toBeUndefined();
    budget.record(['alice', 'bob']);
    expect(budget.recent).toBe(2);
    expect(budget.refusal('alice', false)).toEqual({ recent: 2, blockedForMs: 60_000, own: true });
    expect(budget.refusal('bob', true)).toBeUndefined();
    expect(budget.blockedForMs('alice', true)).toBe(60_000);
    expect(budget.blockedForMs('carol')).toBe(0);
    time.advance(60_000);
    expect(budget.refusal('alice', true)).toBeUndefined();
    expect(budget.recent).toBe(0);
  });

  it('charges a crash with no call running to the plugin: no client may start it, though a running one serves', () => {
    const time = clock();
    const budget = new SharedCrashBudget<string>(2, 10_000, time.now);
    budget.record([]);
    time.advance(1_000);
    budget.record([]);
    expect(budget.refusal('alice', true)).toEqual({ recent: 2, blockedForMs: 9_000, own: false });
    expect(budget.refusal('alice', false)).toBeUndefined();
    expect(budget.blockedForMs('alice')).toBe(9_000);
    expect(budget.blockedForMs('alice', true)).toBe(0);
  });

  it('charges no one for a crash under clients that have all left, and forgets a client that leaves', () => {
    const time = clock();
    const budget = new SharedCrashBudget<string>(1, 10_000, time.now);
    budget.record(['gone'], (client) => client !== 'gone');
    expect(budget.recent).toBe(1);
    expect(budget.refusal('gone', true)).toBeUndefined();
    expect(budget.refusal('other', true)).toBeUndefined();
    budget.record(['alice']);
    expect(budget.blockedForMs('alice', true)).toBe(10_000);
    budget.forget('alice');
    expect(budget.blockedForMs('alice', true)).toBe(0);
  });
});
