// Embeddings through the public API, per provider, against a local server speaking that provider's
// wire format: the request body each one receives and the OpenAI-shaped result; batches split at
// the provider's limit and joined in order; what is refused, and that nothing is sent then.
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  embedding,
  registerPlugin,
  InvalidRequestError,
  ProviderError,
  UnsupportedParameterError,
  type AnyLLMOptions,
  type CallEndEvent,
  type CreateEmbeddingResponse,
  type EmbeddingParams,
} from 'anyllm';
import { LocalServer, sendJson, type RecordedRequest } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { onChat, streamChunks, syntheticStream } from './support/openai-wire.js';
import { collect } from './support/collect.js';
import { accumulate } from './support/accumulate.js';
import { copyPlugin } from './support/plugin-copy.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));
afterEach(() => {
  server.requests.length = 0;
});

const clients = new Map<string, Promise<AnyLLM>>();
/** One client per provider for the whole file (each starts its plugin once). */
function client(provider: string, prefix: string, options: AnyLLMOptions = {}): Promise<AnyLLM> {
  if (!clients.has(provider)) {
    const created = AnyLLM.create(provider, { apiKey: 'test-key', apiBase: `${server.origin}${prefix}`, retry: false, ...options }).then((llm) => {
      open.push(llm);
      return llm;
    });
    clients.set(provider, created);
  }
  return clients.get(provider) as Promise<AnyLLM>;
}

/** Base64 of little-endian float32s, as OpenAI encodes a vector (written independently of the plugin's). */
const base64Of = (vector: number[]): string => Buffer.from(new Float32Array(vector).buffer).toString('base64');

// Values exact in float32, so base64 round trips compare equal.
const V = [
  [0.5, -0.25, 1],
  [0.125, 2, -0.5],
];

/** An OpenAI-shaped embeddings body, with the provider's extra fields. */
function openaiBody(model: string, vectors: (number[] | string)[], usage?: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', embedding, index })),
    model,
    ...(usage ? { usage } : {}),
    ...extra,
  };
}

/** The result the caller must see. */
function expected(model: string, vectors: (number[] | string)[], promptTokens: number): CreateEmbeddingResponse {
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })) as CreateEmbeddingResponse['data'],
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

interface WireCase {
  provider: string;
  /** The base URL's path. */
  prefix: string;
  /** Where the embeddings request arrives. */
  path: (params: EmbeddingParams) => string;
  params: EmbeddingParams;
  /** The request body the server must receive. */
  body: Record<string, unknown>;
  /** What the server answers, in its own shape. */
  reply: Record<string, unknown>;
  result: CreateEmbeddingResponse;
  options?: AnyLLMOptions;
}

const at = (prefix: string) => () => `${prefix}/embeddings`;

