// Red team (issue 10): the caller's `timeoutMs` bounds the whole call, fallback chain included.
// When it runs out during a fallback step the call failed by the caller's limit, not because
// "every provider in the chain failed" (the later steps were never tried): it ends as a
// TimeoutError, reported with the outcome 'timeout', as an abort stays an AbortError.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, FallbackError, registerPlugin, TimeoutError } from 'anyllm';
import { faultyDir, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
beforeAll(async () => {
  await registerPlugin(faultyDir);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe("the caller's timeout during a fallback step", () => {
  it('ends the call as a TimeoutError, not a FallbackError', async () => {
    const llm = await AnyLLM.create('faulty', { isolation: 'worker', retry: false });
    open.push(llm);
    await llm.start(); // warm: the timeout below never includes a cold start
    const outcomes: string[] = [];
    llm.on('call:end', (event) => outcomes.push(event.outcome));
    const error = await llm
      .completion({ model: 'status:503', messages }, { timeoutMs: 800, fallbacks: ['faulty:slow:60000', 'faulty:ok'] })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(FallbackError);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('timeout');
    expect(outcomes).toEqual(['timeout']);
    expect(llm.stats().calls).toMatchObject({ timeout: 1, error: 0 });
  });
});
