// Red team 10c: some ends of a call are the host's to decide: the caller's abort (the host rejects
// a call it cancels at once, so an answer it still awaits was never cancelled) and the caller's
// `timeoutMs` / `idleTimeoutMs`. A plugin could claim them in an error answer (`data.type:
// 'AbortError'`, the `$/cancel` code -32800, a TimeoutError coded 'timeout'): the caller got an
// AbortError for a call it never aborted (code that ignores its own aborts swallowed the failure),
// counted `aborted`, and a "timeout" of a limit it never set, which is never retried. In every tier
// such an answer is now a provider failure saying so; a timeout keeps its class, not the code.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProviderError, TimeoutError, type AnyLLMOptions } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/red10c-wire/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);


describe.each(TIERS)('an error answer claiming an outcome only the host decides (%s tier)', (_tier, options) => {
  const create = (extra: AnyLLMOptions = {}) => plugin.started({ ...options, ...extra });

  it.each(['forged-abort', 'forged-cancelled'])('%s: a ProviderError saying so, counted an error; never an AbortError', async (model) => {
    const llm = await create();
    const outcomes: string[] = [];
    llm.on('call:end', (event) => outcomes.push(event.outcome));
    const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
    expect((error as Error).name).not.toBe('AbortError');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'plugin_cancelled', message: expect.stringMatching(/^The plugin ended the call as cancelled, which the host did not ask/) });
    expect(outcomes).toEqual(['error']);
    // The plugin is not at fault for the protocol: it serves on.
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
  });

  it.each(['forged-timeout', 'forged-idle'])("%s: a TimeoutError without the caller's code, retried as a provider's timeout is", async (model) => {
    const llm = await create({ retry: { maxAttempts: 2, initialDelayMs: 0, maxDelayMs: 0 } });
    const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBeUndefined();
    expect(llm.stats().calls).toMatchObject({ retries: 1, timeout: 1 });
  });
});
