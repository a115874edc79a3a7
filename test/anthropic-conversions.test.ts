// The Anthropic plugin's pure conversions, OpenAI shape <-> Anthropic wire format, without the SDK.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, MissingSdkError, ProviderError, UnsupportedParameterError } from '../src/errors.js';
import type { ChatCompletionChunk, CompletionParams, JsonObject } from '../src/types.js';
import { convertRequest, DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, THINKING_BUDGETS } from '../plugins/anthropic/convert-request.js';
import { convertResponse, convertUsage, finishReason } from '../plugins/anthropic/convert-response.js';
import { normaliseModels } from '../src/plugins/openai-normalise.js';
import { convertStreamEvent, createStreamState } from '../plugins/anthropic/convert-stream.js';
import { mapAnthropicError } from '../plugins/anthropic/errors.js';
import { loadAnthropicSdk } from '../plugins/anthropic/index.js';
import type { AnthropicResponse, AnthropicStreamEvent } from '../plugins/anthropic/wire-types.js';
import { eventsFor, wireMessage } from './support/anthropic-wire.js';
import { accumulate } from './support/accumulate.js';
import { chunkLines, fixtureJson } from './support/fixtures.js';

const model = 'claude-haiku-4-5';
const user = (content: string) => ({ role: 'user' as const, content });
const convert = (params: Partial<CompletionParams>, stream = false) =>
  convertRequest({ model, messages: [user('Hi')], ...params }, { stream });
const created = 1_700_000_000;

function stream(events: readonly unknown[], options: { jsonTool?: string; includeUsage?: boolean } = {}): ChatCompletionChunk[] {
  const state = createStreamState({ created, ...options });
  return events.flatMap((event) => convertStreamEvent(event as AnthropicStreamEvent, state));
}

describe('anthropic request: messages', () => {
  it('moves system and developer messages, in order, to the top-level system blocks', () => {
    const body = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        user('Hi'),
      ],
    });
    expect(body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('turns assistant tool calls into tool_use blocks and tool results into one user turn', () => {
    const body = convert({
      messages: [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '24C' }] },
        { role: 'assistant', content: 'Paris 18C, Rome 24C.' },
        user('Thanks'),
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '24C' }] },
        ],
      },
      { role: 'assistant', content: 'Paris 18C, Rome 24C.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('sends a tool call without arguments as an empty input object', () => {
    const body = convert({
      messages: [user('Refresh'), { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'refresh', arguments: '' } }] }],
    });
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'refresh', input: {} }] });
  });

  it('refuses tool-call arguments that are not a JSON object, naming the field', () => {
    const call = () =>
      convert({ messages: [user('x'), { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] });
    expect(call).toThrow(InvalidRequestError);
    expect(call).toThrow(/messages\[1\]\.tool_calls\[0\]\.function\.arguments/);
  });

  it('converts images given as data URLs and as https URLs', () => {
    const body = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('refuses image types and detail levels Anthropic does not take, naming the part', () => {
    const bmp = () => convert({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] });
    expect(bmp).toThrow(UnsupportedParameterError);
    expect(bmp).toThrow(/messages\[0\]\.content\[0\]\.image_url\.url/);
    const detail = () => convert({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'low' } }] }] });
    expect(detail).toThrow(/image_url\.detail/);
  });

  it('sends PDF, plain-text and uploaded files as document blocks', () => {
    const text = Buffer.from('hello file').toString('base64');
    const body = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'report.pdf' } },
            { type: 'file', file: { file_data: `data:text/plain;base64,${text}` } },
            { type: 'file', file: { file_id: 'file_011' } },
          ],
        },
      ],
    });
    expect(body.messages[0].content).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' }, title: 'report.pdf' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello file' } },
      { type: 'document', source: { type: 'file', file_id: 'file_011' } },
    ]);
  });

  it('refuses audio input and message names with UnsupportedParameterError', () => {
    const audio = () => convert({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] });
    expect(audio).toThrow(UnsupportedParameterError);
    expect(audio).toThrow(/input_audio/);
    const named = () => convert({ messages: [{ role: 'user', content: 'Hi', name: 'alice' }] });
    expect(named).toThrow(/messages\[0\]\.name/);
  });

  it('sends signed thinking from provider_data first and unchanged, and drops reasoning that has no signature', () => {
    const thinking: JsonObject[] = [
      { type: 'thinking', thinking: 'Add them.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque' },
    ];
    const body = convert({
      messages: [
        user('2+2?'),
        { role: 'assistant', content: '4', reasoning: 'Add them.', provider_data: { anthropic: { thinking } } },
        user('3+3?'),
        { role: 'assistant', content: '6', reasoning: 'from another provider' },
        user('and 4+4?'),
      ],
    });
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [...thinking, { type: 'text', text: '4' }] });
    expect(body.messages[3]).toEqual({ role: 'assistant', content: '6' });
  });
});

