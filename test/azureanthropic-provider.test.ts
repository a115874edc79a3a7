// Claude on Microsoft Foundry ('azureanthropic') through the public API: the Anthropic plugin's
// conversions and SDK, at a Foundry endpoint (`<resource>.services.ai.azure.com/anthropic`) on a
// local server speaking the Messages wire. What differs from 'anthropic' is tested here; the
// shared scenarios run in the conformance suite.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AuthenticationError, completion, InvalidRequestError, UnsupportedParameterError, type ChatMessage } from 'anyllm';
import { foundryEndpoint } from '../plugins/azureanthropic/index.js';
import { onMessages, serveMessage, wireMessage } from './support/anthropic-wire.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { LocalServer, sendJson } from './support/local-server.js';

let server: LocalServer;
let apiBase: string;
const model = 'claude-sonnet-4-6';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/anthropic`;
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

describe('azureanthropic', () => {
  it("'azureanthropic:model' posts Anthropic's body to <endpoint>/v1/messages with the Azure key in x-api-key", async () => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'Bonjour' }]), { prefix: '/anthropic' });
    const res = await completion({ model: `azureanthropic:${model}`, messages }, { apiKey: 'azure-key-1', apiBase });
    expect(res.choices[0].message.content).toBe('Bonjour');
    const request = server.requests.at(-1);
    expect(request?.path).toBe('/anthropic/v1/messages');
    expect(request?.headers['x-api-key']).toBe('azure-key-1');
    // A bearer header would be read as an Entra ID token.
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['anthropic-version']).toEqual(expect.any(String));
    expect(request?.body).toMatchObject({ model, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('reads the key and endpoint from AZURE_ANTHROPIC_API_KEY and AZURE_ANTHROPIC_API_BASE', async () => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'from env' }]), { prefix: '/anthropic' });
    const saved = { key: process.env.AZURE_ANTHROPIC_API_KEY, base: process.env.AZURE_ANTHROPIC_API_BASE };
    process.env.AZURE_ANTHROPIC_API_KEY = 'azure-env-key';
    process.env.AZURE_ANTHROPIC_API_BASE = `${apiBase}/v1`;
    const llm = await AnyLLM.create('azureanthropic');
    try {
      expect((await llm.completion({ model, messages })).choices[0].message.content).toBe('from env');
      // A base copied with '/v1' on the end is not doubled.
      expect(server.requests.at(-1)?.path).toBe('/anthropic/v1/messages');
      expect(server.requests.at(-1)?.headers['x-api-key']).toBe('azure-env-key');
    } finally {
      await llm.close();
      for (const [name, value] of [['AZURE_ANTHROPIC_API_KEY', saved.key], ['AZURE_ANTHROPIC_API_BASE', saved.base]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("builds the endpoint from a resource name as Anthropic's Foundry client does", () => {
    expect(foundryEndpoint('my-foundry')).toBe('https://my-foundry.services.ai.azure.com/anthropic');
  });

  it('without an endpoint or resource fails with InvalidRequestError naming both ways to give one, sending nothing', async () => {
    const saved = { base: process.env.AZURE_ANTHROPIC_API_BASE, resource: process.env.AZURE_ANTHROPIC_RESOURCE };
    delete process.env.AZURE_ANTHROPIC_API_BASE;
    delete process.env.AZURE_ANTHROPIC_RESOURCE;
    const llm = await AnyLLM.create('azureanthropic', { apiKey: 'k' });
    try {
      const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ provider: 'azureanthropic', code: 'missing_endpoint' });
      expect((error as Error).message).toMatch(/AZURE_ANTHROPIC_API_BASE[\s\S]*AZURE_ANTHROPIC_RESOURCE/);
    } finally {
      await llm.close();
      if (saved.base !== undefined) process.env.AZURE_ANTHROPIC_API_BASE = saved.base;
      if (saved.resource !== undefined) process.env.AZURE_ANTHROPIC_RESOURCE = saved.resource;
    }
  });

  it('refuses an endpoint and a resource together', async () => {
    const llm = await AnyLLM.create('azureanthropic', { apiKey: 'k', apiBase, resource: 'other' });
    try {
      const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(server.requests).toHaveLength(0);
    } finally {
      await llm.close();
    }
  });

  it("maps the Azure gateway's own 401 body (not Anthropic's error shape) to AuthenticationError with its message", async () => {
    const message = 'Access denied due to invalid subscription key or wrong API endpoint.';
    onMessages(server, (_req, res) => sendJson(res, 401, { error: { code: '401', message } }), '/anthropic');
    const llm = await AnyLLM.create('azureanthropic', { apiKey: 'bad', apiBase, retry: false });
    try {
      const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ status: 401, provider: 'azureanthropic', message });
    } finally {
      await llm.close();
    }
  });

  it('has no models endpoint: listModels is refused without a request', async () => {
    const llm = await AnyLLM.create('azureanthropic', { apiKey: 'k', apiBase });
    try {
      await expect(llm.listModels()).rejects.toBeInstanceOf(UnsupportedParameterError);
      expect(server.requests).toHaveLength(0);
    } finally {
      await llm.close();
    }
  });

  it.each(SANDBOX_MODES)('runs sandboxed (OS boundary: %s): the sandbox lets it read the anthropic plugin it builds on', async (os) => {
    serveMessage(server, wireMessage([{ type: 'text', text: 'from the sandbox' }]), { prefix: '/anthropic' });
    const llm = await AnyLLM.create('azureanthropic', { apiKey: 'azure-key-2', apiBase, isolation: 'sandbox', sandbox: { os }, retry: false });
    try {
      expect((await llm.completion({ model, messages })).choices[0].message.content).toBe('from the sandbox');
      expect(server.requests.at(-1)?.headers['x-api-key']).toBe('azure-key-2');
    } finally {
      await llm.close();
    }
  });
});
