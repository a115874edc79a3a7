/**
 * The shape checks a sandboxed plugin's output passes before it reaches the caller: every field the
 * caller's types promise, each boundary (null, arrays, missing, wrong type), and the exact problem
 * named, since the text ends up in the PluginProtocolError the caller sees.
 */
import { describe, expect, it } from 'vitest';
import { checkChunk, checkChunks, checkCompletion, checkEmbeddings, checkInitialize, checkModels } from 'anyllm/internal/protocol/result-shape.js';
import { completionBody, syntheticStream, textChunk } from './support/openai-wire.js';

type Json = Record<string, unknown>;
const DELETE = Symbol('delete');

/** A deep copy of `base` with `path` (dots and [n]) set to `value`, or removed for DELETE. */
function set(base: Json, path: string, value: unknown): Json {
  const copy = structuredClone(base);
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === DELETE) delete target[last];
  else target[last] = value;
  return copy;
}

const toolCall = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };

/** A completion using every optional field, all well-shaped. */
const fullCompletion = (): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'hi', refusal: null, reasoning: 'thought', provider_data: { sig: 'x' }, tool_calls: [structuredClone(toolCall), structuredClone(toolCall)] },
      finish_reason: 'tool_calls',
      logprobs: { content: null },
    },
    { index: 1, message: { role: 'assistant', content: null }, finish_reason: null, logprobs: null },
  ],
  usage: {
    prompt_tokens: 0,
    completion_tokens: 3,
    total_tokens: 3,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 1, audio_tokens: null },
    completion_tokens_details: { reasoning_tokens: 1, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  system_fingerprint: null,
  vendor_extra: { anything: [1, 2] },
});

const fullChunk = (): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1700000000,
  model: 'm',
  choices: [
    {
      index: 0,
      delta: {
        role: 'assistant',
        content: 'a',
        refusal: null,
        reasoning: null,
        provider_data: {},
        tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }, { index: 1 }, { index: 2, function: {} }],
      },
      finish_reason: null,
    },
  ],
  usage: null,
});