describe('anthropic request: parameters', () => {
  it('maps stop, temperature, top_p, user, and defaults max_tokens', () => {
    const body = convert({ stop: 'END', temperature: 0.3, top_p: 0.9, user: 'u-1' });
    expect(body).toMatchObject({
      model,
      max_tokens: DEFAULT_MAX_TOKENS,
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      metadata: { user_id: 'u-1' },
      stream: false,
    });
    expect(convert({ stop: ['a', 'b'], max_tokens: 50 })).toMatchObject({ stop_sequences: ['a', 'b'], max_tokens: 50 });
    expect(convert({ max_tokens: 50, max_completion_tokens: 70 }).max_tokens).toBe(70);
  });

  it('refuses a temperature above Anthropic’s range of 0 to 1', () => {
    expect(() => convert({ temperature: 1.5 })).toThrow(UnsupportedParameterError);
  });

  it('converts tools, and a tool without parameters gets an empty object schema', () => {
    const body = convert({
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
        { type: 'function', function: { name: 'refresh' } },
      ],
    });
    expect(body.tools).toEqual([
      { name: 'weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
      { name: 'refresh', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.tool_choice).toBeUndefined();
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    [{ type: 'function', function: { name: 'weather' } }, undefined, { type: 'tool', name: 'weather' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
  ] as const)('maps tool_choice %j with parallel_tool_calls %j', (choice, parallel, expected) => {
    const tools = [{ type: 'function' as const, function: { name: 'weather' } }];
    expect(convert({ tools, tool_choice: choice, parallel_tool_calls: parallel }).tool_choice).toEqual(expected);
  });

  it('maps json_schema to output_config and json_object to a forced JSON tool', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(convert({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).output_config).toEqual({
      format: { type: 'json_schema', schema },
    });
    const json = convert({ response_format: { type: 'json_object' } });
    expect(json.tools?.map((t) => t.name)).toEqual([JSON_TOOL_NAME]);
    expect(json.tool_choice).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
    expect(() => convert({ response_format: { type: 'json_object' }, tools: [{ type: 'function', function: { name: 'f' } }] })).toThrow(
      UnsupportedParameterError,
    );
  });

  it('maps reasoning_effort to a thinking budget and makes room for it in max_tokens', () => {
    expect(convert({ reasoning_effort: 'medium' })).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: THINKING_BUDGETS.medium },
      max_tokens: THINKING_BUDGETS.medium + DEFAULT_MAX_TOKENS,
    });
    expect(convert({ reasoning_effort: 'high', max_tokens: 4000 })).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 3999 },
      max_tokens: 4000,
    });
    expect(convert({ reasoning_effort: 'none' }).thinking).toEqual({ type: 'disabled' });
    expect(() => convert({ reasoning_effort: 'low', max_tokens: 500 })).toThrow(InvalidRequestError);
  });

  it('refuses what Anthropic does not allow while thinking: a set temperature, a forced tool', () => {
    expect(() => convert({ reasoning_effort: 'low', temperature: 0.2 })).toThrow(/temperature/);
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect(() => convert({ reasoning_effort: 'low', tools, tool_choice: 'required' })).toThrow(/tool_choice/);
    expect(convert({ reasoning_effort: 'low', tools, tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
  });

  it.each([
    ['seed', { seed: 1 }],
    ['n', { n: 2 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '1': 1 } }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 2 }],
  ])('refuses %s with UnsupportedParameterError naming it', (name, params) => {
    try {
      convert(params);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect((error as UnsupportedParameterError).parameter).toBe(name);
    }
  });

  it('passes Anthropic-only fields through, and refuses one that clashes with a mapped field', () => {
    expect(convert({ top_k: 5 }).top_k).toBe(5);
    expect(() => convert({ messages: [{ role: 'system', content: 'S' }, user('Hi')], system: 'other' })).toThrow(InvalidRequestError);
  });
});

