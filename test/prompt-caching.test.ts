// Prompt caching through the public API, asserted on the request each provider's server receives:
// Anthropic's cache_control on system, user, assistant and tool content parts and on tools;
// Gemini's cachedContent (`cached_content`); OpenAI's prompt_cache_key. A mark a provider cannot
// send is refused, never dropped.
import { afterEach, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, UnsupportedParameterError, type ChatMessage, type CompletionParams } from 'anyllm';
import { fixtureJson } from './support/fixtures.js';
import { onMessages } from './support/anthropic-wire.js';
import { onGenerate } from './support/gemini-wire.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { completionBody, onChat } from './support/openai-wire.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));
const ephemeral = { type: 'ephemeral' as const };
const hour = { type: 'ephemeral' as const, ttl: '1h' as const };
afterEach(() => {
  server.requests.length = 0;
});

const clients = new Map<string, Promise<AnyLLM>>();
function client(provider: string, prefix: string): Promise<AnyLLM> {
  if (!clients.has(provider)) {
    clients.set(
      provider,
      AnyLLM.create(provider, { apiKey: 'test-key', apiBase: `${server.origin}${prefix}`, retry: false }).then((llm) => {
        open.push(llm);
        return llm;
      }),
    );
  }
  return clients.get(provider) as Promise<AnyLLM>;
}

const weather = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: {} } }, cache_control: ephemeral };

/** A conversation with a cache mark on every kind of content part. */
const marked: ChatMessage[] = [
  { role: 'system', content: [{ type: 'text', text: 'Long instructions.', cache_control: hour }] },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Look at this.' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' }, cache_control: ephemeral },
      { type: 'text', text: 'A long document.', cache_control: ephemeral },
    ],
  },
  { role: 'assistant', content: [{ type: 'text', text: 'Noted.', cache_control: ephemeral }], tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'sunny', cache_control: ephemeral }] },
];

async function refused(call: Promise<unknown>): Promise<UnsupportedParameterError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedParameterError);
  expect(server.requests).toHaveLength(0);
  return error as UnsupportedParameterError;
}

