// The Anthropic provider through the public API: the real @anthropic-ai/sdk inside the plugin,
// against a local server speaking Anthropic's Messages API wire format.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  ContextLengthExceededError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  UnsupportedParameterError,
  type ChatMessage,
} from 'anyllm';
import {
  eventsFor,
  onMessages,
  recordedEvents,
  sendAnthropicError,
  serveMessage,
  serveModels,
  sseEvent,
  streamEvents,
  wireMessage,
} from './support/anthropic-wire.js';
import { anthropicDialect } from './conformance/dialects/anthropic.js';
import { fixtureJson, sseEvents } from './support/fixtures.js';
import { LocalServer, sendJson, sendSse } from './support/local-server.js';
import { collect } from './support/collect.js';
import { accumulate } from './support/accumulate.js';

let server: LocalServer;
let llm: AnyLLM;
const model = 'claude-haiku-4-5';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('anthropic', { apiKey: 'sk-ant-test', apiBase: server.origin, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});


/** The Anthropic request body the server received last. */
function lastBody(): Record<string, unknown> {
  return server.requests.filter((r) => r.path === '/v1/messages').at(-1)?.body as Record<string, unknown>;
}

describe('anthropic: the request the SDK sends', () => {
  it('posts the converted body to /v1/messages with the API key', async () => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'Bonjour' }]));
    await llm.completion({
      model,
      messages: [{ role: 'system', content: 'Answer in French.' }, ...messages],
      temperature: 0.5,
      stop: ['END'],
      max_tokens: 100,
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
    });
    const request = server.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token; 0.x sent it as x-api-key.
    const { authorization, 'x-api-key': apiKey } = request.headers;
    expect(apiKey === 'sk-ant-test' || authorization === 'Bearer sk-ant-test').toBe(true);
    expect(request.headers['anthropic-version']).toEqual(expect.any(String));
    expect(request.body).toEqual({
      model,
      max_tokens: 100,
      system: [{ type: 'text', text: 'Answer in French.' }],
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      temperature: 0.5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
  });

  it('accepts a base URL that ends in /v1, as OpenAI-style URLs do', async () => {
    const other = await AnyLLM.create('anthropic', { apiKey: 'k', apiBase: `${server.origin}/v1`, retry: false });
    try {
      serveMessage(server, wireMessage([{ type: 'text', text: 'ok' }]));
      const res = await other.completion({ model, messages });
      expect(res.choices[0].message.content).toBe('ok');
      expect(server.requests[0].path).toBe('/v1/messages');
    } finally {
      await other.close();
    }
  });

  // The README's numbers, as literals (README "Provider notes": "`max_tokens` defaults to 8192 ...
  // thinking budgets (minimal 1024, low 2048, medium 8192, high 24576, xhigh 32768 tokens)"), checked
  // against the body the real SDK sends, never against the plugin's own constants.
  it('sends max_tokens 8192 when none is given, and no thinking', async () => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'ok' }]));
    await llm.completion({ model, messages });
    expect(lastBody().max_tokens).toBe(8192);
    expect(lastBody()).not.toHaveProperty('thinking');
  });

  it.each([
    ['minimal', 1024],
    ['low', 2048],
    ['medium', 8192],
    ['high', 24576],
    ['xhigh', 32768],
  ] as const)('reasoning_effort %s sends a thinking budget of %i tokens, with 8192 for the answer on top', async (effort, budget) => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'ok' }]));
    await llm.completion({ model, messages, reasoning_effort: effort });
    expect(lastBody().thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(lastBody().max_tokens).toBe(budget + 8192);
  });

  it('the README states those budgets and the default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('`max_tokens` defaults to 8192 when not given');
    expect(readme).toContain('thinking budgets (minimal 1024, low 2048, medium 8192, high 24576, xhigh 32768 tokens)');
  });

  it('refuses a parameter Anthropic cannot honour before anything is sent', async () => {
    const call = llm.completion({ model, messages, seed: 7 });
    await expect(call).rejects.toBeInstanceOf(UnsupportedParameterError);
    await expect(call).rejects.toMatchObject({ parameter: 'seed', provider: 'anthropic' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('anthropic: recorded responses', () => {
  it('normalises the recorded non-streaming response', async () => {
    onMessages(server, (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/anthropic-text.json')));
    const res = await llm.completion({ model, messages });
    expect(res).toMatchObject({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: expect.stringMatching(/^Hello! I'm doing well/) } }],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it('replays the basic SSE recording', async () => {
    onMessages(server, (_req, res) => sendSse(res, sseEvents('anthropic-sdk-python/basic_response.txt')));
    const chunks = await collect(llm.completionStream({ model, messages }));
    const result = accumulate(chunks);
    expect(chunks[0]).toMatchObject({ id: 'msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK', object: 'chat.completion.chunk', model: 'claude-3-opus-latest' });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(result.content).toBe('Hello there!');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 });
  });

  it('replays the tool-use SSE recording as an OpenAI tool call', async () => {
    onMessages(server, (_req, res) => sendSse(res, sseEvents('anthropic-sdk-python/tool_use_response.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages })));
    expect(result.content).toBe("I'll check the current weather in Paris for you.");
    expect(result.toolCalls).toEqual([
      { id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', type: 'function', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } },
    ]);
    expect(JSON.parse(result.toolCalls[0].function.arguments)).toEqual({ location: 'Paris' });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 });
  });

  it('replays the recording cut off by max_tokens as finish_reason length', async () => {
    onMessages(server, (_req, res) => sendSse(res, sseEvents('anthropic-sdk-python/incomplete_partial_json_response.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages })));
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({ id: 'toolu_01EKqbqmZrGRXy18eN7m9kvY', function: { name: 'make_file' } });
    expect(result.toolCalls[0].function.arguments).toMatch(/^\{"filename": "taxes.txt", "lines_of_text": \[/);
    expect(result.finishReason).toBe('length');
    expect(result.usage).toMatchObject({ prompt_tokens: 450, completion_tokens: 124 });
  });

  it('replays the vercel-ai text recording', async () => {
    onMessages(server, (_req, res) => sendSse(res, recordedEvents('vercel-ai/anthropic-text.chunks.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages })));
    expect(result.content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(result.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
  });

  it('replays a tool call without arguments with {} as its arguments', async () => {
    onMessages(server, (_req, res) => sendSse(res, recordedEvents('vercel-ai/anthropic-tool-no-args.chunks.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages })));
    expect(result.content).toBe("I'll update the issue list for you.");
    expect(result.toolCalls).toEqual([{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } }]);
    expect(result.finishReason).toBe('tool_calls');
  });

  it('replays the JSON-tool recording as JSON content for response_format json_object', async () => {
    onMessages(server, (_req, res) => sendSse(res, recordedEvents('vercel-ai/anthropic-json-tool.2.chunks.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages, response_format: { type: 'json_object' } })));
    expect(JSON.parse(result.content)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(result.finishReason).toBe('stop');
    expect(lastBody()).toMatchObject({ tool_choice: { type: 'tool', name: 'json' }, tools: [{ name: 'json' }] });
  });

  it('replays the recording whose message_delta updates the input tokens', async () => {
    onMessages(server, (_req, res) => sendSse(res, recordedEvents('vercel-ai/anthropic-message-delta-input-tokens.chunks.txt')));
    const chunks = await collect(llm.completionStream({ model, messages }));
    expect(accumulate(chunks).content).toBe('pong');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 61, completion_tokens: 2, total_tokens: 63 } });
  });

  it('replays the thinking recording as reasoning with its signature on provider_data', async () => {
    onMessages(server, (_req, res) => sendSse(res, recordedEvents('vercel-ai/anthropic-clear-thinking.1.chunks.txt')));
    const result = accumulate(await collect(llm.completionStream({ model, messages, reasoning_effort: 'low' })));
    expect(result.reasoning).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    expect(result.content).toBe('925 ÷ 5 = 185');
    expect(JSON.stringify(result.providerData)).toContain('EvQBCkYICxgCKkAxhD4NUKFzudtZ6NzbZdEiBACIScTzqjPViM596iWLZIk4EFKYYBj3B6Ptl3b0dcQv');
    expect(lastBody()).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 2048 + 8192 });
  });
});

describe('anthropic: conversations', () => {
  it('runs a two-turn tool conversation: two calls, their results, the answer', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    serveMessage(
      server,
      wireMessage([
        { type: 'text', text: 'Checking both cities.' },
        { type: 'tool_use', id: 'toolu_paris', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_rome', name: 'weather', input: { city: 'Rome' } },
      ]),
    );
    const history: ChatMessage[] = [{ role: 'user', content: 'Weather in Paris and Rome?' }];
    const first = accumulate(await collect(llm.completionStream({ model, messages: history, tools })));
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['toolu_paris', 'weather', { city: 'Paris' }],
      ['toolu_rome', 'weather', { city: 'Rome' }],
    ]);

    history.push(first.message);
    for (const call of first.toolCalls) {
      const city = (JSON.parse(call.function.arguments) as { city: string }).city;
      history.push({ role: 'tool', tool_call_id: call.id, content: city === 'Paris' ? '18C' : '24C' });
    }
    serveMessage(server, wireMessage([{ type: 'text', text: 'Paris is 18C and Rome 24C.' }]));
    const second = await llm.completion({ model, messages: history, tools });
    expect(second.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Paris is 18C and Rome 24C.' } });
    expect(lastBody().messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both cities.' },
          { type: 'tool_use', id: 'toolu_paris', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_rome', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_paris', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_rome', content: '24C' },
        ],
      },
    ]);
  });

  it('runs a two-turn reasoning conversation: the signed thinking goes back unchanged', async () => {
    const thinking = { type: 'thinking' as const, thinking: '17 * 3 = 51.', signature: 'sig-abc123==' };
    serveMessage(
      server,
      wireMessage([thinking, { type: 'text', text: '51' }], { usage: { input_tokens: 20, output_tokens: 30, output_tokens_details: { thinking_tokens: 22 } } }),
    );
    const history: ChatMessage[] = [{ role: 'user', content: '17 * 3?' }];
    const chunks = await collect(llm.completionStream({ model, messages: history, reasoning_effort: 'medium' }));
    const first = accumulate(chunks);
    expect(first.reasoning).toBe('17 * 3 = 51.');
    expect(first.content).toBe('51');
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 22 } });
    history.push(first.message);
    history.push({ role: 'user', content: 'And times 2?' });

    serveMessage(server, wireMessage([{ ...thinking, thinking: '51 * 2 = 102.', signature: 'sig-2' }, { type: 'text', text: '102' }]));
    const second = await llm.completion({ model, messages: history, reasoning_effort: 'medium' });
    expect(lastBody().messages).toEqual([
      { role: 'user', content: '17 * 3?' },
      { role: 'assistant', content: [thinking, { type: 'text', text: '51' }] },
      { role: 'user', content: 'And times 2?' },
    ]);

    // The non-streaming message goes back as it came, too.
    const message = second.choices[0].message;
    expect(message).toMatchObject({ content: '102', reasoning: '51 * 2 = 102.' });
    history.push({ role: 'assistant', content: message.content, reasoning: message.reasoning, provider_data: message.provider_data });
    history.push({ role: 'user', content: 'Thanks' });
    await llm.completion({ model, messages: history, reasoning_effort: 'medium' });
    expect((lastBody().messages as unknown[])[3]).toEqual({
      role: 'assistant',
      content: [{ type: 'thinking', thinking: '51 * 2 = 102.', signature: 'sig-2' }, { type: 'text', text: '102' }],
    });
  });
});

describe('anthropic: long non-streaming requests', () => {
  it('answers completion() with a thinking budget too large for a non-streaming request', async () => {
    const thinking = { type: 'thinking' as const, thinking: 'A long think.', signature: 'sig-long' };
    serveMessage(server, wireMessage([thinking, { type: 'text', text: 'Answer' }], { usage: { input_tokens: 9, output_tokens: 40 } }));
    const res = await llm.completion({ model, messages, reasoning_effort: 'high' });
    expect(res.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'Answer', reasoning: 'A long think.', provider_data: { anthropic: { thinking: [thinking] } } },
    });
    expect(res.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 40 });
    expect(lastBody()).toMatchObject({ stream: true, max_tokens: 24576 + 8192 });
  });
});

describe('anthropic: errors', () => {
  it.each([
    [401, 'invalid x-api-key', AuthenticationError],
    [404, 'model: claude-nope', ModelNotFoundError],
    [400, 'prompt is too long: 210000 tokens > 200000 maximum', ContextLengthExceededError],
    [529, 'Overloaded', ProviderError],
  ] as const)('maps status %i to its error class with Anthropic’s message', async (status, message, ErrorClass) => {
    onMessages(server, (_req, res) => sendAnthropicError(res, status, message));
    const call = llm.completion({ model, messages });
    await expect(call).rejects.toBeInstanceOf(ErrorClass);
    await expect(call).rejects.toMatchObject({ status, message, provider: 'anthropic' });
  });

  it('gives a 429 as RateLimitError with the retry-after delay', async () => {
    onMessages(server, (_req, res) => sendAnthropicError(res, 429, 'Number of request tokens has exceeded your rate limit', { headers: { 'retry-after': '7' } }));
    const call = llm.completion({ model, messages });
    await expect(call).rejects.toBeInstanceOf(RateLimitError);
    await expect(call).rejects.toMatchObject({ status: 429, retryAfterMs: 7000, code: 'rate_limit_error' });
  });

  it('raises an error event in the middle of a stream as a ProviderError', async () => {
    onMessages(server, (_req, res) => {
      const [start, blockStart, firstDelta] = eventsFor(wireMessage([{ type: 'text', text: 'Hello there' }]));
      const error = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}`;
      return sendSse(res, [sseEvent(start), sseEvent(blockStart), sseEvent(firstDelta), error]);
    });
    const seen: string[] = [];
    const run = async () => {
      for await (const chunk of llm.completionStream({ model, messages })) seen.push(chunk.choices[0]?.delta.content ?? '');
    };
    await expect(run()).rejects.toMatchObject({ name: 'ProviderError', status: 529, message: 'Overloaded' });
    expect(seen.join('')).toBe('Hello t');
  });

  it('closes the upstream request when the caller aborts a stream', async () => {
    onMessages(server, (_req, res) =>
      streamEvents(res, eventsFor(wireMessage([{ type: 'text', text: 'a long answer that keeps coming' }]), 2), { delayMs: 20, hang: true }),
    );
    const controller = new AbortController();
    const aborted = server.nextAbort();
    const run = async () => {
      for await (const _chunk of llm.completionStream({ model, messages }, { signal: controller.signal })) controller.abort();
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    await aborted;
  });
});

describe('anthropic: listModels', () => {
  it('follows the pages and returns OpenAI-shaped models', async () => {
    const models = [
      { id: 'claude-opus-4-7', display_name: 'Claude Opus 4.7', created_at: '2026-04-16T00:00:00Z' },
      { id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' },
      { id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
    ];
    serveModels(server, models, 2);
    const list = await llm.listModels();
    expect(list).toEqual(models.map((m) => ({ id: m.id, object: 'model', created: Date.parse(m.created_at) / 1000, owned_by: 'anthropic' })));
    expect(server.requests.filter((r) => r.path === '/v1/models').length).toBe(2);
  });
});

describe('anthropic: the conformance dialect', () => {
  const dialect = anthropicDialect;
  const create = () => AnyLLM.create(dialect.provider, { apiKey: 'k', apiBase: dialect.apiBase(server), retry: false });

  it('serves text with usage where Anthropic carries it, streamed or not', async () => {
    const usage = { input: 100, output: 20, cached: 60, reasoning: 5 };
    dialect.serve(server, { kind: 'text', text: 'Hello from the dialect', usage, finish: 'length' });
    const client = await create();
    try {
      const res = await client.completion({ model: dialect.model, messages });
      expect(res.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'Hello from the dialect' } });
      const expected = { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 5 } };
      expect(res.usage).toMatchObject(expected);
      const streamed = await collect(client.completionStream({ model: dialect.model, messages }));
      expect(accumulate(streamed)).toMatchObject({ content: 'Hello from the dialect', finishReason: 'length', usage: expected });
      expect(dialect.lastRequest(server)).toMatchObject({ model: dialect.model, stream: true, messages: [{ role: 'user', text: 'Hi' }], tools: [] });
    } finally {
      await client.close();
    }
  });

  it('reads tool calls, tool results, reasoning and signatures back from the request', async () => {
    dialect.serve(server, { kind: 'reasoning', reasoning: 'Think.', signature: 'sig-d', text: 'Done', usage: { input: 1, output: 1 } });
    const client = await create();
    try {
      const first = (await client.completion({ model: dialect.model, messages, reasoning_effort: 'low' })).choices[0].message;
      await client.completion({
        model: dialect.model,
        reasoning_effort: 'low',
        tools: [{ type: 'function', function: { name: 'f' } }],
        messages: [
          { role: 'system', content: 'S' },
          ...messages,
          { role: 'assistant', content: first.content, reasoning: first.reasoning, provider_data: first.provider_data },
          { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_f', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
          { role: 'tool', tool_call_id: 'toolu_f', content: 'result' },
        ],
      });
      expect(dialect.lastRequest(server)).toMatchObject({
        stream: false,
        tools: ['f'],
        messages: [
          { role: 'system', text: 'S' },
          { role: 'user', text: 'Hi' },
          { role: 'assistant', text: 'Done', reasoning: 'Think.', signature: 'sig-d' },
          { role: 'user', text: 'Look', images: 1 },
          { role: 'assistant', toolCalls: [{ id: 'toolu_f', name: 'f', args: { a: 1 } }] },
          { role: 'tool', toolResult: { id: 'toolu_f', content: 'result' } },
        ],
      });
    } finally {
      await client.close();
    }
  });

  it('serves errors with retry-after, and slow streams that can be aborted', async () => {
    dialect.serve(server, { kind: 'error', status: 429, message: 'slow down', retryAfterSeconds: 3 });
    const client = await create();
    try {
      await expect(client.completion({ model: dialect.model, messages })).rejects.toMatchObject({ name: 'RateLimitError', retryAfterMs: 3000 });
      dialect.serve(server, { kind: 'slow', pieces: ['a', 'b', 'c'], delayMs: 10, hang: true });
      const controller = new AbortController();
      const seen: string[] = [];
      const run = async () => {
        for await (const chunk of client.completionStream({ model: dialect.model, messages }, { signal: controller.signal })) {
          seen.push(chunk.choices[0]?.delta.content ?? '');
          if (seen.join('') === 'abc') controller.abort();
        }
      };
      await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
      expect(seen.join('')).toBe('abc');
    } finally {
      await client.close();
    }
  });
});
