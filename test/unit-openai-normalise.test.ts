/**
 * The OpenAI-compatible normaliser (src/plugins/openai-normalise.ts), one rule at a time on small
 * hand-written chunks and responses: usage (and Groq's x_groq usage), every reasoning spelling,
 * Mistral's content arrays and index-less tool calls, `<think>` tags, finish reasons, logprobs,
 * top-level fields and model lists. Each rule both ways: what it changes and what it leaves alone.
 */
import { describe, expect, it } from 'vitest';
import {
  createStreamState,
  finishStream,
  normaliseChunk,
  normaliseCompletion,
  normaliseModels,
  type NormaliseOptions,
  type StreamState,
} from 'anyllm/internal/plugins/openai-normalise.js';

type Json = Record<string, unknown>;
const CALL_ID = /^call_[0-9a-f]{24}$/;

const chunkOf = (choices: unknown, extra: Json = {}): Json => ({ id: 'c1', created: 7, model: 'm', choices, ...extra });
const deltaChunk = (delta: unknown, finish_reason: unknown = null, extra: Json = {}) => chunkOf([{ index: 0, delta, finish_reason }], extra);
const one = (raw: Json, options?: NormaliseOptions, state: StreamState = createStreamState()) => normaliseChunk(raw, state, options) as unknown as Json;
const firstChoice = (chunk: Json) => (chunk.choices as Json[])[0];
const deltaOf = (chunk: Json) => firstChoice(chunk).delta as Json;
const completion = (message: unknown, choice: Json = {}, extra: Json = {}) =>
  normaliseCompletion({ id: 'r', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: 'stop', ...choice }], ...extra }) as unknown as Json;
const messageOf = (response: Json) => (response.choices as Json[])[0].message as Json;

describe('finish reasons', () => {
  const cases: [string, string][] = [
    ['stop', 'stop'], ['length', 'length'], ['tool_calls', 'tool_calls'], ['content_filter', 'content_filter'],
    ['function_call', 'function_call'], ['model_length', 'length'], ['max_tokens', 'length'], ['eos', 'stop'],
    ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['tool_call', 'tool_calls'], ['tool_use', 'tool_calls'],
    ['something_new', 'stop'],
  ];
  it.each(cases)('a chunk finishing with %s reports %s', (sent, reported) => {
    expect(firstChoice(one(deltaChunk({}, sent))).finish_reason).toBe(reported);
  });
  it.each(cases)('a response finishing with %s reports %s', (sent, reported) => {
    expect((completion({ content: 'a' }, { finish_reason: sent }).choices as Json[])[0].finish_reason).toBe(reported);
  });

  it('a chunk without a finish reason reports null; a response without one reports stop', () => {
    expect(firstChoice(one(deltaChunk({ content: 'a' }, undefined))).finish_reason).toBeNull();
    expect(firstChoice(one(deltaChunk({ content: 'a' }, null))).finish_reason).toBeNull();
    expect((completion({ content: 'a' }, { finish_reason: null }).choices as Json[])[0].finish_reason).toBe('stop');
    expect((completion({ content: 'a' }, { finish_reason: undefined }).choices as Json[])[0].finish_reason).toBe('stop');
  });

  it('a response with tool calls and no finish reason reports tool_calls (OpenAI code looks for it)', () => {
    const call = { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect((completion({ content: null, tool_calls: [call] }, { finish_reason: null }).choices as Json[])[0].finish_reason).toBe('tool_calls');
  });

  it('stop after a streamed tool call becomes tool_calls, in the same chunk or a later one; length stays length', () => {
    const call = { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(firstChoice(one(deltaChunk({ tool_calls: [call] }, 'stop'))).finish_reason).toBe('tool_calls');
    const state = createStreamState();
    one(deltaChunk({ tool_calls: [call] }), {}, state);
    expect(firstChoice(one(deltaChunk({}, 'eos'), {}, state)).finish_reason).toBe('tool_calls');
    const other = createStreamState();
    one(deltaChunk({ tool_calls: [call] }), {}, other);
    expect(firstChoice(one(deltaChunk({}, 'length'), {}, other)).finish_reason).toBe('length');
  });

  it('an empty tool_calls array is not a tool call: stop stays stop', () => {
    expect(firstChoice(one(deltaChunk({ tool_calls: [] }, 'stop'))).finish_reason).toBe('stop');
  });

  it('a tool call in one choice does not turn another choice\'s stop into tool_calls', () => {
    const state = createStreamState();
    one(chunkOf([{ index: 1, delta: { tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '' } }] }, finish_reason: null }]), {}, state);
    expect(firstChoice(one(chunkOf([{ index: 0, delta: {}, finish_reason: 'stop' }]), {}, state)).finish_reason).toBe('stop');
  });

  it('a response with tool calls and stop reports tool_calls; without tool calls stop', () => {
    const calls = [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }];
    expect((completion({ content: null, tool_calls: calls }).choices as Json[])[0].finish_reason).toBe('tool_calls');
    expect((completion({ content: null, tool_calls: [] }).choices as Json[])[0].finish_reason).toBe('stop');
  });
});

