// AnyLLM.create is cheap and strict; the plugin starts on the first call, is reused, and closes.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  AnyLLM,
  InvalidRequestError,
  LLMProvider,
  MissingApiKeyError,
  PluginUnavailableError,
  registerPlugin,
  UnsupportedProviderError,
} from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError } from './support/openai-wire.js';

let server: LocalServer;
const messages = [{ role: 'user' as const, content: 'Hi' }];
const envEchoDir = fileURLToPath(new URL('./fixtures/plugins/env-echo/', import.meta.url));

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('ok')));
  });
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  vi.unstubAllEnvs();
});

describe('AnyLLM.create', () => {
  it('starts no plugin until the first call, then reuses one plugin (one SDK client) for every call', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    expect(llm.running).toBe(false);
    expect(server.requests).toHaveLength(0);
    await llm.completion({ model: 'gpt-4o-mini', messages });
    expect(llm.running).toBe(true);
    await llm.completion({ model: 'gpt-4o-mini', messages });
    await llm.completion({ model: 'gpt-4o-mini', messages });
    // One kept-alive connection: the same SDK client in the same plugin served all three.
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
    await llm.close();
    expect(llm.running).toBe(false);
  });

  it('start() warms the plugin up and reports its capabilities', async () => {
    const llm = await AnyLLM.create(LLMProvider.OPENAI, { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    const ready = await llm.start();
    expect(llm.running).toBe(true);
    expect(ready.capabilities).toMatchObject({ completion: true, streaming: true, tools: true });
    expect(server.requests).toHaveLength(0);
    await llm.close();
  });

  it('rejects an unknown provider with the list of known ones', async () => {
    const error = await AnyLLM.create('no-such-provider').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedProviderError);
    expect((error as UnsupportedProviderError).known).toContain('openai');
    expect((error as Error).message).toMatch(/Known providers: .*openai/);
  });

  it('raises MissingApiKeyError naming the variable when no key is given or set', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const error = await AnyLLM.create('openai').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect((error as MissingApiKeyError).envVar).toBe('OPENAI_API_KEY');
    expect((error as Error).message).toContain('OPENAI_API_KEY');
  });

  it('takes the key from OPENAI_API_KEY and the base URL from OPENAI_BASE_URL', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    vi.stubEnv('OPENAI_BASE_URL', `${server.origin}/v1`);
    const llm = await AnyLLM.create('openai');
    await llm.completion({ model: 'gpt-4o-mini', messages });
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-from-env');
    await llm.close();
  });

  it('prefers the apiKey and apiBase options over the environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:1/v1');
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-option', apiBase: `${server.origin}/v1` });
    await llm.completion({ model: 'gpt-4o-mini', messages });
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-option');
    await llm.close();
  });

  it.each([
    [{ apiKey: 42 }, /apiKey/],
    [{ apiBase: 'not a url' }, /apiBase/],
    [{ isolation: 'thread' }, /isolation/],
    [{ idleTimeoutMs: -1 }, /idleTimeoutMs/],
    [{ fetch: () => undefined }, /'fetch' cannot be sent to the plugin/],
  ])('rejects the bad option %o', async (options, message) => {
    const error = await AnyLLM.create('openai', { apiKey: 'sk-test', ...(options as object) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('options the host does not know go to the SDK client', () => {
  it('maxRetries sets the SDK its own retries when the host retries none; by default only the host retries', async () => {
    onChat(server, (_req, res) => sendOpenAIError(res, 500, 'boom', { type: 'server_error' }));
    const noRetry = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, maxRetries: 0, retry: false });
    await expect(noRetry.completion({ model: 'gpt-4o-mini', messages })).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
    await noRetry.close();

    // The default: three attempts by the host, none by the SDK (the two do not multiply).
    server.requests.length = 0;
    const byHost = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: { initialDelayMs: 1 } });
    const retries: number[] = [];
    byHost.on('call:retry', (event) => retries.push(event.attempt));
    await expect(byHost.completion({ model: 'gpt-4o-mini', messages })).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
    await byHost.close();

    server.requests.length = 0;
    const oneRetry = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, maxRetries: 1, retry: false });
    await expect(oneRetry.completion({ model: 'gpt-4o-mini', messages })).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(2);
    await oneRetry.close();
    onChat(server, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completionBody('ok')));
    });
  });

  it('defaultHeaders arrive upstream', async () => {
    const llm = await AnyLLM.create('openai', {
      apiKey: 'sk-test',
      apiBase: `${server.origin}/v1`,
      defaultHeaders: { 'x-trace-id': 'trace-123' },
    });
    await llm.completion({ model: 'gpt-4o-mini', messages });
    expect(server.requests[0].headers['x-trace-id']).toBe('trace-123');
    await llm.close();
  });
});

describe('a plugin sees only its own environment', () => {
  it('gets its two defaults, the variables the caller granted, and none of the host\'s others', async () => {
    vi.stubEnv('ENV_ECHO_API_KEY', 'echo-key');
    vi.stubEnv('ENV_ECHO_REGION', 'eu');
    vi.stubEnv('OPENAI_API_KEY', 'sk-secret-of-another-provider');
    vi.stubEnv('HOST_ONLY_SECRET', 'do-not-leak');
    // Its manifest asks for ENV_ECHO_REGION too; beyond the defaults, the caller grants by name.
    const name = await registerPlugin(envEchoDir, { allowEnv: ['ENV_ECHO_REGION'] });
    const llm = await AnyLLM.create(name, { isolation: 'worker' });
    const res = await llm.completion({ model: 'echo', messages });
    const seen = JSON.parse(res.choices[0].message.content ?? '{}') as { env: Record<string, string>; apiKey: string; capabilities: unknown };
    expect(seen.env).toEqual({ ENV_ECHO_API_KEY: 'echo-key', ENV_ECHO_REGION: 'eu' });
    expect(seen.apiKey).toBe('echo-key');
    expect(seen.capabilities).toEqual({ completion: true, streaming: true }); // its manifest's, through initialize
    await llm.close();
  });
});

describe('close()', () => {
  it('ends the plugin; later calls fail with PluginUnavailableError', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    await llm.completion({ model: 'gpt-4o-mini', messages });
    await llm.close();
    await expect(llm.completion({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(PluginUnavailableError);
    await llm.close(); // idempotent
  });
});