const CASES: WireCase[] = [
  {
    provider: 'openai',
    prefix: '/v1',
    path: at('/v1'),
    // No encoding_format given: base64 is asked for (a quarter of the bytes) and decoded, as openai-node does.
    params: { model: 'text-embedding-3-small', input: ['a cat', 'a dog'], dimensions: 3, user: 'user-1' },
    body: { model: 'text-embedding-3-small', input: ['a cat', 'a dog'], dimensions: 3, user: 'user-1', encoding_format: 'base64' },
    reply: openaiBody('text-embedding-3-small', V.map(base64Of), { prompt_tokens: 4, total_tokens: 4 }),
    result: expected('text-embedding-3-small', V, 4),
  },
  {
    // The deployment is in the path; the key in `api-key`; api-version in the query.
    provider: 'azureopenai',
    prefix: '',
    path: (p) => `/openai/deployments/${p.model}/embeddings`,
    params: { model: 'embed-deployment', input: 'hello', dimensions: 3, encoding_format: 'float' },
    body: { model: 'embed-deployment', input: 'hello', dimensions: 3, encoding_format: 'float' },
    reply: openaiBody('text-embedding-3-large', [V[0]], { prompt_tokens: 1, total_tokens: 1 }),
    result: expected('text-embedding-3-large', [V[0]], 1),
    options: { apiVersion: '2024-10-21' },
  },
  {
    // Mistral spells dimensions `output_dimension` and refuses unknown fields.
    provider: 'mistral',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'codestral-embed', input: ['def f(): pass', 'x = 1'], dimensions: 3 },
    body: { model: 'codestral-embed', input: ['def f(): pass', 'x = 1'], output_dimension: 3 },
    reply: openaiBody('codestral-embed', V, { prompt_tokens: 9, total_tokens: 9, completion_tokens: 0 }, { id: '8c5a7e1b' }),
    result: expected('codestral-embed', V, 9),
  },
  {
    provider: 'ollama',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'nomic-embed-text', input: 'why is the sky blue?', dimensions: 3, encoding_format: 'float' },
    body: { model: 'nomic-embed-text', input: 'why is the sky blue?', dimensions: 3, encoding_format: 'float' },
    reply: openaiBody('nomic-embed-text', [V[1]], { prompt_tokens: 7, total_tokens: 7 }),
    result: expected('nomic-embed-text', [V[1]], 7),
  },
  {
    // LM Studio takes no encoding_format: floats are asked for (by leaving it out).
    provider: 'lmstudio',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'text-embedding-nomic-embed-text-v1.5', input: ['a', 'b'], encoding_format: 'float' },
    body: { model: 'text-embedding-nomic-embed-text-v1.5', input: ['a', 'b'] },
    reply: openaiBody('text-embedding-nomic-embed-text-v1.5', V, { prompt_tokens: 0, total_tokens: 0 }),
    result: expected('text-embedding-nomic-embed-text-v1.5', V, 0),
  },
  {
    // llama-server takes token ids and answers base64 when asked: passed through as is.
    provider: 'llamacpp',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'bge-small', input: [[1, 2, 3], [4, 5]], encoding_format: 'base64' },
    body: { model: 'bge-small', input: [[1, 2, 3], [4, 5]], encoding_format: 'base64' },
    reply: openaiBody('bge-small', V.map(base64Of), { prompt_tokens: 5, total_tokens: 5 }),
    result: expected('bge-small', V.map(base64Of), 5),
  },
  {
    provider: 'vllm',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'BAAI/bge-m3', input: ['query: a'], dimensions: 3, user: 'u', encoding_format: 'float' },
    body: { model: 'BAAI/bge-m3', input: ['query: a'], dimensions: 3, user: 'u', encoding_format: 'float' },
    reply: openaiBody('BAAI/bge-m3', [V[0]], { prompt_tokens: 3, total_tokens: 3, completion_tokens: 0 }, { id: 'embd-1', created: 1 }),
    result: expected('BAAI/bge-m3', [V[0]], 3),
  },
  {
    // Together answers floats and no usage: base64 is made in the plugin, usage is 0.
    provider: 'together',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'BAAI/bge-base-en-v1.5', input: ['a', 'b'], encoding_format: 'base64' },
    body: { model: 'BAAI/bge-base-en-v1.5', input: ['a', 'b'] },
    reply: openaiBody('BAAI/bge-base-en-v1.5', V, undefined, { request_id: 'r-1' }),
    result: expected('BAAI/bge-base-en-v1.5', V.map(base64Of), 0),
  },
  {
    provider: 'fireworks',
    prefix: '/inference/v1',
    path: at('/inference/v1'),
    params: { model: 'nomic-ai/nomic-embed-text-v1.5', input: 'search_query: fireworks', dimensions: 3 },
    body: { model: 'nomic-ai/nomic-embed-text-v1.5', input: 'search_query: fireworks', dimensions: 3 },
    reply: openaiBody('nomic-ai/nomic-embed-text-v1.5', [V[1]], { prompt_tokens: 6, total_tokens: 6 }),
    result: expected('nomic-ai/nomic-embed-text-v1.5', [V[1]], 6),
  },
  // Rows of the OpenAI-compatible table: their quirks are data in providers.json (compat.embedding).
  {
    provider: 'deepinfra',
    prefix: '/v1/openai',
    path: at('/v1/openai'),
    params: { model: 'BAAI/bge-m3', input: ['a cat', 'a dog'], dimensions: 3, encoding_format: 'base64' },
    body: { model: 'BAAI/bge-m3', input: ['a cat', 'a dog'], dimensions: 3, encoding_format: 'base64' },
    reply: openaiBody('BAAI/bge-m3', V.map(base64Of), { prompt_tokens: 6, total_tokens: 6 }, { id: 'embd-9' }),
    result: expected('BAAI/bge-m3', V.map(base64Of), 6),
  },
  {
    // Nebius documents floats only: encoding_format is left out and base64 made in the plugin.
    provider: 'nebius',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'BAAI/bge-en-icl', input: 'hello', encoding_format: 'base64' },
    body: { model: 'BAAI/bge-en-icl', input: 'hello' },
    reply: openaiBody('BAAI/bge-en-icl', [V[0]], { prompt_tokens: 2, total_tokens: 2 }),
    result: expected('BAAI/bge-en-icl', [base64Of(V[0])], 2),
  },
  {
    // DashScope takes only 'float': it is not sent, floats come back.
    provider: 'dashscope',
    prefix: '/compatible-mode/v1',
    path: at('/compatible-mode/v1'),
    params: { model: 'text-embedding-v4', input: ['a', 'b'], dimensions: 3, encoding_format: 'float' },
    body: { model: 'text-embedding-v4', input: ['a', 'b'], dimensions: 3 },
    reply: openaiBody('text-embedding-v4', V, { prompt_tokens: 2, total_tokens: 2 }, { id: '73591b79' }),
    result: expected('text-embedding-v4', V, 2),
  },
  {
    provider: 'github',
    prefix: '/inference',
    path: at('/inference'),
    params: { model: 'openai/text-embedding-3-small', input: ['a', 'b'], dimensions: 3 },
    body: { model: 'openai/text-embedding-3-small', input: ['a', 'b'], dimensions: 3 },
    reply: openaiBody('openai/text-embedding-3-small', V, { prompt_tokens: 2, total_tokens: 2 }),
    result: expected('openai/text-embedding-3-small', V, 2),
  },
  {
    // SambaNova documents model and input only.
    provider: 'sambanova',
    prefix: '/v1',
    path: at('/v1'),
    params: { model: 'E5-Mistral-7B-Instruct', input: ['a', 'b'], encoding_format: 'float' },
    body: { model: 'E5-Mistral-7B-Instruct', input: ['a', 'b'] },
    reply: openaiBody('E5-Mistral-7B-Instruct', V, { prompt_tokens: 28, total_tokens: 28 }),
    result: expected('E5-Mistral-7B-Instruct', V, 28),
  },
  {
    // The serving endpoint is the model; the row's path puts /serving-endpoints after the workspace host.
    provider: 'databricks',
    prefix: '',
    path: at('/serving-endpoints'),
    params: { model: 'databricks-gte-large-en', input: 'what is databricks' },
    body: { model: 'databricks-gte-large-en', input: 'what is databricks' },
    reply: openaiBody('gte-large-en-v1.5', [V[0]], { prompt_tokens: 4, total_tokens: 4 }, { id: 'a1' }),
    result: expected('gte-large-en-v1.5', [V[0]], 4),
  },
];