describe('checkCompletion', () => {
  it('accepts well-shaped completions: every optional field, the minimal one, no choices, extra fields', () => {
    expect(checkCompletion(fullCompletion())).toBeUndefined();
    expect(checkCompletion(completionBody('ok'))).toBeUndefined();
    expect(checkCompletion({ id: '', object: 'chat.completion', created: -1, model: '', choices: [] })).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the completion must be an object (got null)'],
    ['an array', [completionBody('x')], 'the completion must be an object (got array)'],
    ['a string', 'hello', 'the completion must be an object (got string)'],
    ['nothing', undefined, 'the completion must be an object (got nothing)'],
  ])('refuses a completion that is %s', (_what, value, problem) => {
    expect(checkCompletion(value)).toBe(problem);
  });

  it.each<[string, unknown, string]>([
    ['object', 'chat.completion.chunk', "object must be 'chat.completion' (got another string)"],
    ['object', DELETE, "object must be 'chat.completion' (got nothing)"],
    ['object', 1, "object must be 'chat.completion' (got number)"],
    ['id', 5, 'id must be a string (got number)'],
    ['id', DELETE, 'id must be a string (got nothing)'],
    ['created', '1700000000', 'created must be a number (got string)'],
    ['created', Number.NaN, 'created must be a number (got number)'],
    ['created', Number.POSITIVE_INFINITY, 'created must be a number (got number)'],
    ['model', null, 'model must be a string (got null)'],
    ['choices', null, 'choices must be an array (got null)'],
    ['choices', { 0: {} }, 'choices must be an array (got object)'],
    ['choices', DELETE, 'choices must be an array (got nothing)'],
    ['choices[0]', 'text', 'choices[0] must be an object (got string)'],
    ['choices[0]', [], 'choices[0] must be an object (got array)'],
    ['choices[1]', null, 'choices[1] must be an object (got null)'],
    ['choices[0].index', -1, 'choices[0].index must be a whole number (got number)'],
    ['choices[0].index', 0.5, 'choices[0].index must be a whole number (got number)'],
    ['choices[0].index', '0', 'choices[0].index must be a whole number (got string)'],
    ['choices[1].index', DELETE, 'choices[1].index must be a whole number (got nothing)'],
    ['choices[0].finish_reason', DELETE, 'choices[0].finish_reason must be a string or null (got nothing)'],
    ['choices[0].finish_reason', 0, 'choices[0].finish_reason must be a string or null (got number)'],
    ['choices[0].logprobs', 'none', 'choices[0].logprobs must be an object or null (got string)'],
    ['choices[0].logprobs', [], 'choices[0].logprobs must be an object or null (got array)'],
    ['choices[0].logprobs.content', 5, 'choices[0].logprobs.content must be an array or null (got number)'],
    ['choices[0].logprobs.content', {}, 'choices[0].logprobs.content must be an array or null (got object)'],
    ['choices[0].logprobs.content', [{ token: 'a' }, 'b'], 'choices[0].logprobs.content[1] must be an object (got string)'],
    ['choices[0].logprobs.content', [[]], 'choices[0].logprobs.content[0] must be an object (got array)'],
    ['choices[0].logprobs.refusal', 'no', 'choices[0].logprobs.refusal must be an array or null (got string)'],
    ['choices[0].logprobs.refusal', [{}, null], 'choices[0].logprobs.refusal[1] must be an object (got null)'],
    ['choices[0].message', 'hello', 'choices[0].message must be an object (got string)'],
    ['choices[0].message', null, 'choices[0].message must be an object (got null)'],
    ['choices[1].message', [], 'choices[1].message must be an object (got array)'],
    ['choices[0].message', DELETE, 'choices[0].message must be an object (got nothing)'],
    ['choices[0].message.role', 'user', "choices[0].message.role must be 'assistant' (got another string)"],
    ['choices[0].message.role', DELETE, "choices[0].message.role must be 'assistant' (got nothing)"],
    ['choices[0].message.content', DELETE, 'choices[0].message.content must be a string or null (got nothing)'],
    ['choices[0].message.content', 42, 'choices[0].message.content must be a string or null (got number)'],
    ['choices[0].message.content', [{ type: 'text', text: 'x' }], 'choices[0].message.content must be a string or null (got array)'],
    ['choices[0].message.refusal', 1, 'choices[0].message.refusal must be a string or null (got number)'],
    ['choices[0].message.reasoning', {}, 'choices[0].message.reasoning must be a string or null (got object)'],
    ['choices[1].message.reasoning', false, 'choices[1].message.reasoning must be a string or null (got boolean)'],
    ['choices[0].message.provider_data', 'sig', 'choices[0].message.provider_data must be an object (got string)'],
    ['choices[0].message.provider_data', null, 'choices[0].message.provider_data must be an object (got null)'],
    ['choices[0].message.provider_data', [], 'choices[0].message.provider_data must be an object (got array)'],
    ['choices[0].message.tool_calls', null, 'choices[0].message.tool_calls must be an array (got null)'],
    ['choices[0].message.tool_calls', toolCall, 'choices[0].message.tool_calls must be an array (got object)'],
    ['choices[0].message.tool_calls[0]', 'call', 'choices[0].message.tool_calls[0] must be an object (got string)'],
    ['choices[0].message.tool_calls[1].id', DELETE, 'choices[0].message.tool_calls[1].id must be a string (got nothing)'],
    ['choices[0].message.tool_calls[0].id', 7, 'choices[0].message.tool_calls[0].id must be a string (got number)'],
    ['choices[0].message.tool_calls[0].type', 'tool', "choices[0].message.tool_calls[0].type must be 'function' (got another string)"],
    ['choices[0].message.tool_calls[0].type', DELETE, "choices[0].message.tool_calls[0].type must be 'function' (got nothing)"],
    ['choices[0].message.tool_calls[0].function', DELETE, 'choices[0].message.tool_calls[0].function must be an object (got nothing)'],
    ['choices[0].message.tool_calls[0].function', 'f', 'choices[0].message.tool_calls[0].function must be an object (got string)'],
    ['choices[0].message.tool_calls[0].function', [], 'choices[0].message.tool_calls[0].function must be an object (got array)'],
    ['choices[0].message.tool_calls[0].function.name', 5, 'choices[0].message.tool_calls[0].function.name must be a string (got number)'],
    ['choices[0].message.tool_calls[0].function.arguments', { city: 'Paris' }, 'choices[0].message.tool_calls[0].function.arguments must be a string (got object)'],
    ['choices[0].message.tool_calls[1].function.arguments', DELETE, 'choices[0].message.tool_calls[1].function.arguments must be a string (got nothing)'],
    ['usage', 'none', 'usage must be an object or null (got string)'],
    ['usage', [], 'usage must be an object or null (got array)'],
    ['usage.prompt_tokens', '5', 'usage.prompt_tokens must be a number of tokens (got string)'],
    ['usage.completion_tokens', -1, 'usage.completion_tokens must be a number of tokens (got number)'],
    ['usage.completion_tokens', Number.NaN, 'usage.completion_tokens must be a number of tokens (got number)'],
    ['usage.total_tokens', DELETE, 'usage.total_tokens must be a number of tokens (got nothing)'],
    ['usage.total_tokens', Number.POSITIVE_INFINITY, 'usage.total_tokens must be a number of tokens (got number)'],
    ['usage.prompt_tokens_details', 3, 'usage.prompt_tokens_details must be an object or null (got number)'],
    ['usage.prompt_tokens_details', [], 'usage.prompt_tokens_details must be an object or null (got array)'],
    ['usage.prompt_tokens_details.cached_tokens', '3', 'usage.prompt_tokens_details.cached_tokens must be a number of tokens (got string)'],
    ['usage.prompt_tokens_details.cache_write_tokens', -2, 'usage.prompt_tokens_details.cache_write_tokens must be a number of tokens (got number)'],
    ['usage.prompt_tokens_details.audio_tokens', true, 'usage.prompt_tokens_details.audio_tokens must be a number of tokens (got boolean)'],
    ['usage.completion_tokens_details', 'x', 'usage.completion_tokens_details must be an object or null (got string)'],
    ['usage.completion_tokens_details.reasoning_tokens', '1', 'usage.completion_tokens_details.reasoning_tokens must be a number of tokens (got string)'],
    ['usage.completion_tokens_details.audio_tokens', {}, 'usage.completion_tokens_details.audio_tokens must be a number of tokens (got object)'],
    ['usage.completion_tokens_details.accepted_prediction_tokens', '0', 'usage.completion_tokens_details.accepted_prediction_tokens must be a number of tokens (got string)'],
    ['usage.completion_tokens_details.rejected_prediction_tokens', [], 'usage.completion_tokens_details.rejected_prediction_tokens must be a number of tokens (got array)'],
  ])('refuses %s = %o', (path, value, problem) => {
    expect(checkCompletion(set(fullCompletion(), path, value))).toBe(problem);
  });

  it.each<[string, unknown]>([
    ['choices[0].index', 7],
    ['choices[0].finish_reason', 'a reason no one listed'],
    ['choices[0].logprobs', DELETE],
    ['choices[0].logprobs.content', DELETE],
    ['choices[0].logprobs.content', []],
    ['choices[0].logprobs.content', [{ token: 'a', logprob: 0, bytes: null, top_logprobs: [] }, {}]],
    ['choices[0].logprobs.refusal', null],
    ['choices[0].logprobs.refusal', [{ token: 'b' }]],
    ['choices[0].message.content', ''],
    ['choices[0].message.refusal', 'no'],
    ['choices[0].message.refusal', DELETE],
    ['choices[0].message.reasoning', DELETE],
    ['choices[0].message.provider_data', DELETE],
    ['choices[0].message.tool_calls', []],
    ['choices[0].message.tool_calls', DELETE],
    ['usage', null],
    ['usage', DELETE],
    ['usage.prompt_tokens', 0],
    ['usage.prompt_tokens_details', null],
    ['usage.prompt_tokens_details', DELETE],
    ['usage.prompt_tokens_details.cached_tokens', DELETE],
    ['usage.completion_tokens_details', null],
    ['usage.completion_tokens_details', {}],
    ['usage.completion_tokens_details.reasoning_tokens', null],
  ])('accepts %s = %o', (path, value) => {
    expect(checkCompletion(set(fullCompletion(), path, value))).toBeUndefined();
  });
});

