// Idle shutdown (a plugin with no calls exits and starts again on the next call; 0 = never) and
// close() (drains in-flight calls, then kills a plugin that will not exit within the grace period).
import { describe, expect, it, vi } from 'vitest';
import { PluginUnavailableError } from 'anyllm';
import { drain, faulty, messages, nextEvent, textOf } from './support/faulty-plugin.js';

describe('idle shutdown', () => {
  it('a plugin with no calls for idleTimeoutMs exits cleanly and starts again on the next call', async () => {
    const llm = await faulty({ idleTimeoutMs: 100 });
    const exit = nextEvent(llm, 'plugin:exit');
    await llm.completion({ model: 'ok', messages });
    expect(await exit).toMatchObject({ cause: 'idle', failedCalls: 0 });
    expect(llm.running).toBe(false);

    const start = nextEvent(llm, 'plugin:start');
    const res = await llm.completion({ model: 'ok', messages });
    expect(res.choices[0].message.content).toBe('ok');
    expect((await start).restart).toBe(false);
    expect(llm.stats()).toMatchObject({ starts: 2, crashes: 0 });
    await llm.close();
  });

  it('a plugin warmed up by start() and never called shuts down the same way', async () => {
    const llm = await faulty({ idleTimeoutMs: 100 });
    const exit = nextEvent(llm, 'plugin:exit');
    await llm.start();
    expect(await exit).toMatchObject({ cause: 'idle' });
    expect(llm.running).toBe(false);
    await llm.close();
  });

  it('does not shut down a plugin while a call is in flight, however long it takes', async () => {
    const llm = await faulty({ idleTimeoutMs: 50 });
    let exits = 0;
    llm.on('plugin:exit', () => exits++);
    const { chunks, error } = await drain(llm.completionStream({ model: 'every:20:25', messages }));
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(26);
    expect(exits).toBe(0);
    await llm.close();
  });

  it('idleTimeoutMs: 0 keeps the plugin running for good, where 60 000 shuts it down after a minute', async () => {
    // Fake host timers, so a day passes at once and 0 ("never") is told from a long timeout. Only
    // setTimeout is faked (the idle timer's clock); the heartbeat is off so no probe times out in the
    // jump. The plugins run in workers with their own, real timers.
    const supervision = { heartbeatIntervalMs: 0 };
    const never = await faulty({ idleTimeoutMs: 0, supervision });
    const minute = await faulty({ idleTimeoutMs: 60_000, supervision });
    try {
      await never.start();
      await minute.start();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await never.completion({ model: 'ok', messages });
      await minute.completion({ model: 'ok', messages });
      const minuteExit = nextEvent(minute, 'plugin:exit');
      let neverExits = 0;
      never.on('plugin:exit', () => neverExits++);

      await vi.advanceTimersByTimeAsync(59_000);
      expect(minute.running).toBe(true);
      await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
      vi.useRealTimers();
      expect(await minuteExit).toMatchObject({ cause: 'idle' });
      expect(never.running).toBe(true);
      expect(neverExits).toBe(0);
    } finally {
      vi.useRealTimers();
      await Promise.all([never.close(), minute.close()]);
    }
  });
});

describe('close()', () => {
  it('lets in-flight calls finish, then ends the plugin', async () => {
    const llm = await faulty();
    const stream = llm.completionStream({ model: 'every:10:30', messages });
    const first = await stream.next();
    expect(first.done).toBe(false);
    const exit = nextEvent(llm, 'plugin:exit');
    const closed = llm.close();
    const call = llm.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(await call).toBeInstanceOf(PluginUnavailableError);
    const rest = await drain(stream);
    await closed;
    expect(rest.error).toBeUndefined();
    expect(textOf(rest.chunks)).toMatch(/e29 $/);
    expect(await exit).toMatchObject({ cause: 'closed', failedCalls: 0 });
    expect(llm.running).toBe(false);
  });

  it('kills a plugin that is still busy when the grace period ends; its calls fail with PluginUnavailableError', async () => {
    const llm = await faulty({ supervision: { shutdownGraceMs: 200, heartbeatIntervalMs: 0 } });
    await llm.start();
    const stuck = llm.completion({ model: 'crash:hang', messages }).catch((e: unknown) => e);
    const exit = nextEvent(llm, 'plugin:exit');
    await llm.close();
    expect(await stuck).toBeInstanceOf(PluginUnavailableError);
    expect(await exit).toMatchObject({ cause: 'closed', failedCalls: 1 });
  });
});
