// Red team (issue 10): a call's `idleTimeoutMs` is about silence from the provider, not about the
// host's own waits. A retry's backoff (or a provider's retry-after), and the restart of a crashed
// plugin before the retry, must not end the call as an idle timeout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyLLM } from 'anyllm';
import { faulty, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
const markers = mkdtempSync(join(tmpdir(), 'anyllm-red10-'));
let markerCount = 0;
const marker = () => encodeURIComponent(join(markers, `m${markerCount++}`));
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe("a call's idle timeout", () => {
  it("does not run while the host waits before a retry", async () => {
    // The first attempt fails at once with a 503; the host waits 1.5 s, longer than the idle timeout.
    const llm = await faulty({ retry: { maxAttempts: 2, initialDelayMs: 1_500, jitter: 0 } });
    open.push(llm);
    await llm.start();
    const retries: number[] = [];
    llm.on('call:retry', (event) => retries.push(event.delayMs));
    const res = await llm.completion({ model: `once:${marker()}:status:503`, messages }, { idleTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(retries).toEqual([1_500]);
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
  });

  it('does not count the restart of a crashed plugin before the retry', async () => {
    // The replacement's cold start is slow (its SDK client takes 1.5 s to open), longer than the idle timeout.
    const llm = await faulty({ retry: { maxAttempts: 2, initialDelayMs: 1, jitter: 0 }, startDelayMs: 1_500 } as never);
    open.push(llm);
    await llm.start();
    const res = await llm.completion({ model: `once:${marker()}:exit`, messages }, { idleTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(llm.stats()).toMatchObject({ starts: 2, crashes: 1 });
  });
});

describe('a call moved off a hung plugin', () => {
  it("does not count the replacement's cold start against its idle timeout", async () => {
    const supervision = { heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 60_000 };
    const hanging = await faulty({ supervision });
    // The second client's SDK client takes 1.5 s to open: on the replacement too.
    const queued = await faulty({ supervision, startDelayMs: 1_500 } as never);
    open.push(hanging, queued);
    await hanging.start();
    await queued.start();
    const hung = hanging.completion({ model: 'crash:hang', messages }, { timeoutMs: 300 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Sent to the busy-looping plugin, never started there: it moves once the hang is declared.
    const res = await queued.completion({ model: 'ok', messages }, { idleTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(await hung).toMatchObject({ name: 'TimeoutError' });
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
  });
});