describe('anthropic response', () => {
  it('converts the recorded text response', () => {
    const res = convertResponse(fixtureJson<AnthropicResponse>('vercel-ai/anthropic-text.json'), { created });
    expect(res).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?", refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  it('returns thinking as reasoning with its signed blocks, and tool uses as tool calls', () => {
    const message = wireMessage([
      { type: 'thinking', thinking: 'Need the weather.', signature: 'sig' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_2', name: 'refresh', input: {} },
    ]);
    const { message: out, finish_reason } = convertResponse(message as AnthropicResponse, { created }).choices[0];
    expect(finish_reason).toBe('tool_calls');
    expect(out).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      refusal: null,
      reasoning: 'Need the weather.',
      provider_data: { anthropic: { thinking: [{ type: 'thinking', thinking: 'Need the weather.', signature: 'sig' }] } },
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'toolu_2', type: 'function', function: { name: 'refresh', arguments: '{}' } },
      ],
    });
  });

  it('returns the JSON tool’s input as the content in json_object mode', () => {
    const message = wireMessage([
      { type: 'text', text: "I'll invoke the JSON tool." },
      { type: 'tool_use', id: 'toolu_j', name: JSON_TOOL_NAME, input: { a: 1 } },
    ]);
    const choice = convertResponse(message as AnthropicResponse, { created, jsonTool: JSON_TOOL_NAME }).choices[0];
    expect(choice.message).toEqual({ role: 'assistant', content: '{"a":1}', refusal: null });
    expect(choice.finish_reason).toBe('stop');
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    expect(finishReason(stop)).toBe(finish);
  });

  it('counts cache reads and writes as prompt tokens, shown as cached_tokens and cache_write_tokens, thinking as reasoning tokens', () => {
    expect(
      convertUsage({ input_tokens: 10, cache_read_input_tokens: 80, cache_creation_input_tokens: 10, output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } }),
    ).toEqual({
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 80, cache_write_tokens: 10 },
      completion_tokens_details: { reasoning_tokens: 25 },
    });
  });

  it('converts a model entry to OpenAI’s model shape', () => {
    const entry = { type: 'model', id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' };
    expect(normaliseModels([entry], 'anthropic')).toEqual([
      {
        id: 'claude-haiku-4-5',
        object: 'model',
        created: Date.UTC(2025, 9, 1) / 1000,
        owned_by: 'anthropic',
      },
    ]);
  });
});

