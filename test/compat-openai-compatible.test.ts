// AnyLLM.createOpenAICompatible(name, { apiBase, apiKey? }): any server on OpenAI's wire, under the
// caller's name, keyless unless given a key; its name is what errors, events and stats() report.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  completion,
  InvalidRequestError,
  knownProviders,
  registerPlugin,
  type CallEndEvent,
  type PluginReadyEvent,
} from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, sendOpenAIError, streamChunks, syntheticStream } from './support/openai-wire.js';

let server: LocalServer;
const open: AnyLLM[] = [];
const messages = [{ role: 'user' as const, content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  server.on('POST', '/v1/chat/completions', (req, res) => {
    if (req.headers.authorization === 'Bearer wrong') return sendOpenAIError(res, 401, 'Invalid API key', { type: 'authentication_error' });
    if ((req.body as { stream?: boolean }).stream) return streamChunks(res, syntheticStream(3));
    sendJson(res, 200, completionBody('from my server'));
  });
});
afterAll(async () => {
  await Promise.all(open.map((llm) => llm.close()));
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

async function compatible(name: string, options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.createOpenAICompatible(name, { apiBase: `${server.origin}/v1`, retry: false, ...options });
  open.push(llm);
  return llm;
}

describe('AnyLLM.createOpenAICompatible', () => {
  it('talks to a keyless server, streamed and not, with no key anywhere', async () => {
    const llm = await compatible('mylocal');
    expect(llm.provider).toBe('mylocal');
    expect((await llm.completion({ model: 'qwen3-8b', messages })).choices[0].message.content).toBe('from my server');
    const streamed = await llm.completionStream({ model: 'qwen3-8b', messages }).finalChatCompletion();
    expect(streamed.choices[0].message.content).toBe('t0 t1 t2 ');
    expect(server.requests.map((r) => (r.body as { model: string }).model)).toEqual(['qwen3-8b', 'qwen3-8b']);
  });

  it('sends the key it is given as a Bearer token', async () => {
    const llm = await compatible('keyed', { apiKey: 'sk-mine' });
    await llm.completion({ model: 'm', messages });
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-mine');
  });

  it('reports its own name in errors, events and stats()', async () => {
    const llm = await compatible('gateway-x', { apiKey: 'wrong' });
    const ends: CallEndEvent[] = [];
    const readies: PluginReadyEvent[] = [];
    llm.on('call:end', (event) => ends.push(event));
    llm.on('plugin:ready', (event) => readies.push(event));
    const error = await llm.completion({ model: 'm', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).provider).toBe('gateway-x');
    expect((error as Error).message).toContain('Invalid API key');
    expect(ends.map((e) => [e.provider, e.outcome, e.error])).toEqual([['gateway-x', 'error', 'AuthenticationError']]);
    expect(readies.map((e) => e.provider)).toEqual(['gateway-x']);
    expect(llm.stats()).toMatchObject({ provider: 'gateway-x' });
  });

  it("is reachable afterwards by AnyLLM.create(name) and 'name:model'", async () => {
    await compatible('later');
    expect(knownProviders()).toContain('later');
    const res = await completion({ model: 'later:some-model', messages });
    expect(res.choices[0].message.content).toBe('from my server');
    expect(server.requests[0].body).toMatchObject({ model: 'some-model' });
  });

  it.each([['Bad Name'], ['1abc'], [''], ['a/b'], [42]])('refuses the name %j with InvalidRequestError', async (name) => {
    const error = await AnyLLM.createOpenAICompatible(name as string, { apiBase: `${server.origin}/v1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/lowercase letters, digits/);
  });

  it.each(['groq', 'deepinfra'])("refuses a built-in provider's name (%s), pointing at AnyLLM.create", async (name) => {
    const error = await AnyLLM.createOpenAICompatible(name, { apiBase: `${server.origin}/v1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain(`AnyLLM.create('${name}', { apiBase })`);
  });

  it.each([[undefined], ['not a url'], ['ftp://127.0.0.1/v1'], [8080]])('refuses the apiBase %j with InvalidRequestError', async (apiBase) => {
    const error = await AnyLLM.createOpenAICompatible('needs-base', { apiBase: apiBase as string }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/apiBase.*http\(s\) base URL/);
    expect(knownProviders()).not.toContain('needs-base');
  });

  it('checks the SDK options as for any built-in (a misspelt one names the right one)', async () => {
    const error = await AnyLLM.createOpenAICompatible('typo', { apiBase: `${server.origin}/v1`, maxRetires: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain("Did you mean 'maxRetries'?");
    // A client that was never made leaves no name behind.
    expect(knownProviders()).not.toContain('typo');
  });

  it('a community plugin cannot later take the name of a createOpenAICompatible server', async () => {
    await compatible('env-echo');
    const error = await registerPlugin(new URL('./fixtures/plugins/env-echo', import.meta.url).pathname).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain('createOpenAICompatible');
  });
});
