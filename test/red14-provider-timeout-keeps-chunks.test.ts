/**
 * Red team 14: a stream that fails while chunks wait unread in the host keeps them, unless the
 * failure is the caller's own abort or timeout. A provider's own timeout (an SDK's request timeout,
 * a TimeoutError the plugin raised) is the provider's failure, not the caller's: it dropped the
 * chunks the host held, as every failure did before, in every tier.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError, TimeoutError, type CallEndEvent } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const plugin = useRegisteredCopy(fileURLToPath(new URL('./fixtures/plugins/red14-stream-end/', import.meta.url)));

/** Reads one chunk, waits until the call has ended in the host, then reads the rest. */
async function readAfterFailure(llm: AnyLLM, model: string) {
  const ended = new Promise<CallEndEvent>((resolve) => llm.on('call:end', resolve));
  const stream = llm.completionStream({ model, messages: [{ role: 'user', content: 'hi' }] });
  const texts: unknown[] = [(await stream.next()).value?.choices[0]?.delta.content];
  const end = await ended;
  let error: unknown;
  try {
    for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content);
  } catch (e) {
    error = e;
  }
  return { texts, error, end };
}

describe.each(TIERS)('a stream failing with chunks unread (%s)', (_tier, options) => {
  it("a provider's own timeout comes after the chunks the host holds, as its other errors do", async () => {
    const llm = await plugin.started(options);
    const { texts, error, end } = await readAfterFailure(llm, 'sdk-timeout:4');
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBeUndefined();
    expect(texts).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(end).toMatchObject({ chunks: 4 });
  });

  it("a provider's error comes after them too (the control)", async () => {
    const llm = await plugin.started(options);
    const { texts, error, end } = await readAfterFailure(llm, 'provider-error:4');
    expect(error).toBeInstanceOf(ProviderError);
    expect(texts).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(end).toMatchObject({ outcome: 'error', chunks: 4 });
  });
});
