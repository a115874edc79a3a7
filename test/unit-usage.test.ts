// The usage normalisation step every plugin's results and streams pass through (protocol/usage.ts):
// totals that add up, reasoning inside completion tokens, and usage once, on a final chunk with
// empty choices.
import { describe, expect, it } from 'vitest';
import { normaliseUsage, StreamUsage } from 'anyllm/internal/protocol/usage.js';
import type { ChatCompletionChunk, CompletionUsage } from 'anyllm';

function chunk(fields: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }], ...fields };
}

/** Runs chunks through the step as serve.ts does. */
function run(chunks: ChatCompletionChunk[]): ChatCompletionChunk[] {
  const step = new StreamUsage();
  const out = chunks.map((c) => step.take(c)).filter((c): c is ChatCompletionChunk => c !== undefined);
  const last = step.end();
  return last ? [...out, last] : out;
}

describe('normaliseUsage', () => {
  it("adds xAI's reasoning tokens to completion_tokens, which its total already counts (291 + 26 + 189 = 506)", () => {
    const usage = normaliseUsage({ prompt_tokens: 291, completion_tokens: 26, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } });
    expect(usage).toEqual({ prompt_tokens: 291, completion_tokens: 215, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } });
  });

  it('adds reasoning counted beside fewer completion tokens when only that makes the total add up', () => {
    expect(normaliseUsage({ prompt_tokens: 10, completion_tokens: 50, total_tokens: 80, completion_tokens_details: { reasoning_tokens: 20 } })).toMatchObject({
      completion_tokens: 70,
      total_tokens: 80,
    });
    // The total adds up without it: the reasoning is already inside.
    expect(normaliseUsage({ prompt_tokens: 10, completion_tokens: 50, total_tokens: 60, completion_tokens_details: { reasoning_tokens: 20 } })).toMatchObject({
      completion_tokens: 50,
      total_tokens: 60,
    });
    // Neither sum: the totals are recomputed, the reasoning left inside.
    expect(normaliseUsage({ prompt_tokens: 10, completion_tokens: 50, total_tokens: 40, completion_tokens_details: { reasoning_tokens: 20 } })).toMatchObject({
      completion_tokens: 50,
      total_tokens: 60,
    });
  });

  it('adds reasoning that outnumbers the completion tokens, whatever the total says', () => {
    expect(normaliseUsage({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, completion_tokens_details: { reasoning_tokens: 4 } })).toMatchObject({
      completion_tokens: 7,
      total_tokens: 12,
    });
  });

  it('leaves reasoning already inside completion_tokens as it is (OpenAI, Gemini, DeepSeek)', () => {
    const openai = { prompt_tokens: 7, completion_tokens: 87, total_tokens: 94, completion_tokens_details: { reasoning_tokens: 64 } };
    expect(normaliseUsage({ ...openai })).toEqual(openai);
    // Equal counts: every completion token was reasoning.
    const allReasoning = { prompt_tokens: 17, completion_tokens: 19, total_tokens: 36, completion_tokens_details: { reasoning_tokens: 19 } };
    expect(normaliseUsage({ ...allReasoning })).toEqual(allReasoning);
  });

  it('makes total_tokens the sum of prompt and completion tokens', () => {
    expect(normaliseUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 99 })).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(normaliseUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 0 }).total_tokens).toBe(15);
    // No reasoning count: nothing is added whatever the total.
    expect(normaliseUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, completion_tokens_details: {} })).toMatchObject({ completion_tokens: 2, total_tokens: 3 });
    // Reasoning 0 and a total one past the sum: no reasoning to add.
    expect(normaliseUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, completion_tokens_details: { reasoning_tokens: 0 } }).completion_tokens).toBe(2);
  });

  it('keeps cache details as they are (inside prompt_tokens)', () => {
    const details = { cached_tokens: 1111, cache_write_tokens: 418 };
    expect(normaliseUsage({ prompt_tokens: 1532, completion_tokens: 33, total_tokens: 1565, prompt_tokens_details: details }).prompt_tokens_details).toEqual(details);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a string prompt count', { prompt_tokens: '5', completion_tokens: 1, total_tokens: 6 }],
    ['a negative completion count', { prompt_tokens: 5, completion_tokens: -1, total_tokens: 10 }],
    ['a missing total', { prompt_tokens: 5, completion_tokens: 1 }],
    ['an infinite total', { prompt_tokens: 5, completion_tokens: 1, total_tokens: Number.POSITIVE_INFINITY }],
    ['a non-number reasoning count', { prompt_tokens: 5, completion_tokens: 1, total_tokens: 9, completion_tokens_details: { reasoning_tokens: '3' } }],
  ])('leaves a usage with %s unchanged, for the host shape check to name', (_what, usage) => {
    const copy = structuredClone(usage);
    expect(normaliseUsage(usage as unknown as CompletionUsage)).toEqual(copy);
  });
});

