// The OpenAI-compatible family through the public API: recorded provider streams replayed, and
// what each provider does differently on the wire (ids, field names, keys, paths).
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  InvalidRequestError,
  MissingApiKeyError,
  UnsupportedParameterError,
  type AnyLLMOptions,
  type ChatCompletionChunk,
  type ChatMessage,
} from 'anyllm';
import { chunkLines, sseEvents } from './support/fixtures.js';
import { LocalServer, sendJson, sendSse } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';
import { collect } from './support/collect.js';
import { accumulate } from './support/accumulate.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));
afterEach(() => {
  server.requests.length = 0;
});

/** One client per provider for the whole file. */
const clients = new Map<string, Promise<AnyLLM>>();
function client(provider: string, prefix = '/v1', options: AnyLLMOptions = {}): Promise<AnyLLM> {
  const key = `${provider}${prefix}`;
  if (!clients.has(key)) {
    clients.set(
      key,
      AnyLLM.create(provider, { apiKey: 'test-key', apiBase: `${server.origin}${prefix}`, retry: false, ...options }).then((llm) => {
        open.push(llm);
        return llm;
      }),
    );
  }
  return clients.get(key) as Promise<AnyLLM>;
}


const messages: ChatMessage[] = [{ role: 'user', content: 'What is the weather in San Francisco?' }];
const tools = [
  {
    type: 'function' as const,
    function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
  },
];

describe('recorded provider streams, replayed through each provider', () => {
  it('deepseek: reasoning_content becomes reasoning, then a streamed tool call and usage with reasoning tokens', async () => {
    const recorded = chunkLines('vercel-ai/deepseek-tool-call.chunks.txt');
    onChat(server, (_req, res) => streamChunks(res, recorded), '');
    const chunks = await collect((await client('deepseek', '')).completionStream({ model: 'deepseek-reasoner', messages, tools }));
    expect(accumulate(chunks).reasoning).toMatch(/^The user is asking for the weather in San Francisco/);
    expect(chunks.some((c) => 'reasoning_content' in (c.choices[0]?.delta ?? {}))).toBe(false);
    expect(accumulate(chunks).toolCalls).toEqual([{ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } }]);
    expect(accumulate(chunks).finishReason).toBe('tool_calls');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 339, completion_tokens: 83, completion_tokens_details: { reasoning_tokens: 39 } });
  });

  it('xai: reasoning, a whole tool call in one delta, and the usage chunk', async () => {
    const recorded = chunkLines<{ choices: { delta: { reasoning_content?: string } }[] }>('vercel-ai/xai-tool-call.chunks.txt');
    onChat(server, (_req, res) => streamChunks(res, recorded));
    const chunks = await collect((await client('xai')).completionStream({ model: 'grok-3-mini', messages, tools }));
    expect(accumulate(chunks).reasoning).toBe(recorded.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join(''));
    expect(accumulate(chunks).toolCalls).toEqual([{ id: 'call_79382389', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }]);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBe(227);
  });

  it('groq: a tool call and the usage Groq reports in x_groq', async () => {
    const recorded = chunkLines<Record<string, unknown>>('vercel-ai/groq-tool-call.chunks.txt');
    // Older Groq responses carry usage only in x_groq: replay both forms.
    for (const stream of [recorded, recorded.map(({ usage: _usage, ...rest }) => rest)]) {
      onChat(server, (_req, res) => streamChunks(res, stream), '/openai/v1');
      const chunks = await collect((await client('groq', '/openai/v1')).completionStream({ model: 'llama-3.3-70b-versatile', messages, tools }));
      expect(accumulate(chunks).toolCalls).toEqual([{ id: 'tk85n1k4m', type: 'function', function: { name: 'weather', arguments: '{}' } }]);
      expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 210, completion_tokens: 15, total_tokens: 225 });
    }
  });

  it('mistral: content-part arrays become reasoning and content; index-less tool calls get an index', async () => {
    const llm = await client('mistral');
    onChat(server, (_req, res) => streamChunks(res, chunkLines('vercel-ai/mistral-reasoning.chunks.txt')));
    const reasoning = await collect(llm.completionStream({ model: 'magistral-medium-2507', messages: [{ role: 'user', content: '2+2?' }] }));
    expect(accumulate(reasoning).reasoning).toBe('The user is asking for 2+2. This is basic arithmetic. 2+2=4.');
    expect(accumulate(reasoning).content).toBe('2 + 2 = 4');
    expect(reasoning.at(-1)?.usage?.total_tokens).toBe(56);

    onChat(server, (_req, res) => streamChunks(res, chunkLines('vercel-ai/mistral-tool-call.chunks.txt')));
    const calls = await collect(llm.completionStream({ model: 'mistral-small-latest', messages, tools }));
    expect(calls.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])).toEqual([
      { index: 0, id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(accumulate(calls).toolCalls).toEqual([
      { id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
    ]);
  });

  it('azureopenai: the model-router stream, without the empty prompt-filter chunk', async () => {
    const recorded = chunkLines('vercel-ai/azure-model-router.1.chunks.txt');
    server.on('POST', '/openai/deployments/model-router/chat/completions', (_req, res) => streamChunks(res, recorded));
    const llm = await client('azureopenai', '', { apiVersion: '2025-04-01-preview' });
    const chunks = await collect(llm.completionStream({ model: 'model-router', messages: [{ role: 'user', content: 'Capital of Denmark?' }] }));
    expect(chunks).toHaveLength(recorded.length - 1);
    expect(accumulate(chunks).content).toBe('Capital of Denmark.');
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBe(64);
    const request = server.requests[0];
    expect(request.headers['api-key']).toBe('test-key');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.query.get('api-version')).toBe('2025-04-01-preview');
  });

  it.each(['xai', 'openrouter', 'vllm'])('%s passes the openai-python recordings through unchanged', async (provider) => {
    const prefix = provider === 'openrouter' ? '/api/v1' : '/v1';
    const llm = await client(provider, prefix);
    for (const name of ['c6aa7e397b71', 'f82268f2fefd', 'e2aad469b71d']) {
      const path = `openai-python/${name}.sse.txt`;
      onChat(server, (_req, res) => sendSse(res, sseEvents(path)), prefix);
      const chunks = await collect(llm.completionStream({ model: 'gpt-4o', messages, stream_options: { include_usage: true } }));
      const expected = sseEvents(path)
        .map((event) => event.replace(/^data: /, ''))
        .filter((data) => data !== '[DONE]')
        .map((data) => JSON.parse(data) as unknown);
      expect(chunks).toEqual(expected);
    }
  });
});

