/**
 * Red team 15: a community provider's answer reaches the caller as JSON.stringify writes it, in
 * every tier: an object of a class as its toJSON (a Buffer as `{ type, data }`), a BigInt as the
 * error answer the stdio tiers send. A worker's port cloned the answer: the class's own fields, and
 * the BigInt itself, reached the caller there alone.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProviderError } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const plugin = useRegisteredCopy(fileURLToPath(new URL('./fixtures/plugins/rt15-usage/', import.meta.url)));

const messages = [{ role: 'user' as const, content: 'x' }];

describe.each(TIERS)("a provider's answer holding what JSON writes otherwise (%s)", (_tier, options) => {
  it('objects of a class arrive as their toJSON', async () => {
    const llm = await plugin.started(options);
    const result = await llm.completion({ model: 'classes', messages });
    expect(result.system_fingerprint).toBe('fp_1');
    expect((result as { provider_data?: unknown }).provider_data).toEqual({ bytes: { type: 'Buffer', data: [1, 2] } });
  });

  it('a BigInt fails the call with the error answer saying so; the plugin serves on', async () => {
    const llm = await plugin.started(options);
    const error = await llm.completion({ model: 'bigint', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/The answer to 'completion' could not be sent: .*BigInt/);
    expect((await llm.completion({ model: 'ok', messages })).choices[0]?.message.content).toBe('ok');
  });
});