describe('anthropic: cache_control reaches the Messages API on the blocks it was set on', () => {
  it('on system, user (text and image), assistant and tool-result text parts, and on tools', async () => {
    onMessages(server, (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/anthropic-text.json')));
    const llm = await client('anthropic', '');
    await llm.completion({ model: 'claude-sonnet-4-6', messages: marked, tools: [weather, { type: 'function', function: { name: 'other' } }] });
    const body = server.requests[0].body as {
      system: unknown[];
      messages: { role: string; content: Record<string, unknown>[] }[];
      tools: Record<string, unknown>[];
    };
    expect(body.system).toEqual([{ type: 'text', text: 'Long instructions.', cache_control: hour }]);
    expect(body.messages[0].content.map((block) => block.cache_control)).toEqual([undefined, ephemeral, ephemeral]);
    expect(body.messages[0].content[1]).toMatchObject({ type: 'image', cache_control: ephemeral });
    expect(body.messages[1].content[0]).toEqual({ type: 'text', text: 'Noted.', cache_control: ephemeral });
    expect(body.messages[1].content[1]).not.toHaveProperty('cache_control');
    expect(body.messages[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny', cache_control: ephemeral }] });
    expect(body.tools[0]).toEqual({ name: 'weather', input_schema: { type: 'object', properties: {} }, cache_control: ephemeral });
    expect(body.tools[1]).not.toHaveProperty('cache_control');
  });

  it("sends the request's own cache_control (automatic caching, as recorded in pydantic-ai's cache cassette)", async () => {
    onMessages(server, (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/anthropic-text.json')));
    await (await client('anthropic', '')).completion({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }], cache_control: { type: 'ephemeral', ttl: '5m' } });
    expect(server.requests[0].body).toMatchObject({ cache_control: { type: 'ephemeral', ttl: '5m' } });
  });

  it('keeps a mark on an empty text part, which would otherwise be left out', async () => {
    onMessages(server, (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/anthropic-text.json')));
    await (await client('anthropic', '')).completion({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: '', cache_control: ephemeral }, { type: 'text', text: '' }] }, { role: 'user', content: 'Hi' }],
    });
    expect((server.requests[0].body as { system: unknown[] }).system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: '', cache_control: ephemeral },
    ]);
  });

  it('refuses a malformed mark before anything is sent', async () => {
    const llm = await client('anthropic', '');
    const bad = { type: 'persistent' } as unknown as typeof ephemeral;
    for (const params of [
      { messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi', cache_control: bad }] }] },
      { messages: [{ role: 'user' as const, content: 'Hi' }], tools: [{ ...weather, cache_control: { type: 'ephemeral', ttl: '2h' } as unknown as typeof ephemeral }] },
      { messages: [{ role: 'user' as const, content: 'Hi' }], cache_control: bad },
    ]) {
      const error = await llm.completion({ model: 'claude-sonnet-4-6', ...params }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(/cache_control/);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('gemini: a context cache named in cached_content', () => {
  it('is sent as cachedContent', async () => {
    onGenerate(server, 'gemini-2.5-flash', (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/google-text.json')));
    const llm = await client('gemini', '');
    await llm.completion({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], cached_content: 'cachedContents/abc123' });
    expect(server.requests[0].body).toMatchObject({ cachedContent: 'cachedContents/abc123' });
    server.requests.length = 0;
    await llm.completion({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] });
    expect(server.requests[0].body).not.toHaveProperty('cachedContent');
  });

  it("refuses Anthropic's cache_control, naming where it is and what Gemini takes instead", async () => {
    const error = await refused((await client('gemini', '')).completion({ model: 'gemini-2.5-flash', messages: marked.slice(0, 2) }));
    expect(error).toMatchObject({ parameter: 'messages[0].content[0].cache_control', provider: 'gemini' });
    expect(error.message).toContain('cached_content');
  });
});

describe('the OpenAI wire', () => {
  it('openai: prompt_cache_key and prompt_cache_retention reach the API unchanged', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('OK')));
    const params: CompletionParams = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], prompt_cache_key: 'tenant-42', prompt_cache_retention: '24h' };
    await (await client('openai', '/v1')).completion(params);
    expect(server.requests[0].body).toMatchObject({ prompt_cache_key: 'tenant-42', prompt_cache_retention: '24h' });
  });

  it.each([
    ['openai', '/v1'],
    ['groq', '/openai/v1'],
    ['deepseek', ''],
  ])('%s refuses cache_control on a tool rather than drop it', async (provider, prefix) => {
    const error = await refused((await client(provider, prefix)).completion({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], tools: [weather] }));
    expect(error).toMatchObject({ parameter: 'tools[0].cache_control', provider });
  });

  it('names a mark on a content part when the tools have none, and the request-level mark', async () => {
    const error = await refused((await client('openai', '/v1')).completion({ model: 'm', messages: marked }));
    expect(error).toMatchObject({ parameter: 'messages[0].content[0].cache_control' });
    const whole = await refused((await client('openai', '/v1')).completion({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], cache_control: ephemeral }));
    expect(whole).toMatchObject({ parameter: 'cache_control' });
  });

  it('openrouter passes cache_control on parts and tools to the models that cache', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('OK')), '/api/v1');
    await (await client('openrouter', '/api/v1')).completion({ model: 'anthropic/claude-sonnet-4.5', messages: marked, tools: [weather] });
    const body = server.requests[0].body as { messages: { content: { cache_control?: unknown }[] }[]; tools: { cache_control?: unknown }[] };
    expect(body.messages[0].content[0].cache_control).toEqual(hour);
    expect(body.messages[3].content[0].cache_control).toEqual(ephemeral);
    expect(body.tools[0].cache_control).toEqual(ephemeral);
  });
});