describe('each provider on its own wire', () => {
  it.each(CASES.map((c) => [c.provider, c] as const))('%s: the request body it receives and the OpenAI-shaped result', async (_name, c) => {
    server.on('POST', c.path(c.params), (_req, res) => sendJson(res, 200, c.reply));
    const llm = await client(c.provider, c.prefix, c.options);
    const result = await llm.embedding(c.params);
    expect(result).toEqual(c.result);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body).toEqual(c.body);
  });

  it('azureopenai: the key goes in api-key and the api-version in the query', async () => {
    const c = CASES.find((x) => x.provider === 'azureopenai')!;
    server.on('POST', c.path(c.params), (_req, res) => sendJson(res, 200, c.reply));
    await (await client('azureopenai', '', c.options)).embedding(c.params);
    expect(server.requests[0].headers['api-key']).toBe('test-key');
    expect(server.requests[0].query.get('api-version')).toBe('2024-10-21');
  });

  it('gemini: batchEmbedContents, one request per text, dimensions as outputDimensionality', async () => {
    const path = '/v1beta/models/gemini-embedding-001:batchEmbedContents';
    server.on('POST', path, (req, res) => {
      const requests = (req.body as { requests: unknown[] }).requests;
      sendJson(res, 200, { embeddings: requests.map((_r, i) => ({ values: V[i] })) });
    });
    const llm = await client('gemini', '');
    const result = await llm.embedding({ model: 'gemini-embedding-001', input: ['a cat', 'a dog'], dimensions: 3 });
    expect(result).toEqual(expected('gemini-embedding-001', V, 0));
    expect(server.requests[0].body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a cat' }] }, outputDimensionality: 3 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a dog' }] }, outputDimensionality: 3 },
      ],
    });
    expect(server.requests[0].headers['x-goog-api-key']).toBe('test-key');
  });

  it('gemini: base64 is made in the plugin, and usageMetadata counts when Google sends it', async () => {
    server.on('POST', '/v1beta/models/gemini-embedding-001:batchEmbedContents', (_req, res) =>
      sendJson(res, 200, { embeddings: [{ values: V[0] }], usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 } }),
    );
    const llm = await client('gemini', '');
    const result = await llm.embedding({ model: 'gemini-embedding-001', input: 'a cat', encoding_format: 'base64' });
    expect(result).toEqual(expected('gemini-embedding-001', [base64Of(V[0])], 3));
  });

  it('a server that answers out of order is put back in input order', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => {
      const body = openaiBody('m', V, { prompt_tokens: 2, total_tokens: 2 });
      (body.data as unknown[]).reverse();
      sendJson(res, 200, body);
    });
    const result = await (await client('vllm', '/v1')).embedding({ model: 'm', input: ['a', 'b'] });
    expect(result.data).toEqual([
      { object: 'embedding', index: 0, embedding: V[0] },
      { object: 'embedding', index: 1, embedding: V[1] },
    ]);
  });

  it('base64 a server sends for a float request is decoded to numbers', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('m', V.map(base64Of), { prompt_tokens: 2, total_tokens: 2 })));
    const result = await (await client('vllm', '/v1')).embedding({ model: 'm', input: ['a', 'b'] });
    expect(result.data.map((d) => d.embedding)).toEqual(V);
  });

  it('a server that answers fewer vectors than inputs is a ProviderError, not a short list', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('m', [V[0]], { prompt_tokens: 1, total_tokens: 1 })));
    const error = await (await client('vllm', '/v1')).embedding({ model: 'm', input: ['a', 'b'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe("Provider 'vllm' answered 1 embeddings for 2 inputs.");
  });

  it.each<[string, unknown]>([
    ['a body that is not an object', 'ok'],
    ['data that is not an array', { object: 'list', data: { 0: { embedding: [1] } }, model: 'm' }],
    ['a vector that is an object', { object: 'list', data: [{ index: 0, embedding: { 0: 1 } }], model: 'm' }],
    ['base64 that is not float32s', { object: 'list', data: [{ index: 0, embedding: 'AAA=' }], model: 'm' }],
  ])('%s is a ProviderError naming the provider', async (_what, body) => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, body));
    const error = await (await client('vllm', '/v1')).embedding({ model: 'm', input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^Provider 'vllm' answered (an embeddings body that is not OpenAI's|a base64 embedding that is not float32s)/);
  });

  it('an upstream 400 is an InvalidRequestError with its status and message', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) =>
      sendJson(res, 400, { error: { message: "This model does not support specifying dimensions.", type: 'invalid_request_error', param: null, code: null } }),
    );
    const error = await (await client('openai', '/v1')).embedding({ model: 'text-embedding-ada-002', input: 'a', dimensions: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, provider: 'openai', message: 'This model does not support specifying dimensions.' });
  });
});