describe('checkChunk', () => {
  it('accepts well-shaped chunks: every optional field, a whole synthetic stream, an empty delta, a usage-only chunk', () => {
    expect(checkChunk(fullChunk())).toBeUndefined();
    for (const chunk of syntheticStream(3)) expect(checkChunk(chunk)).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the chunk must be an object (got null)'],
    ['an array', [textChunk('x')], 'the chunk must be an object (got array)'],
    ['a number', 5, 'the chunk must be an object (got number)'],
  ])('refuses a chunk that is %s', (_what, value, problem) => {
    expect(checkChunk(value)).toBe(problem);
  });

  it.each<[string, unknown, string]>([
    ['object', 'chat.completion', "object must be 'chat.completion.chunk' (got another string)"],
    ['id', null, 'id must be a string (got null)'],
    ['created', DELETE, 'created must be a number (got nothing)'],
    ['model', 3, 'model must be a string (got number)'],
    ['choices', null, 'choices must be an array (got null)'],
    ['choices[0]', 5, 'choices[0] must be an object (got number)'],
    ['choices[0].index', DELETE, 'choices[0].index must be a whole number (got nothing)'],
    ['choices[0].finish_reason', DELETE, 'choices[0].finish_reason must be a string or null (got nothing)'],
    ['choices[0].logprobs', 1, 'choices[0].logprobs must be an object or null (got number)'],
    ['choices[0].delta', 5, 'choices[0].delta must be an object (got number)'],
    ['choices[0].delta', null, 'choices[0].delta must be an object (got null)'],
    ['choices[0].delta', DELETE, 'choices[0].delta must be an object (got nothing)'],
    ['choices[0].delta', ['a'], 'choices[0].delta must be an object (got array)'],
    ['choices[0].delta.role', 'user', "choices[0].delta.role must be 'assistant' (got another string)"],
    ['choices[0].delta.role', null, "choices[0].delta.role must be 'assistant' (got null)"],
    ['choices[0].delta.content', 5, 'choices[0].delta.content must be a string or null (got number)'],
    ['choices[0].delta.refusal', [], 'choices[0].delta.refusal must be a string or null (got array)'],
    ['choices[0].delta.reasoning', 1, 'choices[0].delta.reasoning must be a string or null (got number)'],
    ['choices[0].delta.provider_data', 'x', 'choices[0].delta.provider_data must be an object (got string)'],
    ['choices[0].delta.tool_calls', {}, 'choices[0].delta.tool_calls must be an array (got object)'],
    ['choices[0].delta.tool_calls[1]', null, 'choices[0].delta.tool_calls[1] must be an object (got null)'],
    ['choices[0].delta.tool_calls[0].index', DELETE, 'choices[0].delta.tool_calls[0].index must be a whole number (got nothing)'],
    ['choices[0].delta.tool_calls[2].index', -1, 'choices[0].delta.tool_calls[2].index must be a whole number (got number)'],
    ['choices[0].delta.tool_calls[0].id', 1, 'choices[0].delta.tool_calls[0].id must be a string (got number)'],
    ['choices[0].delta.tool_calls[1].id', null, 'choices[0].delta.tool_calls[1].id must be a string (got null)'],
    ['choices[0].delta.tool_calls[0].type', 'tool', "choices[0].delta.tool_calls[0].type must be 'function' (got another string)"],
    ['choices[0].delta.tool_calls[0].function', 'f', 'choices[0].delta.tool_calls[0].function must be an object (got string)'],
    ['choices[0].delta.tool_calls[1].function', null, 'choices[0].delta.tool_calls[1].function must be an object (got null)'],
    ['choices[0].delta.tool_calls[0].function.name', 5, 'choices[0].delta.tool_calls[0].function.name must be a string (got number)'],
    ['choices[0].delta.tool_calls[2].function.name', null, 'choices[0].delta.tool_calls[2].function.name must be a string (got null)'],
    ['choices[0].delta.tool_calls[0].function.arguments', {}, 'choices[0].delta.tool_calls[0].function.arguments must be a string (got object)'],
    ['choices[0].delta.tool_calls[2].function.arguments', null, 'choices[0].delta.tool_calls[2].function.arguments must be a string (got null)'],
    ['usage', 'lots', 'usage must be an object or null (got string)'],
    ['usage', { prompt_tokens: '5', completion_tokens: '3', total_tokens: '8' }, 'usage.prompt_tokens must be a number of tokens (got string)'],
  ])('refuses %s = %o', (path, value, problem) => {
    expect(checkChunk(set(fullChunk(), path, value))).toBe(problem);
  });

  it.each<[string, unknown]>([
    ['choices', []],
    ['choices[0].delta', {}],
    ['choices[0].delta.role', DELETE],
    ['choices[0].delta.content', DELETE],
    ['choices[0].delta.content', null],
    ['choices[0].delta.tool_calls', DELETE],
    ['choices[0].delta.tool_calls[0].type', DELETE],
    ['choices[0].delta.tool_calls[0].function', DELETE],
    ['choices[0].finish_reason', 'stop'],
    ['usage', { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }],
  ])('accepts %s = %o', (path, value) => {
    expect(checkChunk(set(fullChunk(), path, value))).toBeUndefined();
  });
});