describe('StreamUsage: usage once, on a final chunk with empty choices', () => {
  const usage = { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 };

  it('passes chunks without usage, and an OpenAI stream, unchanged', () => {
    const stream = [chunk({ usage: null }), chunk({ usage: null, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), chunk({ choices: [], usage: { ...usage } })];
    expect(run(structuredClone(stream))).toEqual(stream);
    const plain = [chunk(), chunk()];
    expect(run(plain)).toEqual(plain);
    expect(run(plain)[0]).toBe(plain[0]);
  });

  it('moves usage off the finish chunk (DeepSeek, Groq, Mistral) to a final chunk with the stream id, model and time', () => {
    const finish = chunk({ id: 'fin', model: 'deepseek-reasoner', created: 9, system_fingerprint: 'fp', service_tier: 'default', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { ...usage } });
    const out = run([chunk(), finish]);
    expect(out).toHaveLength(3);
    expect(out[1]).not.toHaveProperty('usage');
    expect(out[1].choices).toEqual(finish.choices);
    expect(out[2]).toEqual({ id: 'fin', object: 'chat.completion.chunk', created: 9, model: 'deepseek-reasoner', system_fingerprint: 'fp', service_tier: 'default', choices: [], usage });
  });

  it('leaves the fingerprint and tier off the final chunk when the stream had none', () => {
    const out = run([chunk({ usage: { ...usage } })]);
    expect(out[1]).toEqual({ id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices: [], usage });
    expect(Object.keys(out[1])).not.toContain('system_fingerprint');
    expect(Object.keys(out[1])).not.toContain('service_tier');
  });

  it("keeps only the last of Perplexity's running usages, once, at the end", () => {
    const running = [1, 3, 434].map((n) => chunk({ usage: { prompt_tokens: 11, completion_tokens: n, total_tokens: 11 + n } }));
    const out = run(running);
    expect(out.filter((c) => c.usage)).toEqual([{ id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices: [], usage: { prompt_tokens: 11, completion_tokens: 434, total_tokens: 445 } }]);
    expect(out).toHaveLength(4);
  });

  it("holds a usage-only chunk until the end, keeping the provider's own fields, and normalises its usage", () => {
    const usageOnly = chunk({ id: 'u', choices: [], usage: { prompt_tokens: 291, completion_tokens: 26, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } } });
    const late = chunk({ id: 'late' });
    const out = run([usageOnly, late]);
    expect(out.map((c) => c.id)).toEqual(['late', 'u']);
    expect(out[1].usage).toMatchObject({ completion_tokens: 215, total_tokens: 506 });
    // Of two usage-only chunks, the last is kept.
    const twice = run([chunk({ id: 'a', choices: [], usage: { ...usage } }), chunk({ id: 'b', choices: [], usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 } })]);
    expect(twice).toEqual([{ ...chunk({ id: 'b' }), choices: [], usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 } }]);
  });

  it('prefers a usage-only chunk over a later usage on a chunk with choices as the template, and the later usage', () => {
    const out = run([chunk({ id: 'u', choices: [], usage: { ...usage } }), chunk({ id: 'x', usage: { prompt_tokens: 2, completion_tokens: 9, total_tokens: 11 } })]);
    expect(out.map((c) => c.id)).toEqual(['x', 'u']);
    expect(out[1].usage).toEqual({ prompt_tokens: 2, completion_tokens: 9, total_tokens: 11 });
  });

  it('sends no usage chunk when no usage came (include_usage: false)', () => {
    expect(run([chunk(), chunk({ usage: null })])).toHaveLength(2);
    expect(new StreamUsage().end()).toBeUndefined();
  });

  it('passes a malformed chunk or usage on unchanged, for the host shape check to name', () => {
    const step = new StreamUsage();
    const bad = { choices: null } as unknown as ChatCompletionChunk;
    expect(step.take(bad)).toBe(bad);
    expect(step.take(null as unknown as ChatCompletionChunk)).toBeNull();
    expect(step.take(undefined as unknown as ChatCompletionChunk)).toBeUndefined();
    const oddUsage = chunk({ usage: 'many' as unknown as CompletionUsage });
    expect(step.take(oddUsage)).toBe(oddUsage);
    expect(step.end()).toBeUndefined();
  });
});