describe('reasoning, in every spelling', () => {
  it('reasoning_content moves to reasoning and the original field is gone', () => {
    expect(deltaOf(one(deltaChunk({ reasoning_content: 'think' })))).toEqual({ reasoning: 'think' });
    expect(messageOf(completion({ content: '4', reasoning_content: 'add' }))).toEqual({ role: 'assistant', content: '4', reasoning: 'add', refusal: null });
  });

  it('a non-string or empty reasoning_content is dropped, and no reasoning appears', () => {
    expect(deltaOf(one(deltaChunk({ content: 'a', reasoning_content: null })))).toEqual({ content: 'a' });
    expect(deltaOf(one(deltaChunk({ content: 'a', reasoning_content: '' })))).toEqual({ content: 'a' });
  });

  it('OpenRouter and Ollama reasoning stays; an empty or non-string reasoning is dropped', () => {
    expect(deltaOf(one(deltaChunk({ reasoning: 'r' })))).toEqual({ reasoning: 'r' });
    expect(deltaOf(one(deltaChunk({ content: 'a', reasoning: '' })))).toEqual({ content: 'a' });
    expect(deltaOf(one(deltaChunk({ content: 'a', reasoning: null })))).toEqual({ content: 'a' });
    expect(deltaOf(one(deltaChunk({ content: 'a', reasoning: 5 })))).toEqual({ content: 'a' });
  });

  it('every spelling at once joins in order: reasoning, then thinking parts, then reasoning_content', () => {
    const delta = deltaOf(one(deltaChunk({ reasoning: 'A', content: [{ type: 'thinking', thinking: 'B' }], reasoning_content: 'C' })));
    expect(delta).toEqual({ reasoning: 'ABC', content: '' });
  });
});

describe("Mistral's content-part arrays", () => {
  it('text parts join into the content, thinking parts (string or text-part array) into reasoning', () => {
    const content = [
      { type: 'thinking', thinking: [{ type: 'text', text: 'one ' }, { type: 'other', text: 'no' }, { type: 'text', text: 'two' }] },
      { type: 'text', text: 'Hel' },
      { type: 'thinking', thinking: ' three' },
      { type: 'text', text: 'lo' },
    ];
    expect(deltaOf(one(deltaChunk({ content })))).toEqual({ content: 'Hello', reasoning: 'one two three' });
  });

  it('skips parts that are not objects, text parts without string text, unknown types and odd thinking', () => {
    const content = [null, 'loose', 3, { type: 'text', text: 5 }, { type: 'text' }, { type: 'image_url', text: 'x' }, { type: 'image_url', thinking: 'not reasoning' }, { type: 'thinking', thinking: 7 }, { text: 'untyped' }, { type: 'text', text: 'ok' }];
    expect(deltaOf(one(deltaChunk({ content })))).toEqual({ content: 'ok' });
  });

  it('an array with only thinking gives empty content; a response too', () => {
    expect(deltaOf(one(deltaChunk({ content: [{ type: 'thinking', thinking: 'r' }] })))).toEqual({ content: '', reasoning: 'r' });
    expect(messageOf(completion({ content: [{ type: 'text', text: 'hi' }] }))).toEqual({ role: 'assistant', content: 'hi', refusal: null });
  });
});

