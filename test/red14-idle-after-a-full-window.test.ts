/**
 * Red team 14: `idleTimeoutMs` is paused while the stream's window is full (the host holds the plugin
 * back, the provider is not silent). Once the consumer read and the host granted credit, the pause
 * must end: a provider that stalls after filling the window had the call wait for ever, its idle
 * timeout never firing, in every tier.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const plugin = useRegisteredCopy(fileURLToPath(new URL('./fixtures/plugins/red14-stream-end/', import.meta.url)));

describe.each(TIERS)('a stream whose provider stalls once it filled the window (%s)', (_tier, options) => {
  it('fails with idle_timeout after the consumer read the window, not never', async () => {
    const llm = await plugin.started({ ...options, supervision: { streamWindow: 4 } });
    const stream = llm.completionStream({ model: 'then-silent:4', messages: [{ role: 'user', content: 'hi' }] }, { idleTimeoutMs: 300 });
    const texts: unknown[] = [];
    const outcome = await Promise.race([
      (async () => {
        try {
          for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content);
          return 'ended';
        } catch (error) {
          return error;
        }
      })(),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000).unref()),
    ]);
    expect(texts).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect((outcome as TimeoutError).code).toBe('idle_timeout');
    await stream.return();
  }, 30_000);
});
