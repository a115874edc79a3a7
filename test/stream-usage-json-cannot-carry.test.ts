/**
 * Red team 15: a stream whose usage JSON cannot carry (a BigInt token count, a usage that refers to
 * itself) fails that stream with the ProviderError an unsendable chunk gets (`unserialisable_chunk`),
 * after the chunks before it, in every tier; the plugin goes on serving the streams beside it.
 * Before, the batch that left on the next turn carried the usage to the host's accounting: over stdio
 * its JSON threw from that timer, which ended the plugin process and every call in it (a
 * PluginCrashedError, the chunks before lost); over a worker's port the BigInt reached the host.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProviderError, type PluginExitEvent } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const plugin = useRegisteredCopy(fileURLToPath(new URL('./fixtures/plugins/rt15-usage/', import.meta.url)));

const messages = [{ role: 'user' as const, content: 'x' }];

describe.each(TIERS)('a stream whose usage JSON cannot carry (%s)', (_tier, options) => {
  it.each(['bigint', 'cycle'])('%s: the stream fails with unserialisable_chunk after its chunks; the plugin serves on', async (model) => {
    const llm = await plugin.started(options);
    const exits: PluginExitEvent[] = [];
    llm.on('plugin:exit', (event) => exits.push(event));
    const read = async (name: string) => {
      const texts: unknown[] = [];
      try {
        for await (const chunk of llm.completionStream({ model: name, messages })) texts.push(chunk.choices[0]?.delta.content ?? chunk.usage);
        return { texts, error: undefined };
      } catch (error) {
        return { texts, error };
      }
    };
    // The stream beside it is in flight (it waits on its "socket") when the other's batch leaves.
    const [broken, beside] = await Promise.all([read(model), read('ok')]);
    expect(broken.error).toBeInstanceOf(ProviderError);
    expect(broken.error).toMatchObject({ code: 'unserialisable_chunk' });
    expect(broken.texts).toEqual(['a']);
    expect(beside).toEqual({ texts: ['a', { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }], error: undefined });
    expect(exits).toEqual([]);
  });
});