describe('inputs over the batch limit', () => {
  /** Answers each input `t<i>` with the vector [i], so the joined result shows which input each vector is. */
  const numbered = (req: RecordedRequest) => {
    const { input, encoding_format } = req.body as { input: string[]; encoding_format?: string };
    return input.map((text) => (encoding_format === 'base64' ? base64Of([Number(text.slice(1))]) : [Number(text.slice(1))]));
  };

  it('openai: 2050 inputs go as 2048 and 2, joined in input order with usage summed', async () => {
    server.on('POST', '/v1/embeddings', (req, res) => {
      const vectors = numbered(req);
      sendJson(res, 200, openaiBody('text-embedding-3-small', vectors, { prompt_tokens: vectors.length, total_tokens: vectors.length }));
    });
    const input = Array.from({ length: 2050 }, (_v, i) => `t${i}`);
    const result = await (await client('openai', '/v1')).embedding({ model: 'text-embedding-3-small', input });
    expect(server.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([2048, 2]);
    expect((server.requests[1].body as { input: string[] }).input).toEqual(['t2048', 't2049']);
    expect(result.data).toHaveLength(2050);
    expect(result.data.every((d, i) => d.index === i && d.embedding.length === 1 && d.embedding[0] === i)).toBe(true);
    expect(result.usage).toEqual({ prompt_tokens: 2050, total_tokens: 2050 });
  });

  it('dashscope (a row of the table, compat.embedding.maxInputs 10): 21 texts go as 10, 10 and 1, in input order', async () => {
    server.on('POST', '/compatible-mode/v1/embeddings', (req, res) => {
      const vectors = numbered(req);
      sendJson(res, 200, openaiBody('text-embedding-v4', vectors, { prompt_tokens: vectors.length * 2, total_tokens: vectors.length * 2 }));
    });
    const input = Array.from({ length: 21 }, (_v, i) => `t${i}`);
    const result = await (await client('dashscope', '/compatible-mode/v1')).embedding({ model: 'text-embedding-v4', input });
    expect(server.requests.map((r) => (r.body as { input: string[] }).input)).toEqual([input.slice(0, 10), input.slice(10, 20), ['t20']]);
    expect(result.data.map((d) => [d.index, d.embedding[0]])).toEqual(input.map((_t, i) => [i, i]));
    expect(result.usage).toEqual({ prompt_tokens: 42, total_tokens: 42 });
  });

  it('gemini: 101 texts go as 100 and 1', async () => {
    server.on('POST', '/v1beta/models/text-embedding-004:batchEmbedContents', (req, res) => {
      const requests = (req.body as { requests: { content: { parts: { text: string }[] } }[] }).requests;
      sendJson(res, 200, { embeddings: requests.map((r) => ({ values: [Number(r.content.parts[0].text.slice(1))] })) });
    });
    const input = Array.from({ length: 101 }, (_v, i) => `t${i}`);
    const result = await (await client('gemini', '')).embedding({ model: 'text-embedding-004', input });
    expect(server.requests.map((r) => (r.body as { requests: unknown[] }).requests.length)).toEqual([100, 1]);
    expect(result.data.map((d) => d.embedding[0])).toEqual(input.map((_t, i) => i));
  });
});

describe('what is refused, before anything is sent', () => {
  it('a provider without embeddings: UnsupportedParameterError, and its plugin never starts', async () => {
    const llm = await AnyLLM.create('groq', { apiKey: 'k', apiBase: `${server.origin}/openai/v1` });
    open.push(llm);
    const error = await llm.embedding({ model: 'm', input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter: 'embedding', provider: 'groq' });
    expect(llm.running).toBe(false);
  });

  it('a community plugin that claims embeddings but has no embedding() (duck-typed, no anyllm/plugin): UnsupportedParameterError', async () => {
    const copy = copyPlugin(resolve('test/fixtures/plugins/faulty'), [], (manifest) => {
      manifest.provider = 'faulty-embeds';
      manifest.capabilities = { completion: true, streaming: true, embedding: true };
    });
    try {
      const llm = await AnyLLM.create(await registerPlugin(copy.dir), { isolation: 'worker' });
      open.push(llm);
      const error = await llm.embedding({ model: 'm', input: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter: 'embedding', provider: 'faulty-embeds' });
    } finally {
      copy.remove();
    }
  });

  it.each<[string, string, EmbeddingParams, string]>([
    ['lmstudio', '/v1', { model: 'm', input: 'a', dimensions: 3 }, 'dimensions'],
    ['together', '/v1', { model: 'm', input: 'a', user: 'u' }, 'user'],
    ['mistral', '/v1', { model: 'mistral-embed', input: [1, 2, 3] }, 'input'],
    ['ollama', '/v1', { model: 'm', input: [[1, 2]] }, 'input'],
    ['gemini', '', { model: 'gemini-embedding-001', input: 'a', user: 'u' }, 'user'],
    ['gemini', '', { model: 'gemini-embedding-001', input: [7, 8] }, 'input'],
    ['deepinfra', '/v1/openai', { model: 'BAAI/bge-m3', input: 'a', user: 'u' }, 'user'],
    ['deepinfra', '/v1/openai', { model: 'BAAI/bge-m3', input: [[1, 2]] }, 'input'],
    ['nebius', '/v1', { model: 'BAAI/bge-en-icl', input: 'a', dimensions: 3 }, 'dimensions'],
    ['dashscope', '/compatible-mode/v1', { model: 'text-embedding-v4', input: 'a', user: 'u' }, 'user'],
    ['github', '/inference', { model: 'openai/text-embedding-3-small', input: [1, 2] }, 'input'],
    ['sambanova', '/v1', { model: 'E5-Mistral-7B-Instruct', input: 'a', dimensions: 3 }, 'dimensions'],
    ['databricks', '', { model: 'databricks-gte-large-en', input: 'a', dimensions: 3 }, 'dimensions'],
  ])('%s refuses %j with UnsupportedParameterError', async (provider, prefix, params, parameter) => {
    const error = await (await client(provider, prefix)).embedding(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider });
    expect(server.requests).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['no model', { input: 'a' }, "Invalid request: 'model' must be a non-empty string."],
    ['an empty string', { model: 'm', input: '' }, "Invalid request: 'input' must not be an empty string."],
    ['an empty array', { model: 'm', input: [] }, "Invalid request: 'input' must be a non-empty string, or a non-empty array of non-empty strings or of token ids (non-negative integers) or of arrays of token ids."],
    ['no input', { model: 'm' }, "Invalid request: 'input' must be a non-empty string, or a non-empty array of non-empty strings or of token ids (non-negative integers) or of arrays of token ids."],
    ['an empty string in the array', { model: 'm', input: ['a', ''] }, "Invalid request: 'input' must not hold an empty string (item 1)."],
    ['texts mixed with a number', { model: 'm', input: ['a', 1] }, "Invalid request: 'input' must be all strings or all token ids (item 1 is not a string)."],
    ['a fractional token id', { model: 'm', input: [1, 2.5] }, "Invalid request: 'input' must be all token ids, non-negative integers (item 1 is not one)."],
    ['an empty token array', { model: 'm', input: [[1], []] }, "Invalid request: 'input' must be all non-empty arrays of token ids (item 1 is not one)."],
    ['an object', { model: 'm', input: { text: 'a' } }, "Invalid request: 'input' must be a non-empty string, or a non-empty array of non-empty strings or of token ids (non-negative integers) or of arrays of token ids."],
    ['dimensions 0', { model: 'm', input: 'a', dimensions: 0 }, "Invalid request: 'dimensions' must be a positive integer."],
    ['dimensions 1.5', { model: 'm', input: 'a', dimensions: 1.5 }, "Invalid request: 'dimensions' must be a positive integer."],
    ['dimensions as text', { model: 'm', input: 'a', dimensions: '256' }, "Invalid request: 'dimensions' must be a positive integer."],
    ['encoding_format int8', { model: 'm', input: 'a', encoding_format: 'int8' }, "Invalid request: 'encoding_format' must be 'float' or 'base64'."],
    ['user as a number', { model: 'm', input: 'a', user: 7 }, "Invalid request: 'user' must be a string."],
    ['an unknown field', { model: 'm', input: 'a', task_type: 'RETRIEVAL_QUERY' }, "Invalid request: 'task_type' is not an embedding parameter (they are model, input, dimensions, encoding_format, user)."],
  ])('%s: InvalidRequestError naming the field', async (_what, params, message) => {
    const llm = await client('openai', '/v1');
    const error = await llm.embedding(params as EmbeddingParams).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toBe(message);
    expect(server.requests).toEqual([]);
  });
});

