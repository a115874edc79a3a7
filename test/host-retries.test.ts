// The host retries what is worth retrying (a 429 after its retry-after, a 5xx, a crash before a
// stream's first chunk), never an abort or another 4xx, and never a stream past its first chunk.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AuthenticationError, InvalidRequestError, PluginCrashedError, ProviderError, RateLimitError, type CallRetryEvent } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError } from './support/openai-wire.js';
import { drain, faulty, messages, textOf } from './support/faulty-plugin.js';

let server: LocalServer;
const open: AnyLLM[] = [];
const markers = mkdtempSync(join(tmpdir(), 'anyllm-retry-'));
let markerCount = 0;
/** A marker file the faulty plugin creates on its first try (so only that one fails). */
const marker = () => encodeURIComponent(join(markers, `m${markerCount++}`));

beforeAll(async () => {
  server = await LocalServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  server.requests.length = 0;
});

function retriesOf(llm: AnyLLM): CallRetryEvent[] {
  const events: CallRetryEvent[] = [];
  llm.on('call:retry', (event) => events.push(event));
  return events;
}

async function openai(options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, ...options });
  open.push(llm);
  return llm;
}

describe('a rate limit', () => {
  it("is retried after the provider's retry-after, and the retry is reported", async () => {
    const arrivals: number[] = [];
    onChat(server, (_req, res) => {
      arrivals.push(performance.now());
      if (arrivals.length === 1) return sendOpenAIError(res, 429, 'Rate limit reached', { type: 'requests', headers: { 'retry-after': '1' } });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completionBody('after the wait')));
    });
    const llm = await openai();
    const retries = retriesOf(llm);
    const ends: { attempts: number }[] = [];
    llm.on('call:end', (event) => ends.push(event));
    const res = await llm.completion({ model: 'gpt-4o-mini', messages });
    expect(res.choices[0].message.content).toBe('after the wait');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, error: 'RateLimitError', delayMs: 1_000, method: 'completion' });
    // Only a lower bound: the host waited at least what the provider asked.
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(950);
    expect(ends).toMatchObject([{ attempts: 2 }]);
    expect(llm.stats().calls).toMatchObject({ started: 1, ok: 1, retries: 1 });
  });

  it('fails at once when the provider asks for a longer wait than maxDelayMs', async () => {
    onChat(server, (_req, res) => sendOpenAIError(res, 429, 'Rate limit reached', { type: 'tokens', headers: { 'retry-after': '120' } }));
    const llm = await openai();
    const error = (await llm.completion({ model: 'gpt-4o-mini', messages }).catch((e: unknown) => e)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(120_000);
    expect(server.requests).toHaveLength(1);
  });
});

describe('what is not retried', () => {
  it.each([
    ['a 401', 401, AuthenticationError],
    ['a 400', 400, InvalidRequestError],
  ])('%s goes to the caller after one attempt', async (_what, status, ErrorClass) => {
    onChat(server, (_req, res) => sendOpenAIError(res, status, 'no', { type: 'invalid_request_error' }));
    const llm = await openai({ retry: { initialDelayMs: 1 } });
    const retries = retriesOf(llm);
    await expect(llm.completion({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(ErrorClass);
    expect(server.requests).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('an abort during the wait ends the call as aborted, with no further attempt', async () => {
    onChat(server, (_req, res) => sendOpenAIError(res, 503, 'overloaded', { type: 'server_error' }));
    const llm = await openai({ retry: { initialDelayMs: 30_000, maxDelayMs: 30_000 } });
    const controller = new AbortController();
    llm.on('call:retry', () => controller.abort());
    const ends: string[] = [];
    llm.on('call:end', (event) => ends.push(event.outcome));
    await expect(llm.completion({ model: 'gpt-4o-mini', messages }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
    expect(ends).toEqual(['aborted']);
  });

  it('nothing at all with retry: false, on the client or on the call', async () => {
    onChat(server, (_req, res) => sendOpenAIError(res, 500, 'boom', { type: 'server_error' }));
    const off = await openai({ retry: false });
    await expect(off.completion({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(1);
    const on = await openai({ retry: { initialDelayMs: 1 } });
    await expect(on.completion({ model: 'gpt-4o-mini', messages }, { retry: false })).rejects.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(2);
    await expect(on.completion({ model: 'gpt-4o-mini', messages }, { retry: { maxAttempts: 2 } })).rejects.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(4);
  });

  it('refuses a bad retry option before anything is sent', async () => {
    const llm = await openai();
    await expect(llm.completion({ model: 'gpt-4o-mini', messages }, { retry: { maxAttempts: 0 } })).rejects.toThrow(
      "Option 'retry.maxAttempts' must be an integer from 1 to 100.",
    );
    await expect(AnyLLM.create('openai', { apiKey: 'k', retry: { tries: 2 } as never })).rejects.toThrow("Option 'retry.tries' is unknown");
    expect(server.requests).toHaveLength(0);
  });
});

describe('a plugin crash', () => {
  it("before a stream's first chunk is retried on the restarted plugin", async () => {
    const llm = await faulty({ retry: { initialDelayMs: 1 } });
    open.push(llm);
    const retries = retriesOf(llm);
    const { chunks, error } = await drain(llm.completionStream({ model: `once:${marker()}:exit`, messages }));
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('o0 o1 o2 ');
    expect(retries).toMatchObject([{ attempt: 1, error: 'PluginCrashedError' }]);
    expect(llm.stats()).toMatchObject({ starts: 2, crashes: 1 });
  });

  it('after the first chunk is not retried: the consumer has the chunks, then the error', async () => {
    const llm = await faulty({ retry: { initialDelayMs: 1 } });
    open.push(llm);
    const retries = retriesOf(llm);
    const { chunks, error } = await drain(llm.completionStream({ model: 'then:2:exit', messages }));
    expect(textOf(chunks)).toBe('t0 t1 ');
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect(retries).toHaveLength(0);
  });

  it('under a non-streaming call is retried once, not again when the call crashes it a second time', async () => {
    const llm = await faulty({ retry: { initialDelayMs: 1, maxAttempts: 5 } });
    open.push(llm);
    const retries = retriesOf(llm);
    await expect(llm.completion({ model: 'crash:exit', messages })).rejects.toBeInstanceOf(PluginCrashedError);
    expect(retries).toHaveLength(1);
    expect(llm.stats().crashes).toBe(2);
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
  });

  it('a 503 from the provider is retried; the next attempt succeeds', async () => {
    const llm = await faulty({ retry: { initialDelayMs: 1 } });
    open.push(llm);
    const res = await llm.completion({ model: `once:${marker()}:status:503`, messages });
    expect(res.choices[0].message.content).toBe('ok');
    expect(llm.stats().calls.retries).toBe(1);
  });
});
