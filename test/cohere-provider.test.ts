// The Cohere provider through the public API: its fetch-based plugin against a local server
// speaking Cohere's v2 Chat API (JSON answers, `event:`/`data:` stream events, `{ message }` error
// bodies). The shared scenarios run in the conformance suite; this file covers what is Cohere's own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  completion,
  embedding,
  InvalidRequestError,
  ProviderError,
  UnsupportedParameterError,
  type ChatMessage,
  type EmbeddingParams,
  type FunctionTool,
} from 'anyllm';
import { accumulateStream as accumulate } from './support/accumulate.js';
import { chatEvents, onCohereChat, sendCohereError, serveCohere, serveCohereEmbed, streamCohere } from './support/cohere-wire.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { LocalServer, sendJson } from './support/local-server.js';

let server: LocalServer;
let llm: AnyLLM;
const model = 'command-a-03-2025';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];
const weather: FunctionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const time: FunctionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('cohere', { apiKey: 'co-test-key', apiBase: server.origin, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

const lastBody = () => server.requests.filter((r) => r.path === '/v2/chat').at(-1)?.body as Record<string, unknown>;

describe('cohere: the request', () => {
  it("'cohere:model' posts Cohere's body to /v2/chat with the key as a bearer token, OpenAI names mapped to Cohere's", async () => {
    serveCohere(server, { text: 'Bonjour', finishReason: 'COMPLETE', usage: { input: 3, output: 1 } });
    const res = await completion(
      {
        model: `cohere:${model}`,
        messages: [{ role: 'developer', content: 'Answer in French.' }, ...messages],
        top_p: 0.8,
        stop: 'END',
        max_completion_tokens: 64,
        seed: 3,
        safety_mode: 'STRICT',
      },
      { apiKey: 'co-top-level', apiBase: `${server.origin}/v2` },
    );
    expect(res.choices[0].message.content).toBe('Bonjour');
    const request = server.requests.at(-1);
    expect(request?.path).toBe('/v2/chat');
    expect(request?.headers.authorization).toBe('Bearer co-top-level');
    expect(request?.body).toEqual({
      model,
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hi' },
      ],
      stream: false,
      p: 0.8,
      stop_sequences: ['END'],
      max_tokens: 64,
      seed: 3,
      // Not an OpenAI parameter: Cohere's own, passed through.
      safety_mode: 'STRICT',
    });
  });

  it('reads the key and base URL from COHERE_API_KEY and COHERE_BASE_URL', async () => {
    serveCohere(server, { text: 'from env', finishReason: 'COMPLETE', usage: { input: 1, output: 2 } });
    const saved = { key: process.env.COHERE_API_KEY, base: process.env.COHERE_BASE_URL };
    process.env.COHERE_API_KEY = 'co-env-key';
    process.env.COHERE_BASE_URL = server.origin;
    const fromEnv = await AnyLLM.create('cohere');
    try {
      expect((await fromEnv.completion({ model, messages })).choices[0].message.content).toBe('from env');
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer co-env-key');
    } finally {
      await fromEnv.close();
      for (const [name, value] of [['COHERE_API_KEY', saved.key], ['COHERE_BASE_URL', saved.base]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it.each([
    ['low', { type: 'enabled', token_budget: 1024 }],
    ['high', { type: 'enabled', token_budget: 24576 }],
    ['none', { type: 'disabled' }],
  ] as const)('reasoning_effort %s becomes thinking %o', async (effort, thinking) => {
    serveCohere(server, { text: 'ok', finishReason: 'COMPLETE', usage: { input: 1, output: 1 } });
    await llm.completion({ model, messages, reasoning_effort: effort });
    expect(lastBody().thinking).toEqual(thinking);
  });

  it('sends a JSON schema as a json_object response format carrying it', async () => {
    serveCohere(server, { text: '{}', finishReason: 'COMPLETE', usage: { input: 1, output: 1 } });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    await llm.completion({ model, messages, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
    expect(lastBody().response_format).toEqual({ type: 'json_object', json_schema: schema });
  });

  it("sends an assistant turn's text beside tool calls as tool_plan, and tool results with their call ids", async () => {
    serveCohere(server, { text: 'Sunny.', finishReason: 'COMPLETE', usage: { input: 1, output: 1 } });
    await llm.completion({
      model,
      tools: [weather],
      messages: [
        ...messages,
        { role: 'assistant', content: 'I will look it up.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '21C' }] },
      ],
    });
    expect(lastBody().messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', tool_plan: 'I will look it up.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '21C' },
    ]);
    expect(lastBody().tools).toEqual([{ type: 'function', function: weather.function }]);
  });

  it('a named tool_choice offers only that tool and requires a call (Cohere has no named choice)', async () => {
    serveCohere(server, { text: 'ok', finishReason: 'COMPLETE', usage: { input: 1, output: 1 } });
    await llm.completion({ model, messages, tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } } });
    expect(lastBody().tool_choice).toBe('REQUIRED');
    expect((lastBody().tools as FunctionTool[]).map((t) => t.function.name)).toEqual(['get_time']);
    await llm.completion({ model, messages, tools: [weather], tool_choice: 'none' });
    expect(lastBody().tool_choice).toBe('NONE');
  });

  it.each([
    ['parallel_tool_calls', { tools: [weather], parallel_tool_calls: false }],
    ['n', { n: 2 }],
    ['user', { user: 'u-1' }],
    ['messages[0].name', { messages: [{ role: 'user', content: 'Hi', name: 'ann' }] }],
    ['tools[0].function.strict', { tools: [{ ...weather, function: { ...weather.function, strict: true } }, time] }],
  ] as const)('refuses %s, which Cohere cannot honour, before sending anything', async (parameter, extra) => {
    const error = await llm.completion({ model, messages, ...extra } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider: 'cohere' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('cohere: the answer', () => {
  const planned = {
    toolPlan: 'I will check the weather.',
    toolCalls: [{ id: 'get_weather_x1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    finishReason: 'TOOL_CALL' as const,
    usage: { input: 20, output: 12, cached: 8 },
  };

  it("puts the tool plan in content beside the tool calls, and Cohere's cached tokens in the usage details", async () => {
    serveCohere(server, planned);
    const res = await llm.completion({ model, messages, tools: [weather] });
    expect(res.choices[0].message).toMatchObject({ content: 'I will check the weather.', tool_calls: [{ id: 'get_weather_x1', function: { name: 'get_weather' } }] });
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 12, total_tokens: 32, prompt_tokens_details: { cached_tokens: 8 } });
  });

  it('streams the tool plan as content deltas, then the tool call', async () => {
    serveCohere(server, planned);
    const res = await accumulate(llm.completionStream({ model, messages, tools: [weather] }));
    expect(res.message.content).toBe('I will check the weather.');
    expect(res.message.tool_calls?.map((c) => c.type === 'function' && c.function.arguments)).toEqual(['{"city":"Paris"}']);
    expect(res.finishReason).toBe('tool_calls');
  });

  it('a stream without usage when the caller asks for none', async () => {
    serveCohere(server, { text: 'Hi there', finishReason: 'COMPLETE', usage: { input: 2, output: 2 } });
    const res = await accumulate(llm.completionStream({ model, messages, stream_options: { include_usage: false } }));
    expect(res.message.content).toBe('Hi there');
    expect(res.chunks.some((c) => c.usage)).toBe(false);
  });

  it("a generation that ends in ERROR is a ProviderError with Cohere's message, streamed or not", async () => {
    const failed = { text: 'Partial', finishReason: 'ERROR' as const, error: 'internal generation failure', usage: { input: 1, output: 1 } };
    serveCohere(server, failed);
    const streamed = await accumulate(llm.completionStream({ model, messages })).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(ProviderError);
    expect(streamed).toMatchObject({ provider: 'cohere', code: 'error', message: 'internal generation failure' });
    const direct = await llm.completion({ model, messages }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(ProviderError);
    expect(direct).toMatchObject({ provider: 'cohere', code: 'error' });
  });
});

describe('cohere: errors and retries', () => {
  it("498 (Cohere's invalid token) is an AuthenticationError with Cohere's message", async () => {
    onCohereChat(server, (_req, res) => sendCohereError(res, 498, 'invalid api token'));
    const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 498, provider: 'cohere', message: 'invalid api token' });
  });

  it('retries a 503 and a 429 (after its retry-after) by default, then answers', async () => {
    const retrying = await AnyLLM.create('cohere', { apiKey: 'k', apiBase: server.origin });
    try {
      let calls = 0;
      onCohereChat(server, (req, res) => {
        calls++;
        if (calls === 1) return sendCohereError(res, 503, 'busy');
        if (calls === 2) return sendCohereError(res, 429, 'slow down', { 'retry-after': '0' });
        if ((req.body as { stream?: boolean }).stream) return streamCohere(res, chatEvents({ text: 'third time', finishReason: 'COMPLETE', usage: { input: 1, output: 2 } }));
        sendJson(res, 200, {});
      });
      const res = await accumulate(retrying.completionStream({ model, messages }));
      expect(res.message.content).toBe('third time');
      expect(calls).toBe(3);
    } finally {
      await retrying.close();
    }
  });
});

describe('cohere: embeddings (v2 Embed)', () => {
  const embedBodies = () => server.requests.filter((r) => r.path === '/v2/embed').map((r) => r.body as Record<string, unknown>);
  const V = [
    [0.5, -0.25],
    [0.125, 2],
  ];

  it("'cohere:model' posts texts, input_type 'search_document', float embeddings and output_dimension; answers OpenAI's shape with billed tokens", async () => {
    serveCohereEmbed(server, (_text, i) => V[i]);
    const res = await embedding({ model: 'cohere:embed-v4.0', input: ['a cat', 'a dog'], dimensions: 256 }, { apiKey: 'co-top-level', apiBase: server.origin });
    expect(res).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: V[0] },
        { object: 'embedding', index: 1, embedding: V[1] },
      ],
      model: 'embed-v4.0',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    expect(embedBodies()).toEqual([
      { model: 'embed-v4.0', texts: ['a cat', 'a dog'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 },
    ]);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer co-top-level');
  });

  it('the embeddingInputType option sets input_type; base64 is made from the floats in the plugin', async () => {
    serveCohereEmbed(server, (_text, i) => V[i]);
    const queries = await AnyLLM.create('cohere', { apiKey: 'k', apiBase: server.origin, retry: false, embeddingInputType: 'search_query' });
    try {
      const res = await queries.embedding({ model: 'embed-english-v3.0', input: 'where is the cat?', encoding_format: 'base64' });
      expect(res.data).toEqual([{ object: 'embedding', index: 0, embedding: Buffer.from(new Float32Array(V[0]).buffer).toString('base64') }]);
      expect(embedBodies()).toEqual([{ model: 'embed-english-v3.0', texts: ['where is the cat?'], input_type: 'search_query', embedding_types: ['float'] }]);
    } finally {
      await queries.close();
    }
  });

  it('an embeddingInputType Cohere does not know is an InvalidRequestError naming the option', async () => {
    const bad = await AnyLLM.create('cohere', { apiKey: 'k', apiBase: server.origin, retry: false, embeddingInputType: 'query' });
    try {
      const error = await bad.embedding({ model: 'embed-v4.0', input: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(/^Option 'embeddingInputType' must be one of 'search_document', 'search_query'/);
    } finally {
      await bad.close();
    }
    expect(embedBodies()).toEqual([]);
  });

  it('splits 97 texts into requests of 96 and 1, joined in input order with the billed tokens summed', async () => {
    serveCohereEmbed(server, (text) => [Number(text.slice(1))], (texts) => texts.length * 3);
    const input = Array.from({ length: 97 }, (_v, i) => `t${i}`);
    const res = await llm.embedding({ model: 'embed-v4.0', input });
    expect(embedBodies().map((b) => b.texts)).toEqual([input.slice(0, 96), ['t96']]);
    expect(res.data.map((d) => [d.index, d.embedding[0]])).toEqual(input.map((_t, i) => [i, i]));
    expect(res.usage).toEqual({ prompt_tokens: 291, total_tokens: 291 });
  });

  it.each<[string, EmbeddingParams]>([
    ['user', { model: 'embed-v4.0', input: 'a', user: 'u' }],
    ['input', { model: 'embed-v4.0', input: [1, 2, 3] }],
  ])('refuses %s with UnsupportedParameterError before sending', async (parameter, params) => {
    const error = await llm.embedding(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider: 'cohere' });
    expect(embedBodies()).toEqual([]);
  });

  it("a 400 is an InvalidRequestError with Cohere's message; an answer without embeddings.float is a ProviderError", async () => {
    server.on('POST', '/v2/embed', (_req, res) => sendCohereError(res, 400, 'invalid request: output_dimension 7 is not supported'));
    const error = await llm.embedding({ model: 'embed-v4.0', input: 'a', dimensions: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, provider: 'cohere', message: 'invalid request: output_dimension 7 is not supported' });
    server.on('POST', '/v2/embed', (_req, res) => sendJson(res, 200, { id: 'x', embeddings: { int8: [[1]] }, meta: {} }));
    const shape = await llm.embedding({ model: 'embed-v4.0', input: 'a' }).catch((e: unknown) => e);
    expect(shape).toBeInstanceOf(ProviderError);
    expect((shape as Error).message).toBe("Provider 'cohere' answered an embed body without embeddings.float.");
  });
});

describe('cohere: sandboxed', () => {
  it.each(SANDBOX_MODES)("runs in the sandbox (OS boundary: %s), its fetch going through the host to the caller's apiBase", async (os) => {
    const sandboxed = await AnyLLM.create('cohere', { isolation: 'sandbox', sandbox: { os }, apiKey: 'co-sandbox', apiBase: server.origin, retry: false });
    try {
      serveCohere(server, { text: 'Hello from the sandbox', finishReason: 'COMPLETE', usage: { input: 2, output: 4 } });
      expect((await sandboxed.completion({ model, messages })).choices[0].message.content).toBe('Hello from the sandbox');
      const streamed = await accumulate(sandboxed.completionStream({ model, messages }));
      expect(streamed.message.content).toBe('Hello from the sandbox');
      expect(streamed.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer co-sandbox');
    } finally {
      await sandboxed.close();
    }
  });
});
