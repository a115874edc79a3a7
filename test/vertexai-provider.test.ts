/**
 * Gemini on Vertex AI through the public API with a service-account file: the host signs the JWT,
 * exchanges it at the file's `token_uri` (a local endpoint here), refreshes the token before it
 * expires, and the plugin sends only the access token, on Vertex's project/location paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AuthenticationError, completionStream } from 'anyllm';
import { eventsFor, streamEvents as streamAnthropic, wireMessage } from './support/anthropic-wire.js';
import { geminiResponse, streamEvents } from './support/gemini-wire.js';
import { serviceAccount, type TokenEndpoint } from './support/google-token.js';
import { LocalServer, sendJson } from './support/local-server.js';

const MODEL = 'gemini-2.5-flash';
const ask = (text: string) => [{ role: 'user' as const, content: text }];
const dir = mkdtempSync(join(tmpdir(), 'anyllm-vertex-'));
let server: LocalServer;
let file: string;
let endpoint: TokenEndpoint;
const seen: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = await LocalServer.start();
  ({ file, endpoint } = serviceAccount(server, dir));
  for (const location of ['us-central1', 'europe-west4']) {
    const base = `/v1beta1/projects/sa-project/locations/${location}/publishers/google/models/${MODEL}`;
    const authorised = (req: { path: string; headers: Record<string, unknown> }) => {
      seen.push({ path: req.path, authorization: req.headers.authorization as string | undefined });
      return req.headers.authorization === `Bearer ${endpoint.current()}`;
    };
    server.on('POST', `${base}:generateContent`, (req, res) => {
      if (!authorised(req)) return sendJson(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      sendJson(res, 200, geminiResponse([{ text: 'Bonjour de Vertex.' }], { finishReason: 'STOP', usage: { promptTokenCount: 4, candidatesTokenCount: 4, totalTokenCount: 8 } }));
    });
    server.on('POST', `${base}:streamGenerateContent`, async (req, res) => {
      if (!authorised(req)) return sendJson(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      await streamEvents(res, [
        geminiResponse([{ text: 'Il ' }]),
        geminiResponse([{ functionCall: { name: 'get_weather', args: { city: 'Amsterdam' } } }], { finishReason: 'STOP', usage: { promptTokenCount: 6, candidatesTokenCount: 3, totalTokenCount: 9 } }),
      ]);
    });
  }
  const claude = '/v1/projects/sa-project/locations/us-central1/publishers/anthropic/models/claude-sonnet-4-5%4020250929';
  server.on('POST', `${claude}:rawPredict`, (req, res) => {
    seen.push({ path: req.path, authorization: req.headers.authorization as string | undefined });
    const body = req.body as Record<string, unknown>;
    if (req.headers.authorization !== `Bearer ${endpoint.current()}` || body.anthropic_version !== 'vertex-2023-10-16' || 'model' in body) {
      return sendJson(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    }
    sendJson(res, 200, wireMessage([{ type: 'text', text: 'Claude via Vertex.' }], { model: 'claude-sonnet-4-5', usage: { input_tokens: 3, output_tokens: 4 } as never }));
  });
  server.on('POST', `${claude}:streamRawPredict`, async (req, res) => {
    seen.push({ path: req.path, authorization: req.headers.authorization as string | undefined });
    if (req.headers.authorization !== `Bearer ${endpoint.current()}`) return sendJson(res, 401, { error: { code: 401, message: 'no', status: 'UNAUTHENTICATED' } });
    await streamAnthropic(res, eventsFor(wireMessage([{ type: 'text', text: 'Streamed Claude.' }], { model: 'claude-sonnet-4-5', usage: { input_tokens: 3, output_tokens: 4 } as never })));
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vertexai with a service-account file', () => {
  it('exchanges a signed JWT at the file’s token_uri once, and calls the project’s Vertex path with the token', async () => {
    const llm = await AnyLLM.create('vertexai', { apiBase: server.origin, credentials: { file }, idleTimeoutMs: 0 });
    try {
      const first = await llm.completion({ model: MODEL, messages: ask('Hi') });
      expect(first.choices[0].message.content).toBe('Bonjour de Vertex.');
      expect(first.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
      await llm.completion({ model: MODEL, messages: ask('Again') });
      expect(endpoint.issued).toEqual(['ya29.test-1']);
      expect(seen.slice(-2).map((s) => s.authorization)).toEqual(['Bearer ya29.test-1', 'Bearer ya29.test-1']);
      expect(seen.at(-1)?.path).toBe(`/v1beta1/projects/sa-project/locations/us-central1/publishers/google/models/${MODEL}:generateContent`);
    } finally {
      await llm.close();
    }
  });

  it("'vertexai:model' streams tool calls with GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_CLOUD_LOCATION from the environment", async () => {
    const saved = { ...process.env };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    process.env.GOOGLE_CLOUD_LOCATION = 'europe-west4';
    try {
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
      const final = await completionStream({ model: `vertexai:${MODEL}`, messages: ask('Weather?'), tools }, { apiBase: server.origin }).finalChatCompletion();
      expect(final.choices[0].message.content).toBe('Il ');
      expect(final.choices[0].message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Amsterdam"}' } });
      expect(final.choices[0].finish_reason).toBe('tool_calls');
      expect(seen.at(-1)?.path).toMatch(/\/locations\/europe-west4\/.*:streamGenerateContent$/);
    } finally {
      process.env = saved;
    }
  });

  it('refreshes the token once it nears expiry', async () => {
    endpoint.lifetimeS = 1;
    const llm = await AnyLLM.create('vertexai', { apiBase: server.origin, credentials: { file }, idleTimeoutMs: 0 });
    try {
      await llm.completion({ model: MODEL, messages: ask('Hi') });
      const before = endpoint.issued.length;
      // Past the whole lifetime: whatever the machine's speed, the token is due.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await llm.completion({ model: MODEL, messages: ask('Hi') });
      expect(endpoint.issued.length).toBe(before + 1);
      expect(seen.at(-1)?.authorization).toBe(`Bearer ${endpoint.current()}`);
    } finally {
      endpoint.lifetimeS = 3600;
      await llm.close();
    }
  });

  it("a refused exchange is an AuthenticationError quoting the endpoint, and nothing reaches Vertex", async () => {
    endpoint.refuse = 'invalid_grant';
    const llm = await AnyLLM.create('vertexai', { apiBase: server.origin, credentials: { file }, idleTimeoutMs: 0 });
    try {
      const calls = seen.length;
      const error = await llm.completion({ model: MODEL, messages: ask('Hi') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toMatch(/token endpoint http:\/\/127\.0\.0\.1:\d+ refused 'vertexai' credentials \(HTTP 400\): invalid_grant: Invalid JWT Signature\./);
      expect(seen.length).toBe(calls);
    } finally {
      endpoint.refuse = undefined;
      await llm.close();
    }
  });
});

describe('vertexaianthropic with a service-account file', () => {
  it("sends Anthropic's wire to rawPredict / streamRawPredict with the host's token, the model in the path", async () => {
    const llm = await AnyLLM.create('vertexaianthropic', { apiBase: server.origin, credentials: { file }, idleTimeoutMs: 0, maxRetries: 0 });
    try {
      const res = await llm.completion({ model: 'claude-sonnet-4-5@20250929', messages: ask('Hi') });
      expect(res.choices[0].message.content).toBe('Claude via Vertex.');
      expect(res.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
      const streamed = await llm.completionStream({ model: 'claude-sonnet-4-5@20250929', messages: ask('Hi') }).finalChatCompletion();
      expect(streamed.choices[0].message.content).toBe('Streamed Claude.');
      expect(seen.slice(-2).map((s) => s.path.split(':').at(-1))).toEqual(['rawPredict', 'streamRawPredict']);
      expect(seen.at(-1)?.authorization).toBe(`Bearer ${endpoint.current()}`);
      await expect(llm.listModels()).rejects.toMatchObject({ name: 'UnsupportedParameterError' });
    } finally {
      await llm.close();
    }
  });
});
