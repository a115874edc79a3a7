// The author kit is the whole kit: a built-in provider imports from the project only what
// `anyllm/plugin` exports (its entry module), so a community plugin can do all a built-in does.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import AnthropicProvider from '../plugins/anthropic/index.js';
import type { StreamState as AnthropicStreamState } from '../plugins/anthropic/convert-stream.js';
import type { AnthropicStreamEvent } from '../plugins/anthropic/wire-types.js';
import CohereProvider from '../plugins/cohere/index.js';
import type { StreamState as CohereStreamState } from '../plugins/cohere/convert-stream.js';
import type { CohereRequest, CohereResponse, CohereStreamEvent } from '../plugins/cohere/wire-types.js';
import { chatEvents } from './support/cohere-wire.js';

const root = new URL('../', import.meta.url);
const KIT = '../../src/plugins/index.js';

/** Every import and re-export of every module of every built-in provider. */
function pluginImports(): { file: string; specifier: string; names: string[]; typeOnly: boolean }[] {
  const out: { file: string; specifier: string; names: string[]; typeOnly: boolean }[] = [];
  for (const entry of readdirSync(new URL('plugins/', root), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = `${entry.parentPath}/${entry.name}`;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:\{([^}]*)\}|[\w*\s]+?)\s+from\s+'([^']+)'/gm)) {
      const names = (match[2] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
      out.push({ file: file.slice(new URL('plugins/', root).pathname.length), specifier: match[3], names, typeOnly: match[1] !== undefined });
    }
    for (const match of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) out.push({ file: entry.name, specifier: match[1], names: [], typeOnly: false });
  }
  return out;
}

describe('the plugin author kit', () => {
  it("built-in providers reach into the project only through anyllm/plugin's entry", () => {
    const outside = pluginImports().filter(({ specifier }) => specifier.startsWith('../../') && specifier !== KIT);
    expect(outside).toEqual([]);
  });

  it('built-ins import other modules only from their own folder, another built-in, or an npm package', () => {
    for (const { file, specifier } of pluginImports()) {
      if (specifier === KIT || !specifier.startsWith('.')) continue;
      expect(/^\.\/[\w-]+\.js$|^\.\.\/[\w-]+\/[\w-]+\.js$/.test(specifier), `${file}: ${specifier}`).toBe(true);
    }
  });

  it("every value a built-in takes from the kit is exported by the published 'anyllm/plugin'", async () => {
    const kit = (await import('anyllm/plugin')) as Record<string, unknown>;
    const values = new Set(
      pluginImports()
        .filter(({ specifier, typeOnly }) => specifier === KIT && !typeOnly)
        .flatMap(({ names }) => names.filter((name) => !name.startsWith('type ')).map((name) => name.split(/\s+as\s+/)[0])),
    );
    expect(values.size).toBeGreaterThan(10);
    const missing = [...values].filter((name) => kit[name] === undefined);
    expect(missing).toEqual([]);
  });

  it("types the conversion hooks over the provider's own request, response, event and stream state", () => {
    expectTypeOf<ReturnType<CohereProvider['convertCompletionParams']>>().toEqualTypeOf<CohereRequest>();
    expectTypeOf<Parameters<CohereProvider['convertCompletionResponse']>[0]>().toEqualTypeOf<CohereResponse>();
    expectTypeOf<Parameters<CohereProvider['convertCompletionChunkResponse']>>().toEqualTypeOf<[CohereStreamEvent, CohereStreamState]>();
    expectTypeOf<Parameters<AnthropicProvider['convertCompletionChunkResponse']>>().toEqualTypeOf<[AnthropicStreamEvent, AnthropicStreamState]>();
    // The hooks alone convert a whole stream: the state comes from createStreamState, not an untyped bag.
    const provider = new CohereProvider();
    const state = provider.createStreamState({ model: 'command-a-03-2025', messages: [] });
    const events = chatEvents({ text: 'Hello there', finishReason: 'COMPLETE', usage: { input: 2, output: 3 } }) as CohereStreamEvent[];
    const chunks = events.flatMap((event) => provider.convertCompletionChunkResponse(event, state));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello there');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }, model: 'command-a-03-2025' });
  });
});