describe('usage', () => {
  it('fills a missing total from prompt and completion, counting a missing side as 0', () => {
    expect(one(chunkOf([], { usage: { prompt_tokens: 3, completion_tokens: 4 } })).usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(one(chunkOf([], { usage: { completion_tokens: 4 } })).usage).toEqual({ completion_tokens: 4, total_tokens: 4 });
    expect(one(chunkOf([], { usage: { prompt_tokens: 3 } })).usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(one(chunkOf([], { usage: { prompt_tokens: '3', completion_tokens: '4' } })).usage).toMatchObject({ total_tokens: 7 });
  });

  it("keeps a server's own total, even one that does not add up", () => {
    expect(one(chunkOf([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 10 } })).usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 10 });
  });

  it('drops null detail objects and keeps real ones', () => {
    const details = { prompt_tokens_details: { cached_tokens: 1 }, completion_tokens_details: { reasoning_tokens: 2 } };
    expect(one(chunkOf([], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, ...details } })).usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, ...details });
    expect(one(chunkOf([], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, prompt_tokens_details: null } })).usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    expect(one(chunkOf([], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, completion_tokens_details: null } })).usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
  });

  it("reads Groq's x_groq.usage when the chunk has no usage, and prefers the chunk's own", () => {
    expect(one(chunkOf([], { x_groq: { id: 'g', usage: { prompt_tokens: 2, completion_tokens: 3 } } })).usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(one(chunkOf([], { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, x_groq: { usage: { prompt_tokens: 9, completion_tokens: 9 } } })).usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    expect(one(chunkOf([], { usage: null, x_groq: { usage: { prompt_tokens: 2, completion_tokens: 3 } } })).usage).toMatchObject({ total_tokens: 5 });
    const response = normaliseCompletion({ choices: [], x_groq: { usage: { prompt_tokens: 2, completion_tokens: 3 } } }) as unknown as Json;
    expect(response.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('a chunk with no choices and no usage carries nothing and is dropped; with usage it is kept', () => {
    expect(normaliseChunk(chunkOf([]), createStreamState())).toBeUndefined();
    expect(normaliseChunk({ id: 'x' }, createStreamState())).toBeUndefined();
    expect(normaliseChunk(chunkOf('not a list'), createStreamState())).toBeUndefined();
    expect(normaliseChunk(chunkOf([], { x_groq: { id: 'g' } }), createStreamState())).toBeUndefined();
    expect(normaliseChunk(chunkOf([], { usage: { prompt_tokens: 1 } }), createStreamState())).toBeDefined();
  });

  it('dropUsage removes usage, so a usage-only chunk is dropped and x_groq is not read', () => {
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    expect(normaliseChunk(chunkOf([], { usage }), createStreamState(), { dropUsage: true })).toBeUndefined();
    expect(normaliseChunk(chunkOf([], { x_groq: { usage } }), createStreamState(), { dropUsage: true })).toBeUndefined();
    const kept = one(deltaChunk({ content: 'a' }, null, { usage }), { dropUsage: true });
    expect('usage' in kept).toBe(false);
    expect(deltaOf(kept)).toEqual({ content: 'a' });
  });

  it('a response keeps its usage object and drops a null or non-object one', () => {
    expect(completion({ content: 'a' }, {}, { usage: { prompt_tokens: 1, completion_tokens: 2 } }).usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect('usage' in completion({ content: 'a' }, {}, { usage: null })).toBe(false);
    expect('usage' in completion({ content: 'a' }, {}, { usage: 'lots' })).toBe(false);
  });
});

describe('streamed tool calls', () => {
  it("gives Mistral's index-less calls one index per distinct id, and the repeat of an id the same index (without the id)", () => {
    const state = createStreamState();
    const first = deltaOf(one(deltaChunk({ tool_calls: [{ id: 'A', function: { name: 'f', arguments: '{}' } }, { id: 'B', function: { name: 'g', arguments: '{}' } }] }), {}, state));
    expect(first.tool_calls).toEqual([
      { index: 0, id: 'A', type: 'function', function: { name: 'f', arguments: '{}' } },
      { index: 1, id: 'B', type: 'function', function: { name: 'g', arguments: '{}' } },
    ]);
    const again = deltaOf(one(deltaChunk({ tool_calls: [{ id: 'B', function: { arguments: '' } }, { id: 'C', function: { name: 'h', arguments: '' } }] }), {}, state));
    expect(again.tool_calls).toEqual([
      { index: 1, function: { arguments: '' } },
      { index: 2, id: 'C', type: 'function', function: { name: 'h', arguments: '' } },
    ]);
  });

  it('drops the type, id and name a later fragment restates (vercel-ai mistral-incremental-tool-call), so clients do not concatenate them', () => {
    const state = createStreamState();
    one(deltaChunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search', arguments: '' } }] }), {}, state);
    const empty = deltaOf(one(deltaChunk({ tool_calls: [{ index: 0, type: 'function', function: { name: '', arguments: '{"q":' } }] }), {}, state));
    expect(empty.tool_calls).toEqual([{ index: 0, function: { arguments: '{"q":' } }]);
    const same = deltaOf(one(deltaChunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'search', arguments: '1}' } }] }), {}, state));
    expect(same.tool_calls).toEqual([{ index: 0, function: { arguments: '1}' } }]);
    // A different name or id on a later fragment is the server's, left for the accumulator to refuse.
    const other = deltaOf(one(deltaChunk({ tool_calls: [{ index: 0, id: 'call_2', function: { name: 'other' } }] }), {}, state));
    expect(other.tool_calls).toEqual([{ index: 0, id: 'call_2', function: { name: 'other' } }]);
  });

  it('an index-less call without an id takes the next free index after the highest one seen', () => {
    const state = createStreamState();
    one(deltaChunk({ tool_calls: [{ index: 3, id: 'x', function: { name: 'f', arguments: '' } }] }), {}, state);
    const next = deltaOf(one(deltaChunk({ tool_calls: [{ function: { name: 'g', arguments: '' } }] }), {}, state));
    expect(next.tool_calls).toEqual([{ index: 4, id: expect.stringMatching(CALL_ID), type: 'function', function: { name: 'g', arguments: '' } }]);
  });

  it('only the first fragment of a call gets an id and a type; later fragments are left as sent', () => {
    const state = createStreamState();
    const start = deltaOf(one(deltaChunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '' } }] }), {}, state));
    expect(start.tool_calls).toEqual([{ index: 0, id: expect.stringMatching(CALL_ID), type: 'function', function: { name: 'f', arguments: '' } }]);
    const rest = deltaOf(one(deltaChunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }), {}, state));
    expect(rest.tool_calls).toEqual([{ index: 0, function: { arguments: '{}' } }]);
  });

  it("keeps a server's id and type, types a custom call 'custom', and tracks choices apart", () => {
    const state = createStreamState();
    const chunk = one(chunkOf([
      { index: 0, delta: { tool_calls: [{ index: 0, id: 'keep', type: 'function', function: { name: 'f', arguments: '' } }] }, finish_reason: null },
      { index: 1, delta: { tool_calls: [{ index: 0, custom: { name: 'c', input: '' } }] }, finish_reason: null },
    ]), {}, state);
    const [a, b] = (chunk.choices as Json[]).map((choice) => (choice.delta as Json).tool_calls);
    expect(a).toEqual([{ index: 0, id: 'keep', type: 'function', function: { name: 'f', arguments: '' } }]);
    expect(b).toEqual([{ index: 0, id: expect.stringMatching(CALL_ID), type: 'custom', custom: { name: 'c', input: '' } }]);
  });

  it('a response\'s tool calls get ids and types where missing and lose any index', () => {
    const message = messageOf(completion({ content: null, tool_calls: [
      { index: 0, function: { name: 'f', arguments: '{}' } },
      { id: 'mine', type: 'function', function: { name: 'g', arguments: '{}' } },
      { custom: { name: 'c', input: 'x' } },
    ] }));
    expect(message.tool_calls).toEqual([
      { id: expect.stringMatching(CALL_ID), type: 'function', function: { name: 'f', arguments: '{}' } },
      { id: 'mine', type: 'function', function: { name: 'g', arguments: '{}' } },
      { id: expect.stringMatching(CALL_ID), type: 'custom', custom: { name: 'c', input: 'x' } },
    ]);
  });
});

