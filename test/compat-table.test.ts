// The OpenAI-compatible providers that are rows of plugins/openai-compatible/providers.json: each
// resolves by name and as 'name:model', reads its key (and any-llm's variable names) from the
// environment, and its row's quirks reach the wire, through the public API against a local server.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  completion,
  InvalidRequestError,
  knownProviders,
  LLMProvider,
  MissingApiKeyError,
  UnsupportedParameterError,
  type AnyLLMOptions,
} from 'anyllm';
import { compatRows } from './support/compat-table.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { completionBody } from './support/openai-wire.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const rows = compatRows();
afterEach(() => {
  server.requests.length = 0;
});

async function client(provider: string, options: AnyLLMOptions): Promise<AnyLLM> {
  const llm = await AnyLLM.create(provider, { retry: false, ...options });
  open.push(llm);
  return llm;
}

/** Answers chat completions under `path` with `content`. */
function serveChat(path: string, content = 'from the table'): void {
  server.on('POST', `${path}/chat/completions`, (_req, res) => sendJson(res, 200, completionBody(content)));
}

/** Sets variables for one test and restores them after it. */
function withEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(vars);
  return run().finally(() => set(before));
}

describe('providers of the OpenAI-compatible table', () => {
  it('are 28 rows, each a built-in provider name (knownProviders and LLMProvider)', () => {
    expect(rows).toHaveLength(28);
    const names = rows.map(([name]) => name);
    expect(knownProviders()).toEqual(expect.arrayContaining(names));
    expect(Object.values(LLMProvider)).toEqual(expect.arrayContaining(names));
  });

  it.each(rows.filter(([, row]) => row.apiKeyEnv !== null).map(([name, row]) => [name, row.apiKeyEnv as string]))(
    '%s without a key raises MissingApiKeyError naming %s, before anything is sent',
    async (name, keyEnv) => {
      await withEnv({ [keyEnv]: undefined }, async () => {
        const error = await AnyLLM.create(name, { apiBase: `${server.origin}/v1` }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MissingApiKeyError);
        expect((error as MissingApiKeyError).envVar).toBe(keyEnv);
        expect((error as MissingApiKeyError).provider).toBe(name);
      });
      expect(server.requests).toHaveLength(0);
    },
  );

  it('deepinfra answers with its key from DEEPINFRA_API_KEY, as a Bearer token, on its path', async () => {
    serveChat('/v1/openai');
    await withEnv({ DEEPINFRA_API_KEY: 'di-key' }, async () => {
      const llm = await client('deepinfra', { apiBase: `${server.origin}/v1/openai` });
      const res = await llm.completion({ model: 'meta-llama/Llama-3.3-70B-Instruct', messages });
      expect(res.choices[0].message.content).toBe('from the table');
    });
    expect(server.requests[0].headers.authorization).toBe('Bearer di-key');
    expect(server.requests[0].body).toMatchObject({ model: 'meta-llama/Llama-3.3-70B-Instruct' });
  });

  it("resolves as 'moonshot:model' in the top-level completion()", async () => {
    serveChat('/v1', 'kimi says hi');
    const res = await completion({ model: 'moonshot:kimi-k2.6', messages }, { apiKey: 'ms-key', apiBase: `${server.origin}/v1` });
    expect(res.choices[0].message.content).toBe('kimi says hi');
    expect(server.requests[0].body).toMatchObject({ model: 'kimi-k2.6' });
  });

  it("reads any-llm's base-URL variable (MOONSHOT_API_BASE) when its own (MOONSHOT_BASE_URL) is unset", async () => {
    serveChat('/alias/v1', 'via alias');
    await withEnv({ MOONSHOT_BASE_URL: undefined, MOONSHOT_API_BASE: `${server.origin}/alias/v1` }, async () => {
      const llm = await client('moonshot', { apiKey: 'ms-key' });
      expect((await llm.completion({ model: 'kimi-k2.6', messages })).choices[0].message.content).toBe('via alias');
    });
    expect(server.requests[0].path).toBe('/alias/v1/chat/completions');
  });

  it("sends max_completion_tokens as max_tokens where the row says maxTokensOnly (github, any-llm's quirk)", async () => {
    serveChat('/inference');
    const llm = await client('github', { apiKey: 'ghp-test', apiBase: `${server.origin}/inference` });
    await llm.completion({ model: 'openai/gpt-4.1', messages, max_completion_tokens: 64 });
    const body = server.requests[0].body as Record<string, unknown>;
    expect(body.max_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('passes max_completion_tokens through where the row has no such quirk (deepinfra)', async () => {
    serveChat('/v1/openai');
    const llm = await client('deepinfra', { apiKey: 'di', apiBase: `${server.origin}/v1/openai` });
    await llm.completion({ model: 'm', messages, max_completion_tokens: 64 });
    expect((server.requests[0].body as Record<string, unknown>).max_completion_tokens).toBe(64);
  });

  it('databricks appends /serving-endpoints to the workspace host from DATABRICKS_HOST (its row\'s path)', async () => {
    serveChat('/serving-endpoints', 'from databricks');
    await withEnv({ DATABRICKS_BASE_URL: undefined, DATABRICKS_HOST: server.origin, DATABRICKS_TOKEN: 'dapi-test' }, async () => {
      const llm = await client('databricks', {});
      expect((await llm.completion({ model: 'databricks-claude-sonnet-4', messages })).choices[0].message.content).toBe('from databricks');
    });
    expect(server.requests[0].path).toBe('/serving-endpoints/chat/completions');
    expect(server.requests[0].headers.authorization).toBe('Bearer dapi-test');
  });

  it('databricks does not double the path when the variable already holds it', async () => {
    serveChat('/serving-endpoints');
    const llm = await client('databricks', { apiKey: 'dapi', apiBase: `${server.origin}/serving-endpoints/` });
    await llm.completion({ model: 'm', messages });
    expect(server.requests[0].path).toBe('/serving-endpoints/chat/completions');
  });

  it.each(['databricks', 'otari'])('%s (a per-tenant host, no default) without a base URL is a clear InvalidRequestError', async (name) => {
    await withEnv({ DATABRICKS_BASE_URL: undefined, DATABRICKS_HOST: undefined, OTARI_BASE_URL: undefined, OTARI_API_BASE: undefined, GATEWAY_API_BASE: undefined }, async () => {
      const error = await AnyLLM.create(name, { apiKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(/apiBase.*required.*no default base URL/);
      expect((error as InvalidRequestError).provider).toBe(name);
    });
  });

  it('otari takes no key (self-hosted gateway) and sends OTARI_API_KEY, any-llm\'s name, when set', async () => {
    serveChat('/v1');
    await withEnv({ OTARI_API_KEY: 'otari-token' }, async () => {
      const llm = await client('otari', { apiBase: `${server.origin}/v1` });
      await llm.completion({ model: 'openai:gpt-4o-mini', messages });
    });
    expect(server.requests[0].headers.authorization).toBe('Bearer otari-token');
  });

  it('refuses what a row does not claim before anything is sent (minimax: response_format; llamafile too)', async () => {
    const minimax = await client('minimax', { apiKey: 'mm', apiBase: `${server.origin}/v1` });
    const schema = { type: 'json_schema' as const, json_schema: { name: 'x', schema: { type: 'object' } } };
    await expect(minimax.completion({ model: 'MiniMax-M2', messages, response_format: schema })).rejects.toBeInstanceOf(UnsupportedParameterError);
    await expect(minimax.listModels()).rejects.toBeInstanceOf(UnsupportedParameterError);
    const llamafile = await client('llamafile', { apiBase: `${server.origin}/v1` });
    await expect(llamafile.completion({ model: 'local', messages, response_format: schema })).rejects.toBeInstanceOf(UnsupportedParameterError);
    expect(server.requests).toHaveLength(0);
  });

  it('splits inline <think> reasoning where the row says thinkTags (minimax) and leaves it in the content where not (deepinfra)', async () => {
    const thinking = '<think>Two and two.</think>4';
    server.on('POST', '/v1/chat/completions', (_req, res) => sendJson(res, 200, completionBody(thinking)));
    server.on('POST', '/v1/openai/chat/completions', (_req, res) => sendJson(res, 200, completionBody(thinking)));
    const minimax = await client('minimax', { apiKey: 'mm', apiBase: `${server.origin}/v1` });
    const split = (await minimax.completion({ model: 'MiniMax-M2', messages })).choices[0].message;
    expect(split.content).toBe('4');
    expect(split.reasoning).toBe('Two and two.');
    const deepinfra = await client('deepinfra', { apiKey: 'di', apiBase: `${server.origin}/v1/openai` });
    expect((await deepinfra.completion({ model: 'm', messages })).choices[0].message.content).toBe(thinking);
  });

  it("maps z.ai's own finish reasons to OpenAI's (model_context_window_exceeded → length, sensitive → content_filter)", async () => {
    let reason = 'model_context_window_exceeded';
    server.on('POST', '/api/paas/v4/chat/completions', (_req, res) => {
      const body = completionBody('cut');
      (body.choices as { finish_reason: string }[])[0].finish_reason = reason;
      sendJson(res, 200, body);
    });
    const llm = await client('zai', { apiKey: 'zai', apiBase: `${server.origin}/api/paas/v4/` });
    expect((await llm.completion({ model: 'glm-4.6', messages })).choices[0].finish_reason).toBe('length');
    reason = 'sensitive';
    expect((await llm.completion({ model: 'glm-4.6', messages })).choices[0].finish_reason).toBe('content_filter');
  });
});

describe.each(SANDBOX_MODES)('the table plugin in the sandbox tier (OS boundary %s)', (os) => {
  it('runs a row (its quirks read from its own folder) and a createOpenAICompatible server, reaching only the apiBase given', async () => {
    serveChat('/inference', 'sandboxed row');
    const row = await client('github', { isolation: 'sandbox', sandbox: { os }, apiKey: 'ghp', apiBase: `${server.origin}/inference` });
    const res = await row.completion({ model: 'openai/gpt-4.1', messages, max_completion_tokens: 8 });
    expect(res.choices[0].message.content).toBe('sandboxed row');
    // The row's maxTokensOnly quirk was read inside the sandbox.
    expect((server.requests[0].body as Record<string, unknown>).max_tokens).toBe(8);
    serveChat('/v1', 'sandboxed server');
    const own = await AnyLLM.createOpenAICompatible(`boxed-${os}`, { isolation: 'sandbox', sandbox: { os }, apiBase: `${server.origin}/v1`, retry: false });
    open.push(own);
    expect((await own.completion({ model: 'm', messages })).choices[0].message.content).toBe('sandboxed server');
  });
});
