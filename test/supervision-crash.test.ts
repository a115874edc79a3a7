// A crashing plugin fails only its own in-flight calls, promptly, with PluginCrashedError; the next
// call restarts it; a crash budget then refuses restarts until its window passes.
import { afterEach, describe, expect, it } from 'vitest';
import { PluginCrashedError, PluginUnavailableError, type AnyLLM } from 'anyllm';
import { drain, faulty, messages, nextEvent, textOf } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
async function client(options: Parameters<typeof faulty>[0] = {}): Promise<AnyLLM> {
  const llm = await faulty({ memoryLimitMb: 32, ...options });
  open.push(llm);
  return llm;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe('a plugin that crashes', () => {
  it.each([
    ['throws an uncaught error', 'crash:throw', /threw: faulty plugin threw at top level/],
    ['exits', 'crash:exit', /exited with code 3/],
    ['runs out of memory under its resourceLimits', 'crash:oom', /ran out of memory \(limit 32 MiB\)/],
  ])('%s: every in-flight call fails with PluginCrashedError and the next call restarts it', async (_what, model, reason) => {
    const llm = await client();
    await llm.start();
    // Two calls that would otherwise take a minute are in flight when the plugin dies.
    const slow = [llm.completion({ model: 'slow:60000', messages }), llm.completion({ model: 'slow:60000', messages })];
    const crash = llm.completion({ model, messages });
    const results = await Promise.allSettled([crash, ...slow]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as PluginCrashedError;
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect(error.message).toMatch(reason);
      expect(error.provider).toBe('faulty');
    }
    expect(llm.running).toBe(false);

    const restarted = nextEvent(llm, 'plugin:restart');
    const res = await llm.completion({ model: 'ok', messages });
    expect(res.choices[0].message.content).toBe('ok');
    expect((await restarted).recentCrashes).toBe(1);
    expect(llm.stats()).toMatchObject({ starts: 2, crashes: 1, running: true });
  });

  it('mid-stream: the consumer gets the chunks sent before the crash, then PluginCrashedError', async () => {
    const llm = await client();
    const { chunks, error } = await drain(llm.completionStream({ model: 'then:5:throw', messages }));
    expect(textOf(chunks)).toBe('t0 t1 t2 t3 t4 ');
    expect(error).toBeInstanceOf(PluginCrashedError);
    const again = await drain(llm.completionStream({ model: 'stream:3', messages }));
    expect(again.error).toBeUndefined();
    expect(textOf(again.chunks)).toBe('c0 c1 c2 ');
  });

  it("leaves other plugins' streams untouched", async () => {
    const steady = await client();
    // Another memory cap makes another plugin (clients with the same settings share one).
    const crashing = await client({ memoryLimitMb: 300 });
    let crashed: Promise<unknown> | undefined;
    const result = await drain(steady.completionStream({ model: 'every:2:150', messages }), (_chunk, index) => {
      // Ten chunks in, the other plugin dies.
      if (index === 10) crashed = crashing.completion({ model: 'crash:exit', messages }).catch((e: unknown) => e);
    });
    expect(await crashed).toBeInstanceOf(PluginCrashedError);
    expect(result.error).toBeUndefined();
    expect(result.chunks).toHaveLength(151);
    expect(steady.stats().crashes).toBe(0);
  });
});

describe('a plugin in a child process', () => {
  it('killed with SIGKILL mid-stream: the stream fails with PluginCrashedError and the next call restarts it', async () => {
    const llm = await client({ isolation: 'process' });
    const whoami = async () => JSON.parse((await llm.completion({ model: 'whoami', messages })).choices[0].message.content ?? '{}') as { pid: number };
    const { pid } = await whoami();
    expect(pid).not.toBe(process.pid);
    const { chunks, error } = await drain(llm.completionStream({ model: 'every:5', messages }), (_chunk, index) => {
      if (index === 2) process.kill(pid, 'SIGKILL');
    });
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect((error as Error).message).toMatch(/SIGKILL/);
    const again = await whoami();
    expect(again.pid).not.toBe(pid);
    expect(llm.stats()).toMatchObject({ crashes: 1, starts: 2 });
  });
});

describe('the crash budget', () => {
  it('after maxCrashes crashes inside the window, calls fail with PluginUnavailableError until the window passes', async () => {
    const windowMs = 6_000;
    const llm = await client({ supervision: { maxCrashes: 3, crashWindowMs: windowMs } });
    for (let i = 0; i < 3; i++) {
      await expect(llm.completion({ model: 'crash:exit', messages })).rejects.toBeInstanceOf(PluginCrashedError);
    }
    let starts = 0;
    const off = llm.on('plugin:start', () => starts++);
    const refused = await llm.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PluginUnavailableError);
    expect((refused as PluginUnavailableError).code).toBe('crash_budget');
    expect((refused as Error).message).toMatch(/crashed 3 times/);
    // Streams are refused the same way, and nothing was launched for either.
    const stream = await drain(llm.completionStream({ model: 'stream:1', messages }));
    expect(stream.error).toBeInstanceOf(PluginUnavailableError);
    expect(starts).toBe(0);

    const { unavailableForMs, recentCrashes } = llm.stats();
    expect(recentCrashes).toBe(3);
    expect(unavailableForMs).toBeGreaterThan(0);
    expect(unavailableForMs).toBeLessThanOrEqual(windowMs);
    await new Promise((resolve) => setTimeout(resolve, unavailableForMs + 50));
    const res = await llm.completion({ model: 'ok', messages });
    expect(res.choices[0].message.content).toBe('ok');
    expect(starts).toBe(1);
    off();
  });
});
