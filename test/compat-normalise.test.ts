// What OpenAI-compatible servers answer comes back in OpenAI's exact shape.
import { describe, expect, it } from 'vitest';
import {
  createStreamState,
  finishStream,
  normaliseChunk,
  normaliseCompletion,
  normaliseModels,
  type NormaliseOptions,
} from '../src/plugins/openai-normalise.js';
import { alphanumericId } from '../src/plugins/tool-call-ids.js';
import { StreamUsage } from '../src/protocol/usage.js';
import type { ChatCompletionChunk } from '../src/types.js';
import { accumulate } from './support/accumulate.js';
import { chunkLines } from './support/fixtures.js';

/** The normaliser, then the plugin runtime's usage step (serve.ts), as every stream goes. */
function normaliseAll(raw: unknown[], options: NormaliseOptions = {}): ChatCompletionChunk[] {
  const state = createStreamState();
  const usage = new StreamUsage();
  const out = raw.map((chunk) => normaliseChunk(structuredClone(chunk), state, options)).filter((c) => c !== undefined);
  const tail = finishStream(state);
  const all = (tail ? [...out, tail] : out).map((chunk) => usage.take(chunk)).filter((c) => c !== undefined);
  const last = usage.end();
  return last ? [...all, last] : all;
}

describe('normalising OpenAI-compatible chunks', () => {
  it('turns Mistral content-part arrays into reasoning and content strings', () => {
    const chunks = normaliseAll(chunkLines('vercel-ai/mistral-reasoning.chunks.txt'));
    expect(accumulate(chunks).reasoning).toBe('The user is asking for 2+2. This is basic arithmetic. 2+2=4.');
    expect(accumulate(chunks).content).toBe('2 + 2 = 4');
    for (const chunk of chunks) expect(typeof (chunk.choices[0]?.delta.content ?? '')).toBe('string');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 46 });
  });

  it("gives Mistral's index-less tool calls an index and a type", () => {
    const chunks = normaliseAll(chunkLines('vercel-ai/mistral-tool-call.chunks.txt'));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(accumulate(chunks).finishReason).toBe('tool_calls');
  });

  it("moves DeepSeek's reasoning_content to reasoning and drops the original field", () => {
    const chunks = normaliseAll(chunkLines('vercel-ai/deepseek-tool-call.chunks.txt'));
    expect(accumulate(chunks).reasoning).toMatch(/^The user is asking for the weather in/);
    expect(chunks.some((c) => 'reasoning_content' in (c.choices[0]?.delta ?? {}))).toBe(false);
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBe(39);
  });

  it("reads Groq's x_groq usage when the chunk has none", () => {
    const raw = chunkLines<Record<string, unknown>>('vercel-ai/groq-tool-call.chunks.txt').map(({ usage: _usage, ...rest }) => rest);
    const chunks = normaliseAll(raw);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 210, completion_tokens: 15, total_tokens: 225 });
  });

  it("drops Azure's empty prompt-filter chunk and keeps the rest", () => {
    const raw = chunkLines('vercel-ai/azure-model-router.1.chunks.txt');
    const chunks = normaliseAll(raw);
    expect(chunks).toHaveLength(raw.length - 1);
    expect(accumulate(chunks).content).toBe('Capital of Denmark.');
  });

  it('leaves OpenAI chunks as they are', () => {
    const raw = chunkLines('vercel-ai/openai-text.chunks.txt');
    expect(normaliseAll(raw)).toEqual(raw);
  });

  it('splits <think> tags only for providers that ask for it, and flushes held text at the end', () => {
    const raw = ['<thi', 'nk>hm</th', 'ink>ok <'].map((content) => ({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] }));
    const split = normaliseAll(raw, { thinkTags: true });
    expect([accumulate(split).reasoning, accumulate(split).content]).toEqual(['hm', 'ok <']);
    expect(accumulate(normaliseAll(raw)).content).toBe('<think>hm</think>ok <');
  });

  it('gives a tool call without an id one, and reports tool_calls when a server said stop', () => {
    const state = createStreamState();
    const chunk = normaliseChunk(
      { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'stop' }] },
      state,
    );
    expect(chunk?.choices[0].delta.tool_calls?.[0]).toMatchObject({ index: 0, type: 'function', id: expect.stringMatching(/^call_\w+/) });
    expect(chunk?.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('normalising OpenAI-compatible responses', () => {
  it('splits reasoning out of every spelling of it', () => {
    const body = (message: Record<string, unknown>) => ({ id: 'r', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }] });
    const reasoningOf = (message: Record<string, unknown>, options?: NormaliseOptions) => {
      const m = normaliseCompletion(body(message), options).choices[0].message;
      return [m.reasoning, m.content];
    };
    expect(reasoningOf({ content: '4', reasoning_content: 'add' })).toEqual(['add', '4']);
    expect(reasoningOf({ content: '4', reasoning: 'add' })).toEqual(['add', '4']);
    expect(reasoningOf({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'add' }] }, { type: 'text', text: '4' }] })).toEqual(['add', '4']);
    expect(reasoningOf({ content: '<think>add</think>\n4' }, { thinkTags: true })).toEqual(['add', '4']);
    expect(reasoningOf({ content: '<think>add</think>\n4' })).toEqual([undefined, '<think>add</think>\n4']);
  });
});