describe('around the call', () => {
  it('the top-level embedding() names the provider in the model', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('text-embedding-3-small', [V[0]], { prompt_tokens: 1, total_tokens: 1 })));
    const result = await embedding({ model: 'openai:text-embedding-3-small', input: 'hello', encoding_format: 'float' }, { apiKey: 'test-key', apiBase: `${server.origin}/v1` });
    expect(result).toEqual(expected('text-embedding-3-small', [V[0]], 1));
    expect(server.requests[0].body).toEqual({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' });
  });

  it("the top-level embedding() reaches a row of the table ('deepinfra:model'), and its 401 is an AuthenticationError", async () => {
    server.on('POST', '/v1/openai/embeddings', (_req, res) => sendJson(res, 200, openaiBody('BAAI/bge-m3', [V[1]], { prompt_tokens: 1, total_tokens: 1 })));
    const options = { apiKey: 'test-key', apiBase: `${server.origin}/v1/openai`, retry: false as const };
    const result = await embedding({ model: 'deepinfra:BAAI/bge-m3', input: 'hello' }, options);
    expect(result).toEqual(expected('BAAI/bge-m3', [V[1]], 1));
    expect(server.requests[0].headers.authorization).toBe('Bearer test-key');
    server.on('POST', '/v1/openai/embeddings', (_req, res) => sendJson(res, 401, { detail: { error: 'Invalid API key' } }));
    const error = await embedding({ model: 'deepinfra:BAAI/bge-m3', input: 'hello' }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, provider: 'deepinfra' });
  });

  it('call:end names the method and its usage; stats count the tokens', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('m', V, { prompt_tokens: 5, total_tokens: 5 })));
    const llm = await client('vllm', '/v1');
    const before = llm.stats().usage.prompt_tokens;
    const ends: CallEndEvent[] = [];
    const off = llm.on('call:end', (e) => ends.push(e));
    await llm.embedding({ model: 'm', input: ['a', 'b'] });
    off();
    expect(ends).toMatchObject([{ method: 'embedding', model: 'm', outcome: 'ok', usage: { prompt_tokens: 5, total_tokens: 5 } }]);
    expect(llm.stats().usage.prompt_tokens - before).toBe(5);
  });

  it('aborting rejects with an AbortError and closes the upstream request', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((done) => (arrived = done));
    server.on('POST', '/v1/embeddings', () => arrived()); // never answers
    const llm = await client('vllm', '/v1');
    const controller = new AbortController();
    const call = llm.embedding({ model: 'm', input: 'a' }, { signal: controller.signal }).catch((e: unknown) => e);
    await reached;
    const closed = server.nextAbort();
    controller.abort();
    expect(await call).toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('the process tier serves embeddings the same way', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('text-embedding-3-small', V, { prompt_tokens: 2, total_tokens: 2 })));
    const llm = await AnyLLM.create('openai', { apiKey: 'test-key', apiBase: `${server.origin}/v1`, retry: false, isolation: 'process' });
    open.push(llm);
    expect(await llm.embedding({ model: 'text-embedding-3-small', input: ['a', 'b'] })).toEqual(expected('text-embedding-3-small', V, 2));
  });

  it('streaming on the same client is unaffected by embedding calls', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, openaiBody('m', [V[0]], { prompt_tokens: 1, total_tokens: 1 })));
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(3)));
    const llm = await client('vllm', '/v1');
    const [vectors, chunks] = await Promise.all([
      llm.embedding({ model: 'm', input: 'a' }),
      collect(llm.completionStream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] })),
    ]);
    expect(vectors.data[0].embedding).toEqual(V[0]);
    expect(accumulate(chunks).content).toBe('t0 t1 t2 ');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });
});

