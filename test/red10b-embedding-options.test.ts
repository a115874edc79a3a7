// Red team (issue 10, second round): the per-call options an embedding call accepts are honoured.
// The top-level embedding() passed on only signal and timeouts: `retry: false` there still retried
// a 503 (the host's default policy); and `fallbacks` on an embedding were accepted and ignored, so
// a call that named a fallback failed at the first overloaded model.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnyLLM, embedding, FallbackError, InvalidRequestError, ProviderError, UnsupportedParameterError, type CallFallbackEvent } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { sendOpenAIError } from './support/openai-wire.js';

let server: LocalServer;
let apiBase: string;
const open: AnyLLM[] = [];
const embeddingCalls = () => server.requests.filter((r) => r.path.endsWith('/embeddings'));

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/v1`;
  server.on('POST', '/v1/embeddings', (req, res) => {
    const { model } = req.body as { model: string };
    if (model.startsWith('down')) return sendOpenAIError(res, 503, 'overloaded', { type: 'server_error' });
    sendJson(res, 200, { object: 'list', data: [{ object: 'embedding', embedding: [0.5, 0.25], index: 0 }], model, usage: { prompt_tokens: 2, total_tokens: 2 } });
  });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  server.requests.length = 0;
  vi.unstubAllEnvs();
});

describe('embedding call options', () => {
  it('top-level embedding(): retry: false sends the request once', async () => {
    const error = await embedding({ model: 'openai:down', input: 'a cat' }, { apiKey: 'sk-emb', apiBase, retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(embeddingCalls()).toHaveLength(1);
  });

  it('AnyLLM#embedding: a fallback serves when the model is overloaded, and says so', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-emb', apiBase, retry: false });
    open.push(llm);
    const events: CallFallbackEvent[] = [];
    llm.on('call:fallback', (event) => events.push(event));
    const result = await llm.embedding({ model: 'down-small', input: 'a cat' }, { fallbacks: ['openai:up-large'] });
    expect(result.model).toBe('up-large');
    expect(result.data[0].embedding).toEqual([0.5, 0.25]);
    expect(events).toMatchObject([{ from: 'openai:down-small', to: 'openai:up-large', error: 'ProviderError' }]);
    // All down: the error says what each got.
    const error = await llm.embedding({ model: 'down-small', input: 'a cat' }, { fallbacks: ['openai:down-large'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
  });

  it('top-level embedding(): fallbacks too', async () => {
    const result = await embedding({ model: 'openai:down-small', input: 'a cat' }, { apiKey: 'sk-emb', apiBase, retry: false, fallbacks: ['openai:up-large'] });
    expect(result.model).toBe('up-large');
  });
});

describe('an embedding fallback to a provider without embeddings', () => {
  it('is skipped with UnsupportedParameterError, and the chain goes on', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-test');
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-emb', apiBase, retry: false });
    open.push(llm);
    const served = await llm.embedding({ model: 'down-small', input: 'a cat' }, { fallbacks: ['anthropic:claude-sonnet-4-6', 'openai:up-large'] });
    expect(served.model).toBe('up-large');
    const error = (await llm.embedding({ model: 'down-small', input: 'a cat' }, { fallbacks: ['anthropic:claude-sonnet-4-6'] }).catch((e: unknown) => e)) as FallbackError;
    expect(error).toBeInstanceOf(FallbackError);
    expect(error.attempts).toEqual(['openai:down-small', 'anthropic:claude-sonnet-4-6']);
    expect(error.errors[1]).toBeInstanceOf(UnsupportedParameterError);
  });
});

describe('listModels()', () => {
  it('refuses fallbacks (another provider\'s models are not this one\'s) before anything is sent', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-emb', apiBase, retry: false });
    open.push(llm);
    const error = await llm.listModels({ fallbacks: ['anthropic:claude-sonnet-4-6'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/fallbacks/);
    expect(server.requests).toHaveLength(0);
  });
});