describe('<think> tags', () => {
  it('in a stream, splits them per choice, and flushes held text into the finishing chunk', () => {
    const state = createStreamState();
    const options = { thinkTags: true };
    expect(deltaOf(one(deltaChunk({ content: '<think>a' }), options, state))).toEqual({ content: '', reasoning: 'a' });
    expect(deltaOf(one(deltaChunk({ content: '</think>b <' }), options, state))).toEqual({ content: 'b ' });
    expect(deltaOf(one(deltaChunk({ content: 'c' }, 'stop'), options, state))).toEqual({ content: '<c' });
    expect(finishStream(state)).toBeUndefined();
  });

  it('a finishing chunk without content gets the held text as its content, and held reasoning as reasoning', () => {
    const state = createStreamState();
    one(deltaChunk({ content: 'x <' }), { thinkTags: true }, state);
    expect(deltaOf(one(deltaChunk({}, 'stop'), { thinkTags: true }, state))).toEqual({ content: '<' });
    const thinking = createStreamState();
    one(deltaChunk({ content: '<think>deep' }), { thinkTags: true }, thinking);
    expect(deltaOf(one(deltaChunk({}, 'stop'), { thinkTags: true }, thinking)).content).toBeUndefined();
    const partClose = createStreamState();
    one(deltaChunk({ content: '<think>deep' }), { thinkTags: true }, partClose);
    expect(deltaOf(one(deltaChunk({ content: ' down</th' }, 'stop'), { thinkTags: true }, partClose))).toEqual({ content: '', reasoning: ' down</th' });
  });

  it('a finishing chunk whose own text ends in a partial tag keeps that text before the flushed rest', () => {
    const state = createStreamState();
    expect(deltaOf(one(deltaChunk({ content: 'x <' }, 'stop'), { thinkTags: true }, state))).toEqual({ content: 'x <' });
  });

  it('leaves the tags in the text when not asked, and a non-string content alone', () => {
    expect(deltaOf(one(deltaChunk({ content: '<think>a</think>b' })))).toEqual({ content: '<think>a</think>b' });
    expect(deltaOf(one(deltaChunk({ content: null }), { thinkTags: true }))).toEqual({ content: null });
  });

  it('finishStream closes a stream that ended without a finish reason with what was held, per choice', () => {
    const state = createStreamState();
    one(chunkOf([
      { index: 0, delta: { content: 'a <' }, finish_reason: null },
      { index: 1, delta: { content: 'b' }, finish_reason: null },
    ]), { thinkTags: true }, state);
    expect(finishStream(state)).toEqual({ id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices: [{ index: 0, delta: { content: '<' }, finish_reason: null }] });
  });

  it('finishStream gives held reasoning (a partial closing tag inside <think>) as reasoning, with no content', () => {
    const state = createStreamState();
    one(deltaChunk({ content: '<think>deep</th' }), { thinkTags: true }, state);
    expect(finishStream(state)?.choices).toEqual([{ index: 0, delta: { reasoning: '</th' }, finish_reason: null }]);
  });

  it('finishStream: nothing before any chunk, nothing without think tags, nothing once flushed', () => {
    expect(finishStream(createStreamState())).toBeUndefined();
    const plain = createStreamState();
    one(deltaChunk({ content: 'a <' }), {}, plain);
    expect(finishStream(plain)).toBeUndefined();
  });

  it('in a response, splits them and appends to reasoning already there', () => {
    const response = normaliseCompletion({ choices: [{ message: { content: '<think>b</think>\nok', reasoning_content: 'a' } }] }, { thinkTags: true }) as unknown as Json;
    expect(messageOf(response)).toEqual({ role: 'assistant', content: 'ok', reasoning: 'ab', refusal: null });
    const none = normaliseCompletion({ choices: [{ message: { content: 'plain' } }] }, { thinkTags: true }) as unknown as Json;
    expect(messageOf(none)).toEqual({ role: 'assistant', content: 'plain', refusal: null });
    const calls = normaliseCompletion({ choices: [{ message: { content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] } }] }, { thinkTags: true }) as unknown as Json;
    expect(messageOf(calls).content).toBeNull();
    expect('reasoning' in messageOf(calls)).toBe(false);
  });
});

