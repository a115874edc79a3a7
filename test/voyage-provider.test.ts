// Voyage AI (embeddings only) through the public API, against a local server speaking Voyage's wire
// format (https://docs.voyageai.com/reference/embeddings-api): the exact request body, the
// OpenAI-shaped result (Voyage's usage has only total_tokens), batches of at most 1,000 inputs,
// its HTTP errors mapped, and chat refused before anything is sent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  embedding,
  InvalidRequestError,
  RateLimitError,
  UnsupportedParameterError,
  type CreateEmbeddingResponse,
  type EmbeddingParams,
} from 'anyllm';
import { LocalServer, sendJson, type RecordedRequest } from './support/local-server.js';

let server: LocalServer;
let llm: AnyLLM;

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('voyage', { apiKey: 'voyage-test-key', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await llm?.close();
  await server?.close();
});
afterEach(() => {
  server.requests.length = 0;
});

// Values exact in float32, so base64 round trips compare equal.
const V = [
  [0.5, -0.25, 1],
  [0.125, 2, -0.5],
];
/** Base64 of little-endian float32s (OpenAI's encoding), written independently of the plugin's. */
const base64Of = (vector: number[]): string => Buffer.from(new Float32Array(vector).buffer).toString('base64');

/** A body as Voyage answers: `usage` has `total_tokens` only. */
function voyageBody(model: string, vectors: number[][], totalTokens: number): Record<string, unknown> {
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', embedding, index })),
    model,
    usage: { total_tokens: totalTokens },
  };
}

describe('voyage embeddings', () => {
  it('sends Voyage its own body (dimensions as output_dimension, no encoding_format) and answers in OpenAI shape', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, voyageBody('voyage-3.5', V, 7)));
    const result = await llm.embedding({ model: 'voyage-3.5', input: ['a cat', 'a dog'], dimensions: 256, encoding_format: 'float' });
    const want: CreateEmbeddingResponse = {
      object: 'list',
      data: V.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model: 'voyage-3.5',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    };
    expect(result).toEqual(want);
    expect(server.requests).toHaveLength(1);
    // Voyage takes encoding_format null or 'base64' only: 'float' is never sent.
    expect(server.requests[0].body).toEqual({ model: 'voyage-3.5', input: ['a cat', 'a dog'], output_dimension: 256 });
    expect(server.requests[0].headers.authorization).toBe('Bearer voyage-test-key');
  });

  it("base64 is made in the plugin from Voyage's floats", async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, voyageBody('voyage-3.5', [V[1]], 2)));
    const result = await llm.embedding({ model: 'voyage-3.5', input: 'hello', encoding_format: 'base64' });
    expect(result.data).toEqual([{ object: 'embedding', index: 0, embedding: base64Of(V[1]) }]);
    expect(result.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(server.requests[0].body).toEqual({ model: 'voyage-3.5', input: 'hello' });
  });

  it("the top-level embedding() resolves 'voyage:voyage-3.5'", async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 200, voyageBody('voyage-3.5', [V[0]], 1)));
    const result = await embedding({ model: 'voyage:voyage-3.5', input: 'hello' }, { apiKey: 'voyage-test-key', apiBase: `${server.origin}/v1`, retry: false });
    expect(result.data[0].embedding).toEqual(V[0]);
    expect(result.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
    expect(server.requests[0].body).toEqual({ model: 'voyage-3.5', input: 'hello' });
  });

  it('2,001 inputs go as 1,000, 1,000 and 1, joined in input order with usage summed', async () => {
    server.on('POST', '/v1/embeddings', (req: RecordedRequest, res) => {
      const { input } = req.body as { input: string[] };
      sendJson(res, 200, voyageBody('voyage-3.5', input.map((text) => [Number(text.slice(1))]), input.length * 2));
    });
    const input = Array.from({ length: 2001 }, (_v, i) => `t${i}`);
    const result = await llm.embedding({ model: 'voyage-3.5', input });
    expect(server.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([1000, 1000, 1]);
    expect((server.requests[2].body as { input: string[] }).input).toEqual(['t2000']);
    expect(result.data.map((d) => [d.index, d.embedding[0]])).toEqual(input.map((_t, i) => [i, i]));
    expect(result.usage).toEqual({ prompt_tokens: 4002, total_tokens: 4002 });
  });

  it('a 401 is an AuthenticationError carrying Voyage’s detail', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 401, { detail: 'Provided API key is invalid.' }));
    const error = await llm.embedding({ model: 'voyage-3.5', input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, provider: 'voyage' });
    // Voyage's FastAPI body is read for its detail, not quoted as JSON.
    expect((error as Error).message).toBe('Provided API key is invalid.');
  });

  it("a 422 (Voyage's validation error, detail as a list) is an InvalidRequestError with its messages", async () => {
    server.on('POST', '/v1/embeddings', (_req, res) =>
      sendJson(res, 422, { detail: [{ type: 'value_error', loc: ['body', 'output_dimension'], msg: 'Value error, output_dimension must be one of 256, 512, 1024, 2048', input: 3 }] }),
    );
    const error = await llm.embedding({ model: 'voyage-3.5', input: 'a', dimensions: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 422, provider: 'voyage', message: 'Value error, output_dimension must be one of 256, 512, 1024, 2048' });
  });

  it('a 429 is a RateLimitError with its retry-after', async () => {
    server.on('POST', '/v1/embeddings', (_req, res) => sendJson(res, 429, { detail: 'Rate limit exceeded.' }, { 'retry-after': '4' }));
    const error = await llm.embedding({ model: 'voyage-3.5', input: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, provider: 'voyage', retryAfterMs: 4000 });
  });
});

describe('what voyage refuses, before anything is sent', () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ['user', () => llm.embedding({ model: 'voyage-3.5', input: 'a', user: 'u-1' }), 'user'],
    ['token-id input', () => llm.embedding({ model: 'voyage-3.5', input: [1, 2, 3] }), 'input'],
    ['chat completion', () => llm.completion({ model: 'voyage-3.5', messages: [{ role: 'user', content: 'hi' }] }), 'completion'],
    [
      'a chat stream',
      async () => {
        for await (const _chunk of llm.completionStream({ model: 'voyage-3.5', messages: [{ role: 'user', content: 'hi' }] })) void _chunk;
      },
      'completion',
    ],
    ['listModels', () => llm.listModels(), 'listModels'],
  ])('%s: UnsupportedParameterError naming it', async (_what, call, parameter) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider: 'voyage' });
    expect(server.requests).toHaveLength(0);
  });

  it("Voyage's own input_type is not an OpenAI embedding parameter: InvalidRequestError naming it", async () => {
    const params = { model: 'voyage-3.5', input: 'a', input_type: 'query' } as EmbeddingParams;
    const error = await llm.embedding(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/'input_type' is not an embedding parameter/);
    expect(server.requests).toHaveLength(0);
  });
});
