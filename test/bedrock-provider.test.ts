/**
 * Bedrock through the public API with AWS SigV4: the host signs each request (the plugin never holds
 * the secret key), the local server checks the signature with AWS's own signer, and streams
 * ConverseStream frames encoded with AWS's own event-stream codec.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  completion,
  embedding,
  InvalidRequestError,
  MissingApiKeyError,
  ProviderError,
  RateLimitError,
  UnsupportedParameterError,
  type EmbeddingParams,
} from 'anyllm';
import { eventFrame, exceptionFrame, sendBedrockError, sendEventStream, verifySigV4 } from './support/bedrock-wire.js';
import { LocalServer, sendJson, type RecordedRequest } from './support/local-server.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const KEYS = { accessKeyId: 'AKIATESTKEY', secretAccessKey: 'test/secret+key', sessionToken: 'test-session' };
const REGION = 'eu-west-3';
const ask = (text: string) => [{ role: 'user' as const, content: text }];

let server: LocalServer;
let verdicts: { ok: boolean; expected: string; got: string }[] = [];
let nextStream: Uint8Array[] = [];
const home = mkdtempSync(join(tmpdir(), 'anyllm-bedrock-'));

/** Refuses what Bedrock would refuse: a request whose signature AWS's signer does not reproduce. */
async function checked(req: RecordedRequest, res: import('node:http').ServerResponse): Promise<boolean> {
  const verdict = await verifySigV4(req, JSON.stringify(req.body), KEYS, REGION);
  verdicts.push(verdict);
  if (!verdict.ok) sendBedrockError(res, 403, 'The request signature we calculated does not match the signature you provided.');
  return verdict.ok;
}