describe('shapes: objects, indexes, fields openai-node types narrowly', () => {
  it('a chunk gets object, index 0 and a delta when missing, and keeps them when present', () => {
    const chunk = one({ id: 'x', choices: [{}] });
    expect(chunk).toEqual({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: null }] });
    const kept = one({ id: 'x', object: 'custom', choices: [{ index: 2, delta: 'junk' }] });
    expect(kept).toEqual({ id: 'x', object: 'custom', choices: [{ index: 2, delta: {}, finish_reason: null }] });
  });

  it('a response gets object, a position index, an assistant message, content and refusal null', () => {
    const response = normaliseCompletion({ id: 'r', choices: [{ index: 5, message: { role: 'assistant', content: 'a', refusal: 'no' } }, {}, { message: 'junk' }] }) as unknown as Json;
    expect(response).toEqual({
      id: 'r', object: 'chat.completion',
      choices: [
        { index: 5, message: { role: 'assistant', content: 'a', refusal: 'no' }, logprobs: null, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'stop' },
        { index: 2, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'stop' },
      ],
    });
    expect((normaliseCompletion({ object: 'keep', choices: 'junk' }) as unknown as Json)).toEqual({ object: 'keep', choices: [] });
  });

  it.each(['auto', 'default', 'flex', 'scale', 'priority', 'fast'])("keeps OpenAI's service tier %s", (tier) => {
    expect(one(deltaChunk({}, null, { service_tier: tier })).service_tier).toBe(tier);
    expect(completion({}, {}, { service_tier: tier }).service_tier).toBe(tier);
  });

  it('drops a foreign tier and a null fingerprint; keeps a null tier and a real fingerprint', () => {
    const chunk = one(deltaChunk({}, null, { service_tier: 'on_demand', system_fingerprint: null }));
    expect('service_tier' in chunk || 'system_fingerprint' in chunk).toBe(false);
    const kept = one(deltaChunk({}, null, { service_tier: null, system_fingerprint: 'fp' }));
    expect([kept.service_tier, kept.system_fingerprint]).toEqual([null, 'fp']);
  });

  it('logprobs: completed in chunks and responses, null when not an object, absent in a chunk when not sent', () => {
    const logprobs = { content: [{ token: 'a', logprob: -1 }, null, 5, 'odd', { token: 'b', logprob: -2, top_logprobs: [{ token: 'c', logprob: -3 }] }], refusal: [{ token: 'r', logprob: 0 }] };
    const expected = { content: [{ token: 'a', logprob: -1, top_logprobs: [] }, null, 5, 'odd', { token: 'b', logprob: -2, top_logprobs: [{ token: 'c', logprob: -3 }] }], refusal: [{ token: 'r', logprob: 0, top_logprobs: [] }] };
    expect(firstChoice(one(chunkOf([{ index: 0, delta: {}, logprobs: structuredClone(logprobs) }]))).logprobs).toEqual(expected);
    expect((completion({ content: 'a' }, { logprobs: structuredClone(logprobs) }).choices as Json[])[0].logprobs).toEqual(expected);
    expect(firstChoice(one(chunkOf([{ index: 0, delta: {}, logprobs: {} }]))).logprobs).toEqual({ content: null, refusal: null });
    expect(firstChoice(one(chunkOf([{ index: 0, delta: {}, logprobs: 'x' }]))).logprobs).toBeNull();
    expect(firstChoice(one(chunkOf([{ index: 0, delta: {}, logprobs: null }]))).logprobs).toBeNull();
    expect('logprobs' in firstChoice(one(chunkOf([{ index: 0, delta: {} }])))).toBe(false);
  });
});