describe('checkChunks', () => {
  it('accepts an empty batch and a batch of good chunks', () => {
    expect(checkChunks([])).toBeUndefined();
    expect(checkChunks(syntheticStream(2))).toBeUndefined();
  });

  it('names the first bad chunk of a batch and what is wrong with it', () => {
    const bad = set(fullChunk(), 'choices[0].delta', 5);
    expect(checkChunks([fullChunk(), bad, null])).toBe('chunk 1: choices[0].delta must be an object (got number)');
    expect(checkChunks([null])).toBe('chunk 0: the chunk must be an object (got null)');
  });
});

describe('checkModels', () => {
  const model = (extra: Json = {}) => ({ id: 'm-1', object: 'model', created: 0, owned_by: 'acme', ...extra });

  it('accepts a list of models, an empty list, and extra fields', () => {
    expect(checkModels({ data: [model(), model({ id: 'm-2', context_length: 8192 })] })).toBeUndefined();
    expect(checkModels({ data: [] })).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the model list must be an object (got null)'],
    ['an array of models', [model()], 'the model list must be an object (got array)'],
    ['data as an object', { data: { 'm-1': model() } }, 'data must be an array (got object)'],
    ['no data', {}, 'data must be an array (got nothing)'],
    ['data null', { data: null }, 'data must be an array (got null)'],
    ['a model that is a string', { data: [model(), 'm-2'] }, 'data[1] must be an object (got string)'],
    ['a model that is an array', { data: [[]] }, 'data[0] must be an object (got array)'],
    ['an id that is a number', { data: [model({ id: 1 })] }, 'data[0].id must be a string (got number)'],
    ['another object', { data: [model({ object: 'models' })] }, "data[0].object must be 'model' (got another string)"],
    ['no object', { data: [model({ object: undefined })] }, "data[0].object must be 'model' (got nothing)"],
    ['object null', { data: [model({ object: null })] }, "data[0].object must be 'model' (got null)"],
    ['created as a string', { data: [model({ created: '0' })] }, 'data[0].created must be a number (got string)'],
    ['created NaN', { data: [model({ created: Number.NaN })] }, 'data[0].created must be a number (got number)'],
    ['no owned_by', { data: [model({ owned_by: undefined })] }, 'data[0].owned_by must be a string (got nothing)'],
  ])('refuses %s', (_what, value, problem) => {
    expect(checkModels(value)).toBe(problem);
  });
});