beforeAll(async () => {
  server = await LocalServer.start();
  const path = (action: string) => `/model/${encodeURIComponent(MODEL)}/${action}`;
  server.on('POST', path('converse'), async (req, res) => {
    if (!(await checked(req, res))) return;
    const body = req.body as { toolConfig?: unknown; messages: { content: { text?: string }[] }[] };
    if (body.messages[0].content[0].text === 'throttle') return sendBedrockError(res, 429, 'Too many requests, please wait before trying again.');
    if (body.toolConfig) {
      return sendJson(res, 200, {
        output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } }] } },
        stopReason: 'tool_use',
        usage: { inputTokens: 30, outputTokens: 10, totalTokens: 40 },
      });
    }
    sendJson(res, 200, {
      output: { message: { role: 'assistant', content: [{ text: 'Bonjour.' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 5, outputTokens: 2, totalTokens: 57, cacheReadInputTokens: 50 },
    });
  });
  server.on('POST', path('converse-stream'), async (req, res) => {
    if (!(await checked(req, res))) return;
    await sendEventStream(res, nextStream, { split: true });
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

const create = (extra: Record<string, unknown> = {}) =>
  AnyLLM.create('bedrock', { apiBase: server.origin, credentials: { ...KEYS, region: REGION }, idleTimeoutMs: 0, ...extra });

describe('bedrock with SigV4 signed in the host', () => {
  it('answers text with usage that adds up, cache reads inside prompt_tokens, the request signed as AWS checks it', async () => {
    verdicts = [];
    const llm = await create();
    try {
      const res = await llm.completion({ model: MODEL, messages: ask('Hi') });
      expect(res.choices[0].message.content).toBe('Bonjour.');
      expect(res.usage).toEqual({ prompt_tokens: 55, completion_tokens: 2, total_tokens: 57, prompt_tokens_details: { cached_tokens: 50 } });
      expect(verdicts).toHaveLength(1);
      expect(verdicts[0].ok).toBe(true);
      // Temporary credentials carry their session token; the secret itself never goes on the wire.
      const sent = server.requests.at(-1)!;
      expect(sent.headers['x-amz-security-token']).toBe('test-session');
      expect(JSON.stringify(sent.headers)).not.toContain(KEYS.secretAccessKey);
    } finally {
      await llm.close();
    }
  });

  it('signs each request with its own client\'s keys when two clients with different keys share one plugin', async () => {
    verdicts = [];
    const mine = await create();
    const theirs = await create({ credentials: { accessKeyId: 'AKIAOTHERUSER', secretAccessKey: 'other/secret', region: REGION } });
    try {
      const starts: string[] = [];
      theirs.on('plugin:start', (event) => starts.push(event.provider));
      await mine.completion({ model: MODEL, messages: ask('Hi') });
      // The other client's call goes through the same plugin, signed with the other keys: the server
      // (which knows only KEYS) refuses it, and the first client's next call still passes.
      const refused = await theirs.completion({ model: MODEL, messages: ask('Hi') }, { retry: false }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AuthenticationError);
      await mine.completion({ model: MODEL, messages: ask('Hi') });
      // One launch, seen by both clients: they share the plugin.
      expect(starts).toEqual(['bedrock']);
      expect([mine.stats().starts, theirs.stats().starts]).toEqual([1, 1]);
      expect(verdicts.map((v) => v.ok)).toEqual([true, false, true]);
      const credentials = server.requests.slice(-3).map((r) => /Credential=(\w+)\//.exec(String(r.headers.authorization))?.[1]);
      expect(credentials).toEqual(['AKIATESTKEY', 'AKIAOTHERUSER', 'AKIATESTKEY']);
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
    }
  });

  it('returns tool calls, and streams text and tool calls decoded from AWS event-stream frames split across reads', async () => {
    const llm = await create();
    try {
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
      const called = await llm.completion({ model: MODEL, messages: ask('Weather?'), tools, tool_choice: 'required' });
      expect(called.choices[0].finish_reason).toBe('tool_calls');
      expect(called.choices[0].message.tool_calls).toEqual([{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
      expect((server.requests.at(-1)!.body as { toolConfig: unknown }).toolConfig).toEqual({
        tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: tools[0].function.parameters } } }],
        toolChoice: { any: {} },
      });

      nextStream = [
        eventFrame('messageStart', { role: 'assistant' }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Il fait ' } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'beau.' } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
        eventFrame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_2', name: 'get_weather' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
        eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Lyon"}' } } }),
        eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
        eventFrame('messageStop', { stopReason: 'tool_use' }),
        eventFrame('metadata', { usage: { inputTokens: 8, outputTokens: 6, totalTokens: 14 }, metrics: { latencyMs: 3 } }),
      ];
      const final = await llm.completionStream({ model: MODEL, messages: ask('Weather?'), tools }).finalChatCompletion();
      expect(final.choices[0].message.content).toBe('Il fait beau.');
      expect(final.choices[0].message.tool_calls?.[0]).toMatchObject({ id: 'tooluse_2', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } });
      expect(final.choices[0].finish_reason).toBe('tool_calls');
      expect(final.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 });
    } finally {
      await llm.close();
    }
  });

  it('a mid-stream exception frame becomes its error class; a corrupted frame is an error, not garbage', async () => {
    const llm = await create();
    try {
      nextStream = [eventFrame('messageStart', { role: 'assistant' }), exceptionFrame('throttlingException', 'Rate exceeded mid-stream')];
      const throttled = await llm.completionStream({ model: MODEL, messages: ask('Hi') }).finalChatCompletion().catch((e: unknown) => e);
      expect(throttled).toBeInstanceOf(RateLimitError);
      expect((throttled as Error).message).toContain('Rate exceeded mid-stream');

      const frame = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } });
      const corrupted = Uint8Array.from(frame);
      corrupted[corrupted.length - 10] ^= 0xff;
      nextStream = [eventFrame('messageStart', { role: 'assistant' }), corrupted];
      const broken = await llm.completionStream({ model: MODEL, messages: ask('Hi') }).finalChatCompletion().catch((e: unknown) => e);
      expect(broken).toBeInstanceOf(ProviderError);
      expect((broken as Error).message).toMatch(/checksum/);
    } finally {
      await llm.close();
    }
  });

  it('maps HTTP errors (429, and a bad signature as AuthenticationError) and refuses what Converse cannot do before sending', async () => {
    const llm = await create();
    try {
      await expect(llm.completion({ model: MODEL, messages: ask('throttle') })).rejects.toBeInstanceOf(RateLimitError);
      const before = server.requests.length;
      await expect(llm.completion({ model: MODEL, messages: ask('Hi'), seed: 1 })).rejects.toBeInstanceOf(UnsupportedParameterError);
      expect(server.requests.length).toBe(before);
    } finally {
      await llm.close();
    }
    const wrong = await create({ credentials: { ...KEYS, secretAccessKey: 'not-the-secret', region: REGION } });
    try {
      const error = await wrong.completion({ model: MODEL, messages: ask('Hi') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(verdicts.at(-1)?.ok).toBe(false);
    } finally {
      await wrong.close();
    }
  });

  it("'bedrock:model' reads the keys from a profile of AWS_SHARED_CREDENTIALS_FILE, and without any credentials create() says where it looked", async () => {
    const file = join(home, 'credentials');
    writeFileSync(file, `[ci]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\naws_session_token = ${KEYS.sessionToken}\n`);
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    process.env.AWS_PROFILE = 'ci';
    process.env.AWS_REGION = REGION;
    try {
      verdicts = [];
      const res = await completion({ model: `bedrock:${MODEL}`, messages: ask('Hi') }, { apiBase: server.origin });
      expect(res.choices[0].message.content).toBe('Bonjour.');
      expect(verdicts.at(-1)?.ok).toBe(true);

      process.env.AWS_PROFILE = 'nobody';
      process.env.HOME = home;
      const missing = await AnyLLM.create('bedrock').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(MissingApiKeyError);
      expect((missing as Error).message).toMatch(/AWS_BEARER_TOKEN_BEDROCK.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    } finally {
      process.env = saved;
    }
  });
});

describe('bedrock embeddings through InvokeModel, signed in the host', () => {
  const invokePath = (model: string) => `/model/${encodeURIComponent(model)}/invoke`;
  const invoked = (model: string) => server.requests.filter((r) => r.path === invokePath(model));
  const TITAN = 'amazon.titan-embed-text-v2:0';

  /** Titan V2 as Bedrock answers it: one `embedding` and its `inputTextTokenCount`; input `t<i>` gets [i, 0.5]. */
  const serveTitan = () =>
    server.on('POST', invokePath(TITAN), async (req, res) => {
      if (!(await checked(req, res))) return;
      const { inputText } = req.body as { inputText: string };
      if (inputText === 'too long') return sendBedrockError(res, 400, '400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: 9000');
      if (inputText === 'throttle') return sendBedrockError(res, 429, 'Too many requests, please wait before trying again.');
      sendJson(res, 200, { embedding: [Number(inputText.slice(1)), 0.5], embeddingsByType: { float: [Number(inputText.slice(1)), 0.5] }, inputTextTokenCount: 3 });
    });

  /** Cohere Embed on Bedrock: `embeddings.float` for typed requests, the token count in a header. */
  const serveCohere = (model: string) =>
    server.on('POST', invokePath(model), async (req, res) => {
      if (!(await checked(req, res))) return;
      const { texts } = req.body as { texts: string[] };
      res.setHeader('x-amzn-bedrock-input-token-count', String(texts.length * 2));
      sendJson(res, 200, { id: 'e1', embeddings: { float: texts.map((t) => [Number(t.slice(1))]) }, response_type: 'embeddings_by_type', texts });
    });

  it('Titan V2: one signed request per text (inputText, dimensions, normalize), joined in input order with its token counts summed', async () => {
    serveTitan();
    verdicts = [];
    const llm = await create();
    try {
      const res = await llm.embedding({ model: TITAN, input: ['t0', 't1', 't2'], dimensions: 256 });
      expect(res).toEqual({
        object: 'list',
        data: [0, 1, 2].map((i) => ({ object: 'embedding', index: i, embedding: [i, 0.5] })),
        model: TITAN,
        usage: { prompt_tokens: 9, total_tokens: 9 },
      });
      expect(invoked(TITAN).map((r) => r.body)).toEqual(['t0', 't1', 't2'].map((inputText) => ({ inputText, dimensions: 256, normalize: true })));
      expect(verdicts.map((v) => v.ok)).toEqual([true, true, true]);
    } finally {
      await llm.close();
    }
  });

  it("'bedrock:cohere.embed-english-v3': texts with input_type 'search_document' and float types, 97 texts as 96 and 1, usage from Bedrock's token-count header", async () => {
    const model = 'cohere.embed-english-v3';
    serveCohere(model);
    verdicts = [];
    const input = Array.from({ length: 97 }, (_v, i) => `t${i}`);
    // The top-level call reads the keys from AWS's variables (it takes no credentials option).
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_SESSION_TOKEN: KEYS.sessionToken, AWS_REGION: REGION });
    const res = await embedding({ model: `bedrock:${model}`, input }, { apiBase: server.origin }).finally(() => {
      process.env = saved;
    });
    expect(invoked(model).map((r) => r.body)).toEqual([
      { texts: input.slice(0, 96), input_type: 'search_document', embedding_types: ['float'] },
      { texts: ['t96'], input_type: 'search_document', embedding_types: ['float'] },
    ]);
    expect(res.data.map((d) => [d.index, d.embedding[0]])).toEqual(input.map((_t, i) => [i, i]));
    expect(res.usage).toEqual({ prompt_tokens: 194, total_tokens: 194 });
    expect(verdicts.map((v) => v.ok)).toEqual([true, true]);
  });

  it('Cohere Embed v4 takes output_dimension; the embeddingInputType option sets input_type', async () => {
    const model = 'us.cohere.embed-v4:0';
    serveCohere(model);
    const llm = await create({ embeddingInputType: 'search_query' });
    try {
      const res = await llm.embedding({ model, input: 't5', dimensions: 512 });
      expect(res.data).toEqual([{ object: 'embedding', index: 0, embedding: [5] }]);
      expect(invoked(model).at(-1)?.body).toEqual({ texts: ['t5'], input_type: 'search_query', embedding_types: ['float'], output_dimension: 512 });
    } finally {
      await llm.close();
    }
  });

  it('maps Bedrock errors: a Titan 400 too-long to ContextLengthExceededError (an InvalidRequestError), a 429 to RateLimitError', async () => {
    serveTitan();
    const llm = await create();
    try {
      const long = await llm.embedding({ model: TITAN, input: 'too long' }).catch((e: unknown) => e);
      expect(long).toBeInstanceOf(InvalidRequestError);
      expect(long).toMatchObject({ name: 'ContextLengthExceededError', status: 400, provider: 'bedrock' });
      await expect(llm.embedding({ model: TITAN, input: 'throttle' }, { retry: false })).rejects.toBeInstanceOf(RateLimitError);
    } finally {
      await llm.close();
    }
  });

  it.each<[string, EmbeddingParams]>([
    ['dimensions', { model: 'cohere.embed-multilingual-v3', input: 'a', dimensions: 256 }],
    ['dimensions', { model: 'amazon.titan-embed-text-v1', input: 'a', dimensions: 256 }],
    ['model', { model: 'meta.llama3-8b-instruct-v1:0', input: 'a' }],
    ['user', { model: TITAN, input: 'a', user: 'u' }],
    ['input', { model: TITAN, input: [1, 2, 3] }],
  ])('refuses %s (%j) with UnsupportedParameterError before signing or sending', async (parameter, params) => {
    const llm = await create();
    try {
      const before = server.requests.length;
      const error = await llm.embedding(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter, provider: 'bedrock' });
      expect(server.requests.length).toBe(before);
    } finally {
      await llm.close();
    }
  });
});