describe('mistral: what its strict API needs', () => {
  it('sends seed as random_seed and max_completion_tokens as max_tokens, and no stream_options', async () => {
    onChat(server, (req, res) =>
      (req.body as { stream?: boolean }).stream ? streamChunks(res, syntheticStream(2)) : sendJson(res, 200, completionBody('ok')),
    );
    const llm = await client('mistral');
    await llm.completion({ model: 'mistral-small-latest', messages, seed: 7, max_completion_tokens: 50 });
    expect(server.requests[0].body).toMatchObject({ random_seed: 7, max_tokens: 50 });
    expect(server.requests[0].body).not.toHaveProperty('seed');
    expect(server.requests[0].body).not.toHaveProperty('max_completion_tokens');
    await collect(llm.completionStream({ model: 'mistral-small-latest', messages }));
    expect(server.requests[1].body).not.toHaveProperty('stream_options');
  });

  it('honours include_usage: false although Mistral always sends usage', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(2)));
    const chunks = await collect((await client('mistral')).completionStream({ model: 'm', messages, stream_options: { include_usage: false } }));
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(accumulate(chunks).content).toBe('t0 t1 ');
  });

  it('rewrites tool-call ids from other providers to nine letters and digits, consistently', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('Sunny.')));
    await (await client('mistral')).completion({
      model: 'mistral-small-latest',
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', content: 'sunny' },
      ],
    });
    const sent = (server.requests[0].body as { messages: { tool_calls?: { id: string }[]; tool_call_id?: string }[] }).messages;
    const id = sent[1].tool_calls?.[0].id;
    expect(id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(sent[2].tool_call_id).toBe(id);
  });

  it('refuses the parameters Mistral cannot honour', async () => {
    const error = await (await client('mistral')).completion({ model: 'm', messages, logit_bias: { '1': 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter: 'logit_bias', provider: 'mistral' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('reasoning sent back on the next turn', () => {
  const history: ChatMessage[] = [
    ...messages,
    {
      role: 'assistant',
      content: null,
      reasoning: 'I should call the weather tool.',
      provider_data: { opaque: 'state' },
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"location":"SF"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ];

  it('deepseek gets it back as reasoning_content, which it requires after a tool call', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('Sunny.')), '');
    await (await client('deepseek', '')).completion({ model: 'deepseek-chat', messages: history, tools });
    const assistant = (server.requests[0].body as { messages: Record<string, unknown>[] }).messages[1];
    expect(assistant.reasoning_content).toBe('I should call the weather tool.');
    expect(assistant).not.toHaveProperty('reasoning');
    expect(assistant).not.toHaveProperty('provider_data');
  });

  it.each(['openai', 'groq', 'xai'])('%s does not get AnyLLM-only fields it would reject', async (provider) => {
    const prefix = provider === 'groq' ? '/openai/v1' : '/v1';
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('Sunny.')), prefix);
    await (await client(provider, prefix)).completion({ model: 'm', messages: history, tools });
    const assistant = (server.requests[0].body as { messages: Record<string, unknown>[] }).messages[1];
    expect(Object.keys(assistant).sort()).toEqual(['content', 'role', 'tool_calls']);
  });
});

describe('parameters a provider cannot honour', () => {
  it.each([
    ['deepseek', 'temperature', '', { model: 'deepseek-reasoner', temperature: 0.2 }],
    ['groq', 'logprobs', '/openai/v1', { model: 'llama-3.3-70b-versatile', logprobs: true }],
    ['cerebras', 'presence_penalty', '/v1', { model: 'llama-3.3-70b', presence_penalty: 0.5 }],
    ['perplexity', 'tools', '', { model: 'sonar', tools }],
    ['cerebras', 'messages[0].content[0].image_url', '/v1', { model: 'llama-3.3-70b', messages: [{ role: 'user' as const, content: [{ type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AA==' } }] }] }],
  ])('%s refuses %s with UnsupportedParameterError, before anything is sent', async (provider, parameter, prefix, params) => {
    const error = await (await client(provider, prefix)).completion({ messages, ...params }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider });
    expect((error as Error).message).toContain(parameter);
    expect(server.requests).toHaveLength(0);
  });

  it('perplexity has no models endpoint: listModels says so', async () => {
    const error = await (await client('perplexity', '')).listModels().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter: 'listModels', provider: 'perplexity' });
  });
});

describe('keys and base URLs', () => {
  it.each(['ollama', 'lmstudio', 'llamacpp', 'vllm'])('%s needs no key', async (provider) => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('local answer')));
    const llm = await AnyLLM.create(provider, { apiBase: `${server.origin}/v1`, retry: false });
    try {
      const res = await llm.completion({ model: 'local-model', messages });
      expect(res.choices[0].message.content).toBe('local answer');
    } finally {
      await llm.close();
    }
  });

  it("takes a local server's base URL from its environment variable", async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('from env')));
    process.env.OLLAMA_BASE_URL = `${server.origin}/v1`;
    const llm = await AnyLLM.create('ollama', { retry: false }).finally(() => delete process.env.OLLAMA_BASE_URL);
    try {
      expect((await llm.completion({ model: 'llama3.2', messages })).choices[0].message.content).toBe('from env');
    } finally {
      await llm.close();
    }
  });

  it.each([
    ['groq', 'GROQ_API_KEY'],
    ['mistral', 'MISTRAL_API_KEY'],
    ['deepseek', 'DEEPSEEK_API_KEY'],
    ['azureopenai', 'AZURE_OPENAI_API_KEY'],
  ])('%s without a key fails at create() with MissingApiKeyError naming %s', async (provider, envVar) => {
    const saved = process.env[envVar];
    delete process.env[envVar];
    try {
      const error = await AnyLLM.create(provider).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingApiKeyError);
      expect(error).toMatchObject({ envVar, provider });
    } finally {
      if (saved !== undefined) process.env[envVar] = saved;
    }
  });

  it('azureopenai without an endpoint fails with a clear InvalidRequestError', async () => {
    const saved = process.env.AZURE_OPENAI_ENDPOINT;
    delete process.env.AZURE_OPENAI_ENDPOINT;
    const llm = await AnyLLM.create('azureopenai', { apiKey: 'k' });
    try {
      const error = await llm.completion({ model: 'gpt-4o', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(/AZURE_OPENAI_ENDPOINT/);
    } finally {
      await llm.close();
      if (saved !== undefined) process.env.AZURE_OPENAI_ENDPOINT = saved;
    }
  });
});

describe('listModels', () => {
  it("together's bare-array models endpoint comes back in OpenAI's shape", async () => {
    server.on('GET', '/v1/models', (_req, res) =>
      sendJson(res, 200, [{ id: 'deepseek-ai/DeepSeek-R1', object: 'model', created: 1737000000, type: 'chat', organization: 'DeepSeek' }]),
    );
    expect(await (await client('together')).listModels()).toEqual([
      { id: 'deepseek-ai/DeepSeek-R1', object: 'model', created: 1737000000, owned_by: 'DeepSeek' },
    ]);
  });
});