describe('checkEmbeddings', () => {
  const list = (extra: Json = {}): Json => ({
    object: 'list',
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 4, total_tokens: 4 },
    data: [
      { object: 'embedding', index: 0, embedding: [0.25, -1, 0] },
      { object: 'embedding', index: 1, embedding: 'AACAPw==' },
    ],
    ...extra,
  });

  it('accepts float and base64 vectors, an empty list, and extra fields', () => {
    expect(checkEmbeddings(list())).toBeUndefined();
    expect(checkEmbeddings(list({ data: [] }))).toBeUndefined();
    expect(checkEmbeddings(list({ id: 'emb-1', usage: { prompt_tokens: 0, total_tokens: 0, completion_tokens: 0 } }))).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the embedding list must be an object (got null)'],
    ['another object', list({ object: 'embedding' }), "object must be 'list' (got another string)"],
    ['no model', list({ model: undefined }), 'model must be a string (got nothing)'],
    ['no usage', list({ usage: undefined }), 'usage must be an object (got nothing)'],
    ['a negative prompt count', set(list(), 'usage.prompt_tokens', -1), 'usage.prompt_tokens must be a number of tokens (got number)'],
    ['no total', set(list(), 'usage.total_tokens', DELETE), 'usage.total_tokens must be a number of tokens (got nothing)'],
    ['data as an object', list({ data: {} }), 'data must be an array (got object)'],
    ['an item that is an array', list({ data: [[0.1]] }), 'data[0] must be an object (got array)'],
    ['an item of another object', set(list(), 'data[1].object', 'vector'), "data[1].object must be 'embedding' (got another string)"],
    ['vectors out of order', set(list(), 'data[0].index', 1), 'data[0].index must be 0 (got another number)'],
    ['an index that is a string', set(list(), 'data[1].index', '1'), 'data[1].index must be a whole number (got string)'],
    ['a vector that is an object', set(list(), 'data[0].embedding', { 0: 1 }), 'data[0].embedding must be an array of numbers or base64 text (got object)'],
    ['a vector holding a string', set(list(), 'data[0].embedding[2]', '0'), 'data[0].embedding[2] must be a finite number (got string)'],
    ['a vector holding null (NaN as JSON)', set(list(), 'data[0].embedding[1]', null), 'data[0].embedding[1] must be a finite number (got null)'],
  ])('refuses %s', (_what, value, problem) => {
    expect(checkEmbeddings(value)).toBe(problem);
  });
});

