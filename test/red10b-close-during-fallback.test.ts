// Red team (issue 10): a client that is closing makes no more fallback clients. A call whose
// fallback chain is still looking for its next step when close() runs (a step's client slow to
// make, then failing) must not make the next step's client after the close: nothing would close it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnyLLM, ProviderError, registerPlugin } from 'anyllm';
import { faultyDir, messages } from './support/faulty-plugin.js';

afterEach(() => vi.restoreAllMocks());

describe('close() while a fallback chain looks for its next step', () => {
  it('makes no fallback client after the close began, so none is left open', async () => {
    await registerPlugin(faultyDir);
    const llm = await AnyLLM.create('faulty', { isolation: 'worker', retry: false, supervision: { shutdownGraceMs: 50 } });
    const create = AnyLLM.create.bind(AnyLLM);
    const made: string[] = [];
    let slowStarted: () => void = () => {};
    const slow = new Promise<void>((resolve) => (slowStarted = resolve));
    vi.spyOn(AnyLLM, 'create').mockImplementation(async (provider, options) => {
      if (provider === 'groq') {
        slowStarted();
        // Outlasts the close's grace, then fails: the chain moves on to the next step.
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new ProviderError('groq could not be made', { provider: 'groq' });
      }
      made.push(provider);
      return create(provider, options);
    });
    const call = llm.completion({ model: 'status:503', messages }, { fallbacks: ['groq:llama', 'mistral:small'] }).catch((e: unknown) => e);
    await slow;
    await llm.close();
    expect(await call).toBeInstanceOf(Error);
    // Past the slow step's failure: had the chain gone on, the next client would be made now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(made).toEqual([]);
  });
});
