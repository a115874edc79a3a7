// A call that still fails with a retryable error after its retries goes down its fallback chain:
// the next 'provider:model' serves with the same params, the event and the result say which one,
// a provider that cannot honour a parameter is skipped with that error, and if all fail the error
// says what each one got.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  completion,
  FallbackError,
  InvalidRequestError,
  ProviderError,
  registerPlugin,
  UnsupportedParameterError,
  type CallFallbackEvent,
} from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError, streamChunks, textChunk } from './support/openai-wire.js';
import { drain, faultyDir, messages, textOf } from './support/faulty-plugin.js';
import { commandLine, descendants } from './support/processes.js';

let server: LocalServer;
const open: AnyLLM[] = [];
const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];

beforeAll(async () => {
  server = await LocalServer.start();
  await registerPlugin(faultyDir);
  // gpt-4o-mini is overloaded; gpt-4o answers; anything else is a bad key.
  onChat(server, async (req, res) => {
    const body = req.body as { model: string; stream?: boolean };
    if (body.model === 'gpt-4o-mini') return sendOpenAIError(res, 503, 'overloaded', { type: 'server_error' });
    if (body.model !== 'gpt-4o') return sendOpenAIError(res, 401, 'bad key', { type: 'invalid_request_error' });
    if (body.stream) return streamChunks(res, [textChunk('from '), textChunk('gpt-4o')]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('from gpt-4o', { model: 'gpt-4o-2024-08-06' })));
  });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  server.requests.length = 0;
  vi.unstubAllEnvs();
});

async function primary(provider = 'openai', options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create(provider, { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false, ...options });
  open.push(llm);
  return llm;
}

function fallbacksOf(llm: AnyLLM): CallFallbackEvent[] {
  const events: CallFallbackEvent[] = [];
  llm.on('call:fallback', (event) => events.push(event));
  return events;
}

describe('fallbacks', () => {
  it('serve from the next provider when the first fails with a retryable error, and say which one served', async () => {
    const llm = await primary('faulty');
    vi.stubEnv('OPENAI_API_KEY', 'sk-fallback');
    vi.stubEnv('OPENAI_BASE_URL', `${server.origin}/v1`);
    const events = fallbacksOf(llm);
    const res = await llm.completion({ model: 'status:503', messages }, { fallbacks: ['openai:gpt-4o'] });
    expect(res.choices[0].message.content).toBe('from gpt-4o');
    expect(res.model).toBe('gpt-4o-2024-08-06');
    expect(events).toMatchObject([{ from: 'faulty:status:503', to: 'openai:gpt-4o', error: 'ProviderError' }]);
    // Same params, the fallback's model, its own key from the environment.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body).toMatchObject({ model: 'gpt-4o', messages });
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-fallback');
  });

  it('run each step with its own retries before moving on', async () => {
    const llm = await primary('openai', { retry: { maxAttempts: 2, initialDelayMs: 1 } });
    const res = await llm.completion({ model: 'gpt-4o-mini', messages }, { fallbacks: ['openai:gpt-4o'] });
    expect(res.choices[0].message.content).toBe('from gpt-4o');
    expect(server.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o']);
  });

  it('skip a provider that cannot honour a parameter, with UnsupportedParameterError as its step', async () => {
    const llm = await primary();
    const events = fallbacksOf(llm);
    const res = await llm.completion({ model: 'gpt-4o-mini', messages, tools }, { fallbacks: ['faulty:ok', 'openai:gpt-4o'] });
    expect(res.choices[0].message.content).toBe('from gpt-4o');
    expect(events.map((e) => [e.from, e.to, e.error])).toEqual([
      ['openai:gpt-4o-mini', 'faulty:ok', 'ProviderError'],
      ['faulty:ok', 'openai:gpt-4o', 'UnsupportedParameterError'],
    ]);
  });

  it('fail with FallbackError saying what each step got when every one fails', async () => {
    const llm = await primary();
    const error = (await llm.completion({ model: 'gpt-4o-mini', messages, tools }, { fallbacks: ['faulty:ok', 'openai:gpt-5'] }).catch((e: unknown) => e)) as FallbackError;
    expect(error).toBeInstanceOf(FallbackError);
    expect(error.attempts).toEqual(['openai:gpt-4o-mini', 'faulty:ok', 'openai:gpt-5']);
    expect(error.errors[0]).toBeInstanceOf(ProviderError);
    expect(error.errors[1]).toBeInstanceOf(UnsupportedParameterError);
    expect(error.errors[2]).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/openai:gpt-4o-mini: ProviderError: overloaded; faulty:ok: UnsupportedParameterError: .*; openai:gpt-5: AuthenticationError: bad key/);
  });

  it('do not start on an error that is not retryable', async () => {
    const llm = await primary();
    const events = fallbacksOf(llm);
    await expect(llm.completion({ model: 'gpt-5', messages }, { fallbacks: ['openai:gpt-4o'] })).rejects.toBeInstanceOf(AuthenticationError);
    expect(events).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('work for streams, before the first chunk', async () => {
    const llm = await primary();
    const events = fallbacksOf(llm);
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, { fallbacks: ['faulty:stream:3'] }));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('c0 c1 c2 ');
    expect(events).toMatchObject([{ from: 'openai:gpt-4o-mini', to: 'faulty:stream:3' }]);
  });

  it('work through the top-level functions', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-env');
    vi.stubEnv('OPENAI_BASE_URL', `${server.origin}/v1`);
    const res = await completion({ model: 'faulty:status:503', messages }, { fallbacks: ['openai:gpt-4o'], retry: false });
    expect(res.choices[0].message.content).toBe('from gpt-4o');
  });

  it('are checked before anything is sent', async () => {
    const llm = await primary();
    await expect(llm.completion({ model: 'gpt-4o-mini', messages }, { fallbacks: ['gpt-4o'] })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(llm.completion({ model: 'gpt-4o-mini', messages }, { fallbacks: 'openai:gpt-4o' as never })).rejects.toThrow(
      "Call option 'fallbacks' must be an array of 'provider:model' strings.",
    );
    expect(server.requests).toHaveLength(0);
  });

  it.runIf(process.platform === 'linux')('run at least as isolated as the client: a process-tier client falls back to a process plugin', async () => {
    const pluginProcesses = () => descendants().filter((pid) => /process-main\.js/.test(commandLine(pid)));
    const before = pluginProcesses().length;
    const llm = await primary('openai', { isolation: 'process' });
    vi.stubEnv('GROQ_API_KEY', 'sk-groq');
    vi.stubEnv('GROQ_BASE_URL', `${server.origin}/v1`);
    const res = await llm.completion({ model: 'gpt-4o-mini', messages }, { fallbacks: ['groq:gpt-4o'] });
    expect(res.choices[0].message.content).toBe('from gpt-4o');
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer sk-groq');
    // openai's plugin and groq's, each in a child process of its own (the fallback's default is a worker).
    expect(pluginProcesses().length - before).toBe(2);
  });
});
