// Lifecycle and call events reach `llm.on()` listeners and `node:diagnostics_channel`; `llm.stats()`
// counts what happened.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { RateLimitError } from 'anyllm';
import { drain, faulty, messages, nextEvent } from './support/faulty-plugin.js';

type Recorded = { type: string; [key: string]: unknown };
const record = (into: Recorded[]) => (event: object) => into.push(event as Recorded);

describe('events', () => {
  it('report plugin start, ready, exit with its cause, and restart', async () => {
    const llm = await faulty();
    const seen: Recorded[] = [];
    for (const type of ['plugin:start', 'plugin:ready', 'plugin:exit', 'plugin:restart'] as const) {
      llm.on(type, record(seen));
    }
    await llm.completion({ model: 'ok', messages });
    await llm.completion({ model: 'crash:exit', messages }).catch(() => {});
    await llm.completion({ model: 'ok', messages });
    await llm.close();
    expect(seen.map((e) => `${e.type}${e.cause ? `(${String(e.cause)})` : ''}`)).toEqual([
      'plugin:start',
      'plugin:ready',
      'plugin:exit(crashed)',
      'plugin:start',
      'plugin:restart',
      'plugin:ready',
      'plugin:exit(closed)',
    ]);
    const ready = seen.find((e) => e.type === 'plugin:ready');
    expect(ready).toMatchObject({ provider: 'faulty', isolation: 'worker' });
    expect(ready?.startupMs).toBeGreaterThan(0);
    expect(seen.find((e) => e.cause === 'crashed')).toMatchObject({ reason: 'exited with code 3', code: 3, failedCalls: 1 });
  });

  it('report each call with its outcome, usage, latency, and for streams the chunks and time to first chunk', async () => {
    const llm = await faulty();
    const ends: Recorded[] = [];
    const starts: Recorded[] = [];
    llm.on('call:start', record(starts));
    const off = llm.on('call:end', record(ends));
    await llm.completion({ model: 'ok', messages });
    await drain(llm.completionStream({ model: 'stream:7', messages }));
    await expect(llm.completion({ model: 'status:429', messages })).rejects.toBeInstanceOf(RateLimitError);
    const controller = new AbortController();
    await drain(llm.completionStream({ model: 'every:5', messages }, { signal: controller.signal }), () => controller.abort());
    off();
    await llm.completion({ model: 'ok', messages }); // not seen: the listener is gone

    expect(starts.map((e) => e.model)).toEqual(['ok', 'stream:7', 'status:429', 'every:5', 'ok']);
    expect(ends).toHaveLength(4);
    const [completion, stream, failed, aborted] = ends;
    expect(completion).toMatchObject({ method: 'completion', outcome: 'ok', usage: { total_tokens: 2 }, chunks: undefined });
    expect(stream).toMatchObject({ method: 'completionStream', outcome: 'ok', chunks: 8, usage: { completion_tokens: 7 } });
    expect(stream.firstChunkMs).toBeGreaterThan(0);
    expect(stream.latencyMs).toBeGreaterThanOrEqual(stream.firstChunkMs as number);
    expect(failed).toMatchObject({ outcome: 'error', error: 'RateLimitError' });
    expect(aborted).toMatchObject({ outcome: 'aborted', error: 'AbortError', chunks: 1 });
    for (const end of ends) expect(end.callId).toBe(starts[ends.indexOf(end)].callId);

    expect(llm.stats()).toMatchObject({
      provider: 'faulty',
      running: true,
      inFlight: 0,
      calls: { started: 5, ok: 3, error: 1, aborted: 1, timeout: 0 },
      chunks: 9,
      usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 },
    });
    await llm.close();
  });

  it('go to node:diagnostics_channel as anyllm:<type>', async () => {
    const received: Recorded[] = [];
    const onEnd = (message: unknown) => received.push(message as Recorded);
    const onExit = (message: unknown) => received.push(message as Recorded);
    subscribe('anyllm:call:end', onEnd);
    subscribe('anyllm:plugin:exit', onExit);
    try {
      const llm = await faulty();
      const exit = nextEvent(llm, 'plugin:exit');
      await llm.completion({ model: 'ok', messages });
      await llm.close();
      await exit;
    } finally {
      unsubscribe('anyllm:call:end', onEnd);
      unsubscribe('anyllm:plugin:exit', onExit);
    }
    expect(received.map((e) => e.type)).toEqual(['call:end', 'plugin:exit']);
    expect(received[0]).toMatchObject({ provider: 'faulty', method: 'completion', outcome: 'ok' });
  });
});