describe('anthropic stream', () => {
  it('gives each of several tool calls its own index, name first, arguments that parse', () => {
    const message = wireMessage([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris', days: 3 } },
      { type: 'tool_use', id: 'toolu_2', name: 'refresh', input: {} },
    ]);
    const result = accumulate(stream(eventsFor(message, 4)));
    expect(result.content).toBe('Checking.');
    expect(result.toolCalls).toEqual([
      { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris","days":3}' } },
      { id: 'toolu_2', type: 'function', function: { name: 'refresh', arguments: '{}' } },
    ]);
    for (const index of [0, 1]) {
      const deltas = result.toolDeltas.filter((d) => d.index === index);
      expect(deltas[0]).toMatchObject({ name: expect.any(String), id: expect.any(String) });
      expect(deltas.slice(1).every((d) => d.name === undefined && d.id === undefined)).toBe(true);
    }
    expect(result.finishReason).toBe('tool_calls');
  });

  it('streams thinking as reasoning and hands over the signed block when it ends', () => {
    const chunks = stream(chunkLines('vercel-ai/anthropic-clear-thinking.1.chunks.txt'));
    const result = accumulate(chunks);
    expect(result.reasoning).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    expect(result.content).toBe('925 ÷ 5 = 185');
    const blocks = (result.providerData as { anthropic: { thinking: { thinking: string; signature: string }[] } }).anthropic.thinking;
    expect(blocks).toHaveLength(1);
    expect(blocks[0].thinking).toBe(result.reasoning);
    expect(blocks[0].signature).toMatch(/^EvQBCkYICxgCKkAx/);
  });

  it('hands over the signed and redacted thinking blocks once, all of them in order, on the finishing chunk (red13-provider-data)', () => {
    const message = wireMessage([
      { type: 'thinking', thinking: 'First.', signature: 'sig-a' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Done' },
    ]);
    const chunks = stream(eventsFor(message));
    const handed = chunks.flatMap((c) => (c.choices[0]?.delta.provider_data ? [[c.choices[0].delta.provider_data, c.choices[0].finish_reason]] : []));
    expect(handed).toEqual([
      [
        {
          anthropic: {
            thinking: [
              { type: 'thinking', thinking: 'First.', signature: 'sig-a' },
              { type: 'redacted_thinking', data: 'opaque' },
            ],
          },
        },
        'stop',
      ],
    ]);
    const merged = accumulate(chunks).providerData;
    const next = convert({ messages: [user('Q'), { role: 'assistant', content: 'Done', provider_data: merged as JsonObject }, user('Next')] });
    expect(next.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'First.', signature: 'sig-a' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Done' },
    ]);
  });

  it('ends with a finish chunk, then a usage chunk with no choices, unless include_usage is false', () => {
    const events = chunkLines('vercel-ai/anthropic-message-delta-input-tokens.chunks.txt');
    const chunks = stream(events);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    // message_delta's later input count replaces message_start's.
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 61, completion_tokens: 2, total_tokens: 63 } });
    expect(stream(events, { includeUsage: false }).some((c) => c.usage)).toBe(false);
  });

  it('streams the JSON tool’s input as content in json_object mode', () => {
    const result = accumulate(stream(chunkLines('vercel-ai/anthropic-json-tool.2.chunks.txt'), { jsonTool: JSON_TOOL_NAME }));
    expect(JSON.parse(result.content)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(result.toolCalls).toEqual([]);
    expect(result.finishReason).toBe('stop');
  });
});

describe('anthropic plugin runtime', () => {
  it('names the package to install when the SDK is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@anthropic-ai/sdk'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const load = loadAnthropicSdk('anthropic', () => Promise.reject(missing));
    await expect(load).rejects.toBeInstanceOf(MissingSdkError);
    await expect(load).rejects.toThrow(/npm install @anthropic-ai\/sdk/);
  });

  it('maps an error event in a stream to the class its Anthropic type stands for', () => {
    const sdkError = { name: 'APIError', status: undefined, message: 'Overloaded', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    const error = mapAnthropicError(sdkError, 'anthropic');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, code: 'overloaded_error', message: 'Overloaded', provider: 'anthropic' });
    expect(error.cause).toBe(sdkError); // the SDK's own error stays reachable
  });
});

describe("anthropic: openai-node's newer shapes are mapped or refused, never dropped", () => {
  const fn = { type: 'function' as const, function: { name: 'f' } };
  it.each<[string, Partial<CompletionParams>]>([
    ['tools[0]', { tools: [{ type: 'custom', custom: { name: 'sql' } }] }],
    ['tool_choice', { tools: [fn], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [fn] } } }],
    ['messages[0].content[0].prompt_cache_breakpoint', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', prompt_cache_breakpoint: { mode: 'explicit' } }] }] }],
    ['messages[0].content[0].image_url.detail', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'original' } }] }] }],
    ['messages[1].role', { messages: [user('Hi'), { role: 'function', name: 'f', content: '1' }] }],
    ['messages[1].audio', { messages: [user('Hi'), { role: 'assistant', content: 'x', audio: { id: 'a' } }] }],
    ['messages[1].tool_calls[0]', { messages: [user('Hi'), { role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'sql', input: 'x' } }] }] }],
    ['reasoning_effort', { reasoning_effort: 'max' }],
    ['metadata', { metadata: { run: '1' } }],
  ])('refuses %s', (parameter, params) => {
    expect(() => convert(params)).toThrow(UnsupportedParameterError);
    expect(() => convert(params)).toThrow(expect.objectContaining({ parameter }));
  });

  it('sends refusal parts and a refusal string of earlier turns back as what the model said', () => {
    const body = convert({
      messages: [
        user('Q1'),
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
        user('Q2'),
        { role: 'assistant', content: null, refusal: 'Still no.' },
        user('Q3'),
      ],
    });
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }] });
    expect(body.messages[3]).toEqual({ role: 'assistant', content: 'Still no.' });
  });
});
