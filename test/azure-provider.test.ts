// Azure AI Inference ('azure') through the public API: the openai SDK inside the plugin, against a
// local server answering as the Azure AI Model Inference API does (`<endpoint>/chat/completions`
// with `api-version` and an `api-key` header; Azure.Core error bodies). What differs from OpenAI
// is tested here; the shared scenarios run in the conformance suite.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  completion,
  InvalidRequestError,
  RateLimitError,
  UnsupportedParameterError,
  type ChatMessage,
} from 'anyllm';
import { DEFAULT_API_VERSION } from '../plugins/azure/index.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { completionBody, onChat, streamChunks, textChunk } from './support/openai-wire.js';
import { LocalServer, sendJson } from './support/local-server.js';

let server: LocalServer;
let apiBase: string;
const model = 'Phi-4';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

/** The request body keys the Model Inference API's chat route documents. */
const DOCUMENTED = new Set(['messages', 'frequency_penalty', 'max_tokens', 'modalities', 'model', 'presence_penalty', 'response_format', 'seed', 'stop', 'stream', 'temperature', 'tool_choice', 'tools', 'top_p']);

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/models`;
  onChat(
    server,
    (req, res) => {
      if ((req.body as { stream?: boolean }).stream) {
        return streamChunks(res, [textChunk('Hel'), textChunk('lo'), { ...textChunk(''), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }]);
      }
      sendJson(res, 200, completionBody('Hello'));
    },
    '/models',
  );
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

describe('azure', () => {
  it("'azure:model' posts to <endpoint>/chat/completions with api-version and the key in api-key, not a bearer header", async () => {
    const res = await completion({ model: `azure:${model}`, messages }, { apiKey: 'azure-key-1', apiBase });
    expect(res.choices[0].message.content).toBe('Hello');
    const request = server.requests.at(-1);
    expect(request?.path).toBe('/models/chat/completions');
    expect(request?.query.get('api-version')).toBe(DEFAULT_API_VERSION);
    expect(request?.headers['api-key']).toBe('azure-key-1');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toMatchObject({ model, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('sends only documented fields: max_completion_tokens as max_tokens, and no stream_options in a stream', async () => {
    const llm = await AnyLLM.create('azure', { apiKey: 'k', apiBase, apiVersion: '2025-01-01' });
    try {
      await llm.completion({ model, messages, max_completion_tokens: 50, temperature: 0.2, seed: 7 });
      const sent = server.requests.at(-1);
      expect(sent?.query.get('api-version')).toBe('2025-01-01');
      expect(sent?.body).toMatchObject({ max_tokens: 50, temperature: 0.2, seed: 7 });
      const chunks = [];
      for await (const chunk of llm.completionStream({ model, messages })) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello');
      for (const request of server.requests) expect(Object.keys(request.body as object).filter((key) => !DOCUMENTED.has(key))).toEqual([]);
    } finally {
      await llm.close();
    }
  });

  it.each(['parallel_tool_calls', 'n', 'user', 'logprobs'] as const)('refuses %s, which the API does not list, before sending anything', async (parameter) => {
    const value = { parallel_tool_calls: false, n: 2, user: 'u-1', logprobs: true }[parameter];
    const llm = await AnyLLM.create('azure', { apiKey: 'k', apiBase });
    try {
      const error = await llm.completion({ model, messages, [parameter]: value }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter, provider: 'azure' });
      expect(server.requests).toHaveLength(0);
    } finally {
      await llm.close();
    }
  });

  it('takes the API version from AZURE_API_VERSION when no option gives one', async () => {
    const saved = process.env.AZURE_API_VERSION;
    process.env.AZURE_API_VERSION = '2024-08-01-preview';
    const llm = await AnyLLM.create('azure', { apiKey: 'k', apiBase });
    try {
      await llm.completion({ model, messages });
      expect(server.requests.at(-1)?.query.get('api-version')).toBe('2024-08-01-preview');
    } finally {
      await llm.close();
      if (saved === undefined) delete process.env.AZURE_API_VERSION;
      else process.env.AZURE_API_VERSION = saved;
    }
  });

  it('maps Azure.Core error bodies: 401 to AuthenticationError, 429 to RateLimitError with retryAfterMs', async () => {
    const other = await LocalServer.start();
    const llm = await AnyLLM.create('azure', { apiKey: 'bad', apiBase: `${other.origin}/models`, retry: false });
    try {
      let status = 401;
      onChat(
        other,
        (_req, res) =>
          status === 401
            ? sendJson(res, 401, { error: { code: 'Unauthorized', message: 'Access denied due to invalid subscription key.' } })
            : sendJson(res, 429, { error: { code: 'Too Many Requests', message: 'Rate limit is exceeded.' } }, { 'retry-after': '7' }),
        '/models',
      );
      const denied = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(AuthenticationError);
      expect(denied).toMatchObject({ status: 401, provider: 'azure', message: 'Access denied due to invalid subscription key.' });
      status = 429;
      const limited = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(RateLimitError);
      expect(limited).toMatchObject({ status: 429, retryAfterMs: 7000 });
    } finally {
      await llm.close();
      await other.close();
    }
  });

  it('without an endpoint fails with InvalidRequestError naming AZURE_AI_CHAT_ENDPOINT', async () => {
    const saved = process.env.AZURE_AI_CHAT_ENDPOINT;
    delete process.env.AZURE_AI_CHAT_ENDPOINT;
    const llm = await AnyLLM.create('azure', { apiKey: 'k' });
    try {
      const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ provider: 'azure', code: 'missing_endpoint' });
      expect((error as Error).message).toMatch(/AZURE_AI_CHAT_ENDPOINT/);
    } finally {
      await llm.close();
      if (saved !== undefined) process.env.AZURE_AI_CHAT_ENDPOINT = saved;
    }
  });

  it.each(SANDBOX_MODES)("runs sandboxed (OS boundary: %s), reaching the caller's endpoint", async (os) => {
    const llm = await AnyLLM.create('azure', { apiKey: 'azure-sbx', apiBase, isolation: 'sandbox', sandbox: { os }, retry: false });
    try {
      expect((await llm.completion({ model, messages })).choices[0].message.content).toBe('Hello');
      expect(server.requests.at(-1)?.headers['api-key']).toBe('azure-sbx');
    } finally {
      await llm.close();
    }
  });
});
