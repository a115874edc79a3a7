// The OpenAI provider through the public API, against a local server speaking OpenAI's wire format.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AnyLLMError,
  AuthenticationError,
  InvalidRequestError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  type CompletionParams,
} from 'anyllm';
import { chunkLines, fixtureJson, sseEvents } from './support/fixtures.js';
import { LocalServer, sendJson, sendSse } from './support/local-server.js';
import { onChat, sendOpenAIError, streamChunks, syntheticStream, textChunk } from './support/openai-wire.js';
import { collect } from './support/collect.js';
import { accumulate } from './support/accumulate.js';

let server: LocalServer;
let llm: AnyLLM;
const messages: CompletionParams['messages'] = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});


/** The `data:` payloads of a recorded SSE body, parsed, without `[DONE]`. */
function recordedChunks(path: string): unknown[] {
  return sseEvents(path)
    .map((event) => event.replace(/^data: /, ''))
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data));
}

describe('openai: every chat completion parameter reaches the API unchanged', () => {
  it('sends the request body as given, with the key as a bearer token', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/openai-text.json')));
    const params: CompletionParams = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"picture"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'look', description: 'Look', parameters: { type: 'object', properties: { at: { type: 'string' } } } },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'look' } },
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      max_completion_tokens: 80,
      stop: ['\n\n', 'END'],
      n: 2,
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 3,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
      },
      reasoning_effort: 'low',
      user: 'user-1234',
      metadata: { purpose: 'test' },
    };
    await llm.completion(params);
    const request = server.requests[0];
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toEqual({ ...params, stream: false });
  });

  it('returns the recorded response unchanged', async () => {
    const recorded = fixtureJson<Record<string, unknown>>('vercel-ai/openai-text.json');
    onChat(server, (_req, res) => sendJson(res, 200, recorded));
    const res = await llm.completion({ model: 'gpt-4.1-nano', messages });
    expect(res).toEqual(recorded);
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
  });
});

describe('openai: streaming', () => {
  it.each(['c6aa7e397b71', 'f82268f2fefd', 'e2aad469b71d'])('replays recording %s chunk for chunk', async (name) => {
    const path = `openai-python/${name}.sse.txt`;
    onChat(server, (_req, res) => sendSse(res, sseEvents(path)));
    const chunks = await collect(llm.completionStream({ model: 'gpt-4o', messages, stream_options: { include_usage: true } }));
    expect(chunks).toEqual(recordedChunks(path));
  });

  it('streams tool-call argument fragments that concatenate to the recorded JSON', async () => {
    const path = 'openai-python/f82268f2fefd.sse.txt';
    onChat(server, (_req, res) => sendSse(res, sseEvents(path)));
    const chunks = await collect(llm.completionStream({ model: 'gpt-4o', messages }));
    const { toolCalls } = accumulate(chunks);
    expect(toolCalls.length).toBeGreaterThan(1);
    for (const call of toolCalls) {
      expect(call.id).toMatch(/^call_/);
      expect(call.function.name).toMatch(/\S/);
      expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    }
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(209);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
  });

  it('replays the vercel-ai recording and asks for the usage chunk by default', async () => {
    const recorded = chunkLines('vercel-ai/openai-text.chunks.txt');
    onChat(server, (_req, res) => streamChunks(res, recorded));
    const chunks = await collect(llm.completionStream({ model: 'gpt-4.1-nano', messages }));
    expect(chunks).toEqual(recorded);
    expect(server.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(accumulate(chunks).content).toMatch(/^\*\*Holiday Name/);
  });

  it('keeps the caller\'s stream_options', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(3).slice(0, -1)));
    const chunks = await collect(llm.completionStream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: false } }));
    expect(server.requests[0].body).toMatchObject({ stream_options: { include_usage: false } });
    expect(chunks.every((c) => !c.usage)).toBe(true);
  });

  it('delivers a long stream whole and in order', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(5000)));
    const chunks = await collect(llm.completionStream({ model: 'gpt-4o-mini', messages }));
    expect(chunks).toHaveLength(5002);
    expect(chunks.slice(0, 5000).map((c) => c.choices[0].delta.content)).toEqual(
      Array.from({ length: 5000 }, (_, i) => `t${i} `),
    );
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(5000);
  });
});

describe('openai: upstream errors keep their class, status and provider in the host', () => {
  it.each([
    [400, InvalidRequestError, 'invalid_request_error'],
    [401, AuthenticationError, 'authentication_error'],
    [403, AuthenticationError, 'permission_error'],
    [404, ModelNotFoundError, 'model_not_found'],
    [500, ProviderError, 'server_error'],
    [503, ProviderError, 'overloaded'],
  ] as const)('HTTP %i → %o', async (status, ErrorClass, code) => {
    onChat(server, (_req, res) => sendOpenAIError(res, status, `upstream says ${status}`, { code }));
    const error = await llm.completion({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(AnyLLMError);
    expect(error).toMatchObject({ status, provider: 'openai', code });
    expect((error as Error).message).toContain(`upstream says ${status}`);
  });

  it('HTTP 429 → RateLimitError with retryAfterMs from retry-after', async () => {
    onChat(server, (_req, res) =>
      sendOpenAIError(res, 429, 'Rate limit reached', { type: 'requests', code: 'rate_limit_exceeded', headers: { 'retry-after': '7' } }),
    );
    const error = await llm.completion({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000, provider: 'openai' });
  });

  it('an error before the first chunk fails the stream with the mapped class', async () => {
    onChat(server, (_req, res) => sendOpenAIError(res, 401, 'Incorrect API key provided'));
    await expect(collect(llm.completionStream({ model: 'gpt-4o-mini', messages }))).rejects.toBeInstanceOf(AuthenticationError);
  });
});

// Aborting a call or a stream is proven in supervision-cancel.test.ts; here, that the SDK's
// connection is given back and the plugin keeps serving after a `break`.
describe('openai: aborting', () => {
  it('breaking out of the loop closes the upstream response', async () => {
    onChat(server, (_req, res) =>
      sendSse(res, Array.from({ length: 1000 }, (_, i) => `data: ${JSON.stringify(textChunk(`w${i}`))}`), { delayMs: 5 }),
    );
    const aborted = server.nextAbort();
    for await (const chunk of llm.completionStream({ model: 'gpt-4o-mini', messages })) {
      if (chunk.choices[0].delta.content === 'w2') break;
    }
    await aborted;
    // The plugin is still healthy.
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(2)));
    expect(await collect(llm.completionStream({ model: 'gpt-4o-mini', messages }))).toHaveLength(4);
  });
});

describe('openai: listModels', () => {
  it('returns the models in OpenAI\'s list shape', async () => {
    server.on('GET', '/v1/models', (_req, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [
          { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
          { id: 'o3', object: 'model', created: 1744225308, owned_by: 'system' },
        ],
      }),
    );
    const models = await llm.listModels();
    expect(models).toEqual([
      { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
      { id: 'o3', object: 'model', created: 1744225308, owned_by: 'system' },
    ]);
  });
});