describe('normalising model lists', () => {
  it("reads OpenAI's list, Together's bare array and Azure's created_at", () => {
    expect(normaliseModels({ object: 'list', data: [{ id: 'a', object: 'model', created: 5, owned_by: 'me' }] }, 'p')).toEqual([
      { id: 'a', object: 'model', created: 5, owned_by: 'me' },
    ]);
    expect(normaliseModels([{ id: 'b', created: 6, organization: 'Meta', type: 'chat' }], 'together')).toEqual([
      { id: 'b', object: 'model', created: 6, owned_by: 'Meta' },
    ]);
    expect(normaliseModels({ data: [{ id: 'c', created_at: 1700000000, status: 'succeeded' }] }, 'azureopenai')).toEqual([
      { id: 'c', object: 'model', created: 1700000000, owned_by: 'azureopenai' },
    ]);
  });
});

describe('tool-call ids for strict providers', () => {
  it('keeps a valid nine-character id and maps any other to a stable one', () => {
    expect(alphanumericId('gSIMJiOkT', 9)).toBe('gSIMJiOkT');
    const mapped = alphanumericId('call_abc123xyz', 9);
    expect(mapped).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(alphanumericId('call_abc123xyz', 9)).toBe(mapped);
    expect(alphanumericId('call_abc123xyw', 9)).not.toBe(mapped);
  });
});

describe("normalised answers match openai-node's result types", () => {
  it('a completion gets refusal: null, logprobs: null, a finish reason, and loses null usage details, null fingerprint and foreign tiers', () => {
    const out = normaliseCompletion({
      id: 'x', created: 1, model: 'm', system_fingerprint: null, service_tier: 'on_demand',
      choices: [{ message: { content: 'hi' } }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: null, completion_tokens_details: null },
    });
    expect(out).toEqual({
      id: 'x', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });

  it('keeps OpenAI tiers, drops a null usage, and completes logprobs (refusal, top_logprobs)', () => {
    const out = normaliseCompletion({
      id: 'x', created: 1, model: 'm', service_tier: 'default', usage: null,
      choices: [{ index: 0, message: { role: 'assistant', content: 'a', refusal: null }, finish_reason: 'stop', logprobs: { content: [{ token: 'a', logprob: -1, bytes: null }] } }],
    });
    expect(out.service_tier).toBe('default');
    expect('usage' in out).toBe(false);
    expect(out.choices[0].logprobs).toEqual({ content: [{ token: 'a', logprob: -1, bytes: null, top_logprobs: [] }], refusal: null });
  });

  it('a chunk loses a null fingerprint and a foreign tier', () => {
    const chunk = normaliseChunk(
      { id: 'x', created: 1, model: 'm', system_fingerprint: null, service_tier: 'on_demand', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] },
      createStreamState(),
    );
    expect(chunk && 'system_fingerprint' in chunk).toBe(false);
    expect(chunk && 'service_tier' in chunk).toBe(false);
  });
});
