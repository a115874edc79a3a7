// A stream cut short still cost tokens: its call:end carries the usage received so far, or an
// estimate marked as one, so spend tracking does not lose the calls a user cancelled. In every tier:
// the running usage travels beside the chunks (`$/chunks.usage`), through the sandbox's guard too.
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyLLM, CallEndEvent, Isolation } from 'anyllm';
import { drain, faulty, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

async function client(isolation: Isolation): Promise<{ llm: AnyLLM; ends: CallEndEvent[] }> {
  const llm = await faulty({ isolation });
  open.push(llm);
  const ends: CallEndEvent[] = [];
  llm.on('call:end', (event) => ends.push(event));
  return { llm, ends };
}

describe.each(['worker', 'process', 'sandbox'] as const)('usage of a stream that did not finish (%s tier)', (isolation) => {
  it('is estimated when the provider sent none yet, and marked as an estimate', async () => {
    const { llm, ends } = await client(isolation);
    const prompt = [{ role: 'user' as const, content: 'x'.repeat(400) }];
    // Three chunks of 'eN ' (3 characters each), then the consumer stops.
    await drain(llm.completionStream({ model: 'every:20', messages: prompt }), async (_chunk, index) => {
      if (index === 2) throw new Error('enough');
    });
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', usageEstimated: true, chunks: 3 });
    expect(ends[0].usage).toEqual({ prompt_tokens: 100, completion_tokens: 3, total_tokens: 103 });
  });

  it("is the provider's own when it had sent some (a running usage), and not marked", async () => {
    const { llm, ends } = await client(isolation);
    const controller = new AbortController();
    await drain(llm.completionStream({ model: 'runstall:4', messages }, { signal: controller.signal }), (_chunk, index) => {
      if (index === 3) controller.abort();
    });
    expect(ends[0]).toMatchObject({ outcome: 'aborted', usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } });
    expect(ends[0].usageEstimated).toBeUndefined();
  });

  it('is estimated for a stream that failed (a crash mid-way)', async () => {
    const { llm, ends } = await client(isolation);
    await drain(llm.completionStream({ model: 'then:4:exit', messages }));
    expect(ends[0]).toMatchObject({ outcome: 'error', error: 'PluginCrashedError', usageEstimated: true });
    expect(ends[0].usage?.completion_tokens).toBe(3); // 't0 t1 t2 t3 ': 12 characters
  });

  it('is left out of a completed call, which has the real one', async () => {
    const { llm, ends } = await client(isolation);
    await drain(llm.completionStream({ model: 'stream:3', messages }));
    expect(ends[0]).toMatchObject({ outcome: 'ok', usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } });
    expect(ends[0].usageEstimated).toBeUndefined();
  });
});