describe('huggingface: the hf-inference feature-extraction pipeline (a row of the table, no code)', () => {
  const MODEL = 'BAAI/bge-small-en-v1.5';
  const PIPELINE = `/hf-inference/models/${MODEL}/pipeline/feature-extraction`;

  it('posts { inputs } to the model\'s pipeline beside /v1 with the Bearer token, and answers OpenAI\'s shape in input order, usage 0', async () => {
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 200, V));
    const llm = await client('huggingface', '/v1');
    const result = await llm.embedding({ model: MODEL, input: ['a cat', 'a dog'] });
    expect(result).toEqual(expected(MODEL, V, 0));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: PIPELINE, body: { inputs: ['a cat', 'a dog'] } });
    expect(server.requests[0].headers.authorization).toBe('Bearer test-key');
  });

  it('one string is one input; base64 is made in the plugin', async () => {
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 200, [V[1]]));
    const result = await (await client('huggingface', '/v1')).embedding({ model: MODEL, input: 'a dog', encoding_format: 'base64' });
    expect(result).toEqual(expected(MODEL, [base64Of(V[1])], 0));
    expect(server.requests[0].body).toEqual({ inputs: ['a dog'] });
  });

  it("a base URL behind a proxy prefix keeps its prefix ('/hf/v1' → '/hf/hf-inference/...'), and model segments are URL-encoded", async () => {
    server.on('POST', '/hf/hf-inference/models/org/my%20model/pipeline/feature-extraction', (_req, res) => sendJson(res, 200, [V[0]]));
    const llm = await AnyLLM.create('huggingface', { apiKey: 'test-key', apiBase: `${server.origin}/hf/v1`, retry: false });
    open.push(llm);
    const result = await llm.embedding({ model: 'org/my model', input: 'a' });
    expect(result.data[0].embedding).toEqual(V[0]);
  });

  it('the sandbox tier reaches the pipeline beside /v1 (same origin as the base URL)', async () => {
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 200, V));
    const llm = await AnyLLM.create('huggingface', { apiKey: 'test-key', apiBase: `${server.origin}/v1`, retry: false, isolation: 'sandbox' });
    open.push(llm);
    expect(await llm.embedding({ model: MODEL, input: ['a', 'b'] })).toEqual(expected(MODEL, V, 0));
  });

  it('70 texts go as 32, 32 and 6, joined in input order', async () => {
    server.on('POST', PIPELINE, (req, res) => sendJson(res, 200, (req.body as { inputs: string[] }).inputs.map((text) => [Number(text.slice(1))])));
    const input = Array.from({ length: 70 }, (_v, i) => `t${i}`);
    const result = await (await client('huggingface', '/v1')).embedding({ model: MODEL, input });
    expect(server.requests.map((r) => (r.body as { inputs: string[] }).inputs)).toEqual([input.slice(0, 32), input.slice(32, 64), input.slice(64)]);
    expect(result.data.map((d) => [d.index, d.embedding[0]])).toEqual(input.map((_t, i) => [i, i]));
    expect(result.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  it.each<[string, EmbeddingParams, string]>([
    ['dimensions', { model: MODEL, input: 'a', dimensions: 3 }, 'dimensions'],
    ['user', { model: MODEL, input: 'a', user: 'u1' }, 'user'],
    ['token ids', { model: MODEL, input: [1, 2, 3] }, 'input'],
  ])('%s: UnsupportedParameterError, nothing sent', async (_what, params, parameter) => {
    const error = await (await client('huggingface', '/v1')).embedding(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider: 'huggingface' });
    expect(server.requests).toHaveLength(0);
  });

  it("a model id with a '..' segment is an InvalidRequestError, nothing sent", async () => {
    const error = await (await client('huggingface', '/v1')).embedding({ model: '../../v1/x', input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });

  it('an unpooled answer (one vector per token) is a ProviderError, not a wrong embedding', async () => {
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 200, [[V[0], V[1]]]));
    const error = await (await client('huggingface', '/v1')).embedding({ model: MODEL, input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^Provider 'huggingface' answered a feature-extraction body that is not one vector per input: item 0/);
  });

  it("401 is an AuthenticationError; 503 (the model is loading) a ProviderError with its status, through the top-level embedding('huggingface:model')", async () => {
    const options = { apiKey: 'bad', apiBase: `${server.origin}/v1`, retry: false as const };
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 401, { error: 'Invalid credentials in Authorization header' }));
    const denied = await embedding({ model: `huggingface:${MODEL}`, input: 'a' }, options).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AuthenticationError);
    expect(denied).toMatchObject({ status: 401, provider: 'huggingface' });
    server.on('POST', PIPELINE, (_req, res) => sendJson(res, 503, { error: `Model ${MODEL} is currently loading`, estimated_time: 20 }));
    const loading = await embedding({ model: `huggingface:${MODEL}`, input: 'a' }, options).catch((e: unknown) => e);
    expect(loading).toBeInstanceOf(ProviderError);
    expect(loading).toMatchObject({ status: 503, provider: 'huggingface' });
  });
});
