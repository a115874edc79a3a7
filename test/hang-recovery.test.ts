// A plugin that does not acknowledge a cancel within the grace is hung: it is replaced at once, and
// the calls queued behind the hang (never started there) move to the replacement and succeed.
import { afterEach, describe, expect, it } from 'vitest';
import { PluginCrashedError, TimeoutError, type AnyLLM } from 'anyllm';
import { faulty, messages, nextEvent } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
async function client(options: Parameters<typeof faulty>[0] = {}): Promise<AnyLLM> {
  // The heartbeat would find the hang too, after 10 s: these tests show the cancel grace does first.
  const llm = await faulty({ supervision: { heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 60_000 }, ...options });
  open.push(llm);
  await llm.start(); // warm: no timeout below includes a cold start
  return llm;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe('a hung plugin', () => {
  it('is replaced when it does not acknowledge a timed-out call, and the call made right after it succeeds', async () => {
    const llm = await client();
    const starts: boolean[] = [];
    llm.on('plugin:start', (event) => starts.push(event.restart));
    const exit = nextEvent(llm, 'plugin:exit');
    const hung = await llm.completion({ model: 'crash:hang', messages }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(TimeoutError);
    // Sent to the hung plugin at once: it never starts there, so it moves to the replacement.
    const next = await llm.completion({ model: 'ok', messages });
    expect(next.choices[0].message.content).toBe('ok');
    const ended = await exit;
    expect(ended.cause).toBe('unresponsive');
    expect(ended.reason).toMatch(/did not acknowledge a cancel within 1000 ms/);
    expect(llm.stats()).toMatchObject({ starts: 2, crashes: 1 });
    // The replacement is the restart, though it started before the hung plugin's exit was seen.
    expect(starts).toEqual([true]);
  });

  it('moves every call queued behind the hang, and fails the ones it had started with PluginCrashedError', async () => {
    const llm = await client();
    const started = llm.completion({ model: 'slow:60000', messages }).catch((e: unknown) => e);
    // The slow call is running when the hang begins; the three after it queue behind the busy loop.
    const controller = new AbortController();
    const hung = llm.completion({ model: 'crash:hang', messages }, { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = [1, 2, 3].map(() => llm.completion({ model: 'ok', messages }));
    controller.abort();
    expect(await hung).toMatchObject({ name: 'AbortError' });
    const replies = await Promise.all(queued);
    expect(replies.map((r) => r.choices[0].message.content)).toEqual(['ok', 'ok', 'ok']);
    const error = (await started) as PluginCrashedError;
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect(error.code).toBe('unresponsive');
  });

  it('is left alone when it acknowledges the cancel (a live plugin with a slow provider)', async () => {
    const llm = await client();
    const exits: string[] = [];
    llm.on('plugin:exit', (event) => exits.push(event.cause));
    const slow = await llm.completion({ model: 'slow:60000', messages }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(TimeoutError);
    // Well past the grace: still the same plugin.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
    expect(exits).toEqual([]);
    expect(llm.stats().starts).toBe(1);
  });

  it('is not watched for acknowledgements with cancelGraceMs: 0 (the heartbeat still is)', async () => {
    const llm = await client({ supervision: { cancelGraceMs: 0, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 600 } });
    const exit = nextEvent(llm, 'plugin:exit');
    await llm.completion({ model: 'crash:hang', messages }, { timeoutMs: 200 }).catch(() => {});
    const ended = await exit;
    expect(ended.cause).toBe('unresponsive');
    expect(ended.reason).toMatch(/no heartbeat/);
  });
});