describe('checkInitialize', () => {
  const init = (extra: Json = {}) => ({ protocolVersion: 1, provider: 'acme', capabilities: { completion: true, streaming: false }, ...extra });

  it('accepts a handshake answer, with no capabilities set too', () => {
    expect(checkInitialize(init())).toBeUndefined();
    expect(checkInitialize(init({ capabilities: {} }))).toBeUndefined();
  });

  it('ignores what the capabilities object inherits (only its own keys are the plugin\'s answer)', () => {
    const capabilities = Object.create({ inherited: 'yes' }) as Json;
    capabilities.streaming = true;
    expect(checkInitialize(init({ capabilities }))).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the handshake answer must be an object (got null)'],
    ['an array', [], 'the handshake answer must be an object (got array)'],
    ['a version that is a string', init({ protocolVersion: '1' }), 'protocolVersion must be a number (got string)'],
    ['a provider that is a number', init({ provider: 1 }), 'provider must be a string (got number)'],
    ['no capabilities', init({ capabilities: undefined }), 'capabilities must be an object (got nothing)'],
    ['capabilities as a list', init({ capabilities: ['completion'] }), 'capabilities must be an object (got array)'],
    ['a capability that is a string', init({ capabilities: { completion: true, streaming: 'yes' } }), 'capabilities.streaming must be true or false (got string)'],
    ['a capability that is null', init({ capabilities: { _tools2: null } }), 'capabilities._tools2 must be true or false (got null)'],
    ['a key that is not a name', init({ capabilities: { 'a b': 1 } }), 'capabilities.<a key> must be true or false (got number)'],
    ['a key that starts with a digit', init({ capabilities: { '1x': 1 } }), 'capabilities.<a key> must be true or false (got number)'],
    ['a key with an escape', init({ capabilities: { 'x\u001b[2K': 1 } }), 'capabilities.<a key> must be true or false (got number)'],
    ['a key that is too long', init({ capabilities: { ['k'.repeat(42)]: 1 } }), 'capabilities.<a key> must be true or false (got number)'],
  ])('refuses %s', (_what, value, problem) => {
    expect(checkInitialize(value)).toBe(problem);
  });

  it('names a 41-character key, the longest shown', () => {
    expect(checkInitialize(init({ capabilities: { ['k'.repeat(41)]: 1 } }))).toBe(`capabilities.${'k'.repeat(41)} must be true or false (got number)`);
  });
});
