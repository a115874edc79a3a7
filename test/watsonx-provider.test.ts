/**
 * watsonx.ai through the public API: the host exchanges the IBM Cloud API key at IAM (a local
 * endpoint), the plugin calls watsonx with the bearer token only, and the token is renewed when it
 * expires. A key IAM does not know fails with IAM's own message before watsonx is called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AuthenticationError, completion } from 'anyllm';
import { ForwardProxy } from './support/forward-proxy.js';
import { serveIam, watsonxError, type IamEndpoint } from './support/ibm-iam.js';
import { LocalServer, sendJson, sendSse } from './support/local-server.js';

const MODEL = 'ibm/granite-3-8b-instruct';
const ask = (text: string) => [{ role: 'user' as const, content: text }];
let server: LocalServer;
let iam: IamEndpoint;
const calls: { path: string; authorization: unknown; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = await LocalServer.start();
  iam = serveIam(server, 'ibm-cloud-key');
  const authorised = (req: { headers: Record<string, unknown> }) => req.headers.authorization === `Bearer ${iam.current()}`;
  server.on('POST', '/ml/v1/text/chat', (req, res) => {
    calls.push({ path: req.path, authorization: req.headers.authorization, body: req.body as Record<string, unknown> });
    if (!authorised(req)) return sendJson(res, 401, watsonxError(401, 'Failed to authenticate the request due to an expired token'));
    const body = req.body as { tools?: unknown };
    const message = body.tools
      ? { role: 'assistant', tool_calls: [{ id: 'chatcmpl-tool-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }
      : { role: 'assistant', content: 'Hei fra watsonx.' };
    sendJson(res, 200, {
      id: 'chat-1', model_id: MODEL, model: MODEL, created: 1_760_000_000, created_at: '2025-10-09T00:00:00.000Z',
      choices: [{ index: 0, message, finish_reason: body.tools ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    });
  });
  server.on('POST', '/ml/v1/text/chat_stream', async (req, res) => {
    calls.push({ path: req.path, authorization: req.headers.authorization, body: req.body as Record<string, unknown> });
    if (!authorised(req)) return sendJson(res, 401, watsonxError(401, 'expired token'));
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>) =>
      `id: 1\nevent: message\ndata: ${JSON.stringify({ id: 'chat-2', model_id: MODEL, model: MODEL, created: 1_760_000_000, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}`;
    await sendSse(res, [chunk({ role: 'assistant', content: '' }, null), chunk({ content: 'Hei ' }, null), chunk({ content: 'igjen.' }, null), chunk({}, 'stop', { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 })]);
  });
});
afterAll(() => server?.close());

describe('watsonx with IBM Cloud IAM in the host', () => {
  it('exchanges the key once, sends the token, project and version, and answers text and tool calls', async () => {
    const llm = await AnyLLM.create('watsonx', { apiKey: 'ibm-cloud-key', apiBase: server.origin, projectId: 'proj-1', credentials: { tokenUrl: server.origin }, idleTimeoutMs: 0 });
    try {
      const text = await llm.completion({ model: MODEL, messages: ask('Hei') });
      expect(text.choices[0].message.content).toBe('Hei fra watsonx.');
      expect(text.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
      const called = await llm.completion({ model: MODEL, messages: ask('Weather?'), tools, tool_choice: 'required' });
      expect(called.choices[0].finish_reason).toBe('tool_calls');
      expect(called.choices[0].message.tool_calls?.[0]).toMatchObject({ id: 'chatcmpl-tool-1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
      expect(iam.issued).toEqual(['iam-token-1']);
      expect(calls.at(-1)).toMatchObject({ authorization: 'Bearer iam-token-1', body: { model_id: MODEL, project_id: 'proj-1', tool_choice_option: 'required' } });
      expect(JSON.stringify(calls)).not.toContain('ibm-cloud-key');
    } finally {
      await llm.close();
    }
  });

  it("'watsonx:model' streams with WATSONX_API_KEY, WATSONX_PROJECT_ID, WATSONX_SERVICE_URL and WATSONX_AI_AUTH_URL; usage arrives once, on a chunk of its own", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { WATSONX_API_KEY: 'ibm-cloud-key', WATSONX_PROJECT_ID: 'proj-env', WATSONX_SERVICE_URL: server.origin, WATSONX_AI_AUTH_URL: server.origin });
    try {
      const chunks = [];
      const { completionStream } = await import('anyllm');
      for await (const chunk of completionStream({ model: `watsonx:${MODEL}`, messages: ask('Hei') })) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hei igjen.');
      const withUsage = chunks.filter((c) => c.usage);
      expect(withUsage).toHaveLength(1);
      expect(withUsage[0]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
      expect(calls.at(-1)?.body.project_id).toBe('proj-env');
      const text = await completion({ model: `watsonx:${MODEL}`, messages: ask('Hei') });
      expect(text.choices[0].message.content).toBe('Hei fra watsonx.');
    } finally {
      process.env = saved;
    }
  });

  it('renews the token after it expires', async () => {
    iam.lifetimeS = 1;
    const llm = await AnyLLM.create('watsonx', { apiKey: 'ibm-cloud-key', apiBase: server.origin, projectId: 'p', credentials: { tokenUrl: `${server.origin}/identity/token` }, idleTimeoutMs: 0 });
    try {
      await llm.completion({ model: MODEL, messages: ask('Hei') });
      const before = iam.issued.length;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await llm.completion({ model: MODEL, messages: ask('Hei') });
      expect(iam.issued.length).toBe(before + 1);
      expect(calls.at(-1)?.authorization).toBe(`Bearer ${iam.current()}`);
    } finally {
      iam.lifetimeS = 3600;
      await llm.close();
    }
  });

  it("a key IAM does not know is an AuthenticationError with IAM's message, and watsonx is never called", async () => {
    const llm = await AnyLLM.create('watsonx', { apiKey: 'wrong-key', apiBase: server.origin, projectId: 'p', credentials: { tokenUrl: server.origin }, idleTimeoutMs: 0 });
    try {
      const before = calls.length;
      const error = await llm.completion({ model: MODEL, messages: ask('Hei') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toContain('Provided API key could not be found.');
      expect(calls.length).toBe(before);
    } finally {
      await llm.close();
    }
  });

  it("exchanges the key through the client's proxy option, as the plugin's own requests go", async () => {
    const proxy = await ForwardProxy.start();
    const llm = await AnyLLM.create('watsonx', { apiKey: 'ibm-cloud-key', apiBase: server.origin, projectId: 'p', credentials: { tokenUrl: server.origin }, proxy: proxy.url, idleTimeoutMs: 0 });
    try {
      const res = await llm.completion({ model: MODEL, messages: ask('Hei') });
      expect(res.choices[0].message.content).toBe('Hei fra watsonx.');
      expect(proxy.seen).toEqual([`POST ${server.origin}/identity/token`, `POST ${server.origin}/ml/v1/text/chat?version=2024-10-08`]);
    } finally {
      await llm.close();
      await proxy.close();
    }
  });
});