describe('model lists', () => {
  it('reads nothing from a body that is not a list or has no data list', () => {
    for (const body of [null, undefined, 'x', 5, {}, { data: 'x' }, { data: null }]) expect(normaliseModels(body, 'p')).toEqual([]);
  });

  it('skips entries that are not objects or have no string id', () => {
    expect(normaliseModels([null, 'x', 3, { id: 5 }, {}, { id: 'ok' }], 'p')).toEqual([{ id: 'ok', object: 'model', created: 0, owned_by: 'p' }]);
  });

  it('owner: owned_by, then organization, then the provider; non-strings ignored', () => {
    expect(normaliseModels([{ id: 'a', owned_by: 'o', organization: 'g' }, { id: 'b', owned_by: 1, organization: 'g' }, { id: 'c', organization: 2 }], 'p').map((m) => m.owned_by)).toEqual(['o', 'g', 'p']);
  });

  it('created: seconds as sent, a date string in seconds (rounded down), 0 when unknown; created before created_at', () => {
    const created = (item: Json) => normaliseModels([{ id: 'a', ...item }], 'p')[0].created;
    expect(created({ created: 5, created_at: 9 })).toBe(5);
    expect(created({ created_at: 9 })).toBe(9);
    expect(created({ created_at: '2024-01-01T00:00:01.999Z' })).toBe(1704067201);
    expect(created({ created: 'not a date' })).toBe(0);
    expect(created({ created: Number.POSITIVE_INFINITY })).toBe(0);
    expect(created({ created: Number.NaN })).toBe(0);
    expect(created({ created: true })).toBe(0);
    expect(created({ created: ['2024-01-01T00:00:00Z'] })).toBe(0);
    expect(created({})).toBe(0);
  });
});

describe("reasoning_details (OpenRouter's signed reasoning) → provider_data.reasoning_details", () => {
  const text = (t: string, extra: Json = {}) => ({ type: 'reasoning.text', text: t, format: 'anthropic-claude-v1', index: 0, ...extra });

  // The merged details ride on the choice's last chunk only (on every chunk, each holding all so
  // far, a reasoning streamed a token at a time made the stream quadratic: red13-reasoning-details).
  const finish = (state: StreamState, delta: Json = {}) => deltaOf(one(deltaChunk(delta, 'stop'), {}, state));

  it('merges streamed fragments by index: texts concatenate, a late signature is kept, an empty one is not; sent on the finishing chunk', () => {
    const state = createStreamState();
    const first = deltaOf(one(deltaChunk({ content: '', reasoning_details: [text('', { signature: '' })] }), {}, state));
    expect(first).toEqual({ content: '' });
    one(deltaChunk({ reasoning_details: [text('Two')] }), {}, state);
    const third = deltaOf(one(deltaChunk({ reasoning_details: [text(' plus two.', { signature: null })] }), {}, state));
    expect(third).toEqual({});
    one(deltaChunk({ reasoning_details: [{ type: 'reasoning.text', signature: 'Et0B', format: 'anthropic-claude-v1', index: 0 }] }), {}, state);
    // A later empty or null field does not wipe the signature.
    one(deltaChunk({ reasoning_details: [{ signature: '', format: null, index: 0 }] }), {}, state);
    // An empty array (OpenRouter sends one on every content chunk) changes nothing and adds nothing.
    const content = deltaOf(one(deltaChunk({ content: '4', reasoning_details: [] }), {}, state));
    expect(content).toEqual({ content: '4' });
    const last = finish(state);
    expect(last.provider_data).toEqual({ reasoning_details: [text('Two plus two.', { signature: 'Et0B' })] });
    // Sent once: nothing new is merged, nothing more is sent; what went out is not changed later.
    expect(finish(state)).toEqual({});
    expect(finishStream(state)).toBeUndefined();
    one(deltaChunk({ reasoning_details: [text(' More.')] }), {}, state);
    expect(last.provider_data).toEqual({ reasoning_details: [text('Two plus two.', { signature: 'Et0B' })] });
    expect(finish(state).provider_data).toEqual({ reasoning_details: [text('Two plus two. More.', { signature: 'Et0B' })] });
  });

  it('keeps items with other indexes, or none, apart; summary and data concatenate; a fragment that is not an object is skipped', () => {
    const state = createStreamState();
    one(deltaChunk({ reasoning_details: [{ type: 'reasoning.summary', summary: 'A', index: 0 }, { type: 'reasoning.encrypted', data: 'x', index: 1 }] }), {}, state);
    one(deltaChunk({ reasoning_details: [{ summary: 'B', index: 0 }, { data: 'y', index: 1 }, 'junk', null, { type: 'reasoning.text', text: 'loose' }] }), {}, state);
    one(deltaChunk({ reasoning_details: [{ type: 'reasoning.text', text: 'apart' }, { text: 7, index: 0 }] }), {}, state);
    expect((finish(state).provider_data as { reasoning_details: Json[] }).reasoning_details).toEqual([
      { type: 'reasoning.summary', summary: 'AB', index: 0, text: '' },
      { type: 'reasoning.encrypted', data: 'xy', index: 1 },
      { type: 'reasoning.text', text: 'loose' },
      { type: 'reasoning.text', text: 'apart' },
    ]);
  });

  it('a stream that ends without a finish reason gets the details on a closing chunk', () => {
    const state = createStreamState();
    one(deltaChunk({ reasoning_details: [text('Half')] }), {}, state);
    const tail = finishStream(state) as unknown as Json;
    expect(deltaOf(tail)).toEqual({ provider_data: { reasoning_details: [text('Half')] } });
    expect(firstChoice(tail).finish_reason).toBeNull();
    expect(finishStream(state)).toBeUndefined();
  });

  it('keeps other provider_data of the finishing delta beside the details (an object only)', () => {
    const delta = deltaOf(one(deltaChunk({ provider_data: { other: 1 }, reasoning_details: [text('a')] }, 'stop')));
    expect(delta.provider_data).toEqual({ other: 1, reasoning_details: [text('a')] });
    const odd = deltaOf(one(deltaChunk({ provider_data: 'ab', reasoning_details: [text('a')] }, 'stop')));
    expect(odd.provider_data).toEqual({ reasoning_details: [text('a')] });
  });

  it('moves a completion message’s details to provider_data, and drops an empty array', () => {
    const details = [{ type: 'reasoning.encrypted', data: 'CiQB', format: 'google-gemini-v1', index: 0 }];
    const message = messageOf(completion({ role: 'assistant', content: null, reasoning_details: details, provider_data: { kept: true } }));
    expect(message.provider_data).toEqual({ kept: true, reasoning_details: details });
    expect(message).not.toHaveProperty('reasoning_details');
    const empty = messageOf(completion({ role: 'assistant', content: 'x', reasoning_details: [] }));
    expect(empty).not.toHaveProperty('reasoning_details');
    expect(empty).not.toHaveProperty('provider_data');
    const odd = messageOf(completion({ role: 'assistant', content: 'x', reasoning_details: 'no' }));
    expect(odd).not.toHaveProperty('reasoning_details');
    expect(odd).not.toHaveProperty('provider_data');
  });
});

describe('cache reads under another name', () => {
  it("moves Together's top-level cached_tokens into prompt_tokens_details", () => {
    expect(completion({ role: 'assistant', content: 'x' }, {}, { usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, cached_tokens: 3 } }).usage).toEqual({
      prompt_tokens: 4,
      completion_tokens: 1,
      total_tokens: 5,
      prompt_tokens_details: { cached_tokens: 3 },
    });
    const kept = completion({ role: 'assistant', content: 'x' }, {}, { usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, cached_tokens: 3, prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 } } }).usage;
    expect(kept).toEqual({ prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, cached_tokens: 3, prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 } });
    const beside = completion({ role: 'assistant', content: 'x' }, {}, { usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, cached_tokens: 3, prompt_tokens_details: { audio_tokens: 0 } } }).usage;
    expect(beside).toEqual({ prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, prompt_tokens_details: { audio_tokens: 0, cached_tokens: 3 } });
    const notNumber = completion({ role: 'assistant', content: 'x' }, {}, { usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5, cached_tokens: '3' } }).usage;
    expect(notNumber).not.toHaveProperty('prompt_tokens_details');
  });
});
