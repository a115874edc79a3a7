// One client's calls on its plugin session, in-process: retries (attempts, `call:retry`, no retry
// after a stream's first chunk, a crash retried once), fallback chains (skipped steps,
// FallbackError, an abort stays an abort), usage estimates, and the stats and events per client.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  FallbackError,
  PluginCrashedError,
  PluginUnavailableError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  UnsupportedParameterError,
  isAbortError,
} from '../src/errors.js';
import { PluginClient, privateClient, type FallbackSource } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY, RETRY_DEFAULTS, type RetryPolicy } from '../src/host/retry.js';
import { checkFallbacks, movesOn } from '../src/host/fallbacks.js';
import { countDeltaChars, estimateUsage } from '../src/host/usage-estimate.js';
import type { AnyLLMEvent } from '../src/host/events.js';
import type { ChatCompletionChunk, CompletionParams } from '../src/types.js';
import { chunkOf, completionOf, MemoryLauncher, script, scriptedPeer, servePlugin, supervision, testSpec, tick, until } from './support/memory-launcher.js';
import { Method } from '../src/protocol/methods.js';

const messages = [{ role: 'user' as const, content: 'hello world!' }];
const streamParams = (model = 'm'): CompletionParams => ({ model, messages });
const params = (model = 'm') => ({ params: streamParams(model) });
let n = 0;
const fresh = () => `client-${++n}`;
const exact: RetryPolicy = { ...RETRY_DEFAULTS, jitter: 0, initialDelayMs: 100 };
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

afterEach(() => {
  vi.useRealTimers();
});

/** A client on its own session whose provider runs `provider` (serve() + the scripted provider). */
function scripted(provider: Parameters<typeof script>[1], retry: RetryPolicy = NO_RETRY, name = fresh()) {
  script(name, provider);
  const launcher = new MemoryLauncher(servePlugin);
  const session = new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 0 });
  const client = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry });
  return { client, launcher, session, name };
}
function record(c: PluginClient, ...types: AnyLLMEvent['type'][]): AnyLLMEvent[] {
  const seen: AnyLLMEvent[] = [];
  for (const type of types) c.events.on(type, (event) => void seen.push(event as AnyLLMEvent));
  return seen;
}
async function* chunks(list: ChatCompletionChunk[], then?: () => Promise<void> | void) {
  for (const chunk of list) yield chunk;
  await then?.();
}
async function read(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const got: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) got.push(chunk);
    return { chunks: got, error: undefined };
  } catch (error) {
    // A stream that fails with nothing still failed.
    return { chunks: got, error: error ?? new Error('failed with undefined') };
  }
}
const text = (list: ChatCompletionChunk[]) => list.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('retries', () => {
  it('retries a rate limit after the retry-after it gave, with a call:retry event, and counts the attempts', async () => {
    fakeTimers();
    let calls = 0;
    const { client } = scripted(
      {
        completion: () => {
          if (++calls === 1) throw new RateLimitError('slow down', { status: 429, retryAfterMs: 700 });
          return completionOf('second time');
        },
      },
      exact,
    );
    const events = record(client, 'call:retry', 'call:end');
    const result = client.request('completion', params('gpt'));
    await until(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ type: 'call:retry', callId: 1, method: 'completion', model: 'gpt', attempt: 1, error: 'RateLimitError', message: 'slow down', delayMs: 700 });
    await tick(699);
    expect(calls).toBe(1);
    await tick(1);
    await expect(result).resolves.toMatchObject({ choices: [{ message: { content: 'second time' } }] });
    expect(events[1]).toMatchObject({ type: 'call:end', outcome: 'ok', attempts: 2, error: undefined });
    expect(client.stats().calls).toEqual({ started: 1, ok: 1, error: 0, aborted: 0, timeout: 0, retries: 1 });
  });

  it('backs off exponentially and gives up after maxAttempts with the last error', async () => {
    fakeTimers();
    let calls = 0;
    const { client } = scripted(
      {
        completion: () => {
          calls++;
          throw new ProviderError(`down ${calls}`, { status: 503 });
        },
      },
      { ...exact, maxAttempts: 3 },
    );
    const retries = record(client, 'call:retry');
    const result = client.request('completion', params()).catch((e: unknown) => e);
    await client.start();
    await tick(10_000);
    const error = await result;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(FallbackError);
    expect((error as Error).message).toContain('down 3');
    expect(calls).toBe(3);
    expect(retries.map((e) => (e as { delayMs: number }).delayMs)).toEqual([100, 200]);
    expect(retries.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(client.stats().calls).toMatchObject({ error: 1, retries: 2 });
  });

  it('does not retry what is not retryable, nor when the call says retry: false', async () => {
    let calls = 0;
    const { client } = scripted(
      {
        completion: (p) => {
          calls++;
          if (p.model === 'auth') throw new AuthenticationError('bad key', { status: 401 });
          throw new ProviderError('down', { status: 503 });
        },
      },
      exact,
    );
    await expect(client.request('completion', params('auth'))).rejects.toBeInstanceOf(AuthenticationError);
    expect(calls).toBe(1);
    await expect(client.request('completion', params('down'), { retry: false })).rejects.toBeInstanceOf(ProviderError);
    expect(calls).toBe(2);
    expect(client.stats().calls.retries).toBe(0);
  });

  it('retries a call under which the plugin crashed once, but not a second crash', async () => {
    let calls = 0;
    const name = fresh();
    const { client, launcher } = scripted(
      {
        completion: (p) => {
          calls++;
          if (p.model === 'once' && calls > 1) return completionOf('recovered');
          // The plugin dies under the call.
          launcher.last.side.exit({ code: 9, reason: 'exited with code 9' });
          return new Promise(() => {});
        },
      },
      { ...exact, maxAttempts: 5, initialDelayMs: 1 },
      name,
    );
    const once = client.request('completion', params('once'));
    await expect(once).resolves.toMatchObject({ choices: [{ message: { content: 'recovered' } }] });
    expect(launcher.launches).toHaveLength(2);
    calls = 0;
    const twice = client.request('completion', params('always')).catch((e: unknown) => e);
    expect(await twice).toBeInstanceOf(PluginCrashedError);
    expect(calls).toBe(2);
  });

  it("retries a stream that failed before its first chunk, never one that delivered a chunk", async () => {
    let calls = 0;
    const { client } = scripted(
      {
        stream: (p) => {
          calls++;
          if (p.model === 'early') {
            if (calls === 1) return chunks([], () => Promise.reject(new ProviderError('early', { status: 500 })));
            return chunks([chunkOf('fine')]);
          }
          return chunks([chunkOf('partial')], () => Promise.reject(new ProviderError('late', { status: 500 })));
        },
      },
      { ...exact, initialDelayMs: 1 },
    );
    const early = read(client.stream(streamParams('early')));
    const got = await early;
    expect(got.error).toBeUndefined();
    expect(text(got.chunks)).toBe('fine');
    expect(calls).toBe(2);
    calls = 0;
    const late = read(client.stream(streamParams('late')));
    const cut = await late;
    expect(text(cut.chunks)).toBe('partial');
    expect(cut.error).toBeInstanceOf(ProviderError);
    expect(calls).toBe(1);
  });

  it('ends a call waiting to retry when its client closes', async () => {
    fakeTimers();
    const { client } = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) }, { ...exact, initialDelayMs: 5_000, maxDelayMs: 5_000 });
    const result = client.request('completion', params()).catch((e: unknown) => e);
    const retry = record(client, 'call:retry');
    await until(() => expect(retry).toHaveLength(1));
    const closing = client.close();
    await tick(5_000);
    const error = await result;
    expect(error).toBeInstanceOf(PluginUnavailableError);
    expect((error as Error).message).toContain('is closed');
    await closing;
  });
});

describe('fallbacks', () => {
  function chain(steps: { client: PluginClient; name: string }[], skipped: { name: string; error: unknown }[][] = []): FallbackSource<object> & { calls: number } {
    let i = 0;
    const source = (async () => {
      const at = i++;
      source.calls++;
      const step = steps[at];
      return { next: step ? { client: step.client, params: params(step.name), name: step.name } : undefined, skipped: skipped[at] ?? [] };
    }) as FallbackSource<object> & { calls: number };
    source.calls = 0;
    return source;
  }

  it('moves on after a retryable failure, to the next step on its own plugin, with a call:fallback event', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const backup = scripted({ completion: (p) => completionOf(`backup ${p.model}`) });
    const events = record(primary.client, 'call:fallback', 'call:end');
    const result = await primary.client.request<ReturnType<typeof completionOf>>('completion', params('a'), {}, chain([{ client: backup.client, name: 'b:m2' }]));
    expect(result.choices[0].message.content).toBe('backup b:m2');
    expect(events[0]).toMatchObject({ type: 'call:fallback', from: `${primary.name}:a`, to: 'b:m2', error: 'ProviderError', message: 'down' });
    expect(events[1]).toMatchObject({ type: 'call:end', outcome: 'ok', attempts: 2 });
    expect(backup.launcher.launches).toHaveLength(1);
    // The fallback step's hold was released: the backup idles like any session.
    expect(backup.client.stats().inFlight).toBe(0);
    expect(primary.client.stats().calls).toMatchObject({ started: 1, ok: 1 });
  });

  it('does not fall back on an error that does not move the chain on', async () => {
    const primary = scripted({ completion: () => Promise.reject(new AuthenticationError('bad key', { status: 401 })) });
    const source = chain([]);
    await expect(primary.client.request('completion', params(), {}, source)).rejects.toBeInstanceOf(AuthenticationError);
    expect(source.calls).toBe(0);
  });

  it('ends with a FallbackError naming every step, the skipped ones included', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const refused = new UnsupportedParameterError('tools', 'x');
    const events = record(primary.client, 'call:fallback');
    const error = await primary.client.request('completion', params('a'), {}, chain([], [[{ name: 'x:y', error: refused }]])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as FallbackError).attempts).toEqual([`${primary.name}:a`, 'x:y']);
    expect((error as FallbackError).errors[0]).toBeInstanceOf(ProviderError);
    expect((error as FallbackError).errors[1]).toBe(refused);
    expect(events).toMatchObject([{ from: `${primary.name}:a`, to: 'x:y', error: 'ProviderError' }]);
  });

  it('wraps a last step that fails with a non-moving error in a FallbackError with all errors', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const backup = scripted({ completion: () => Promise.reject(new AuthenticationError('bad key', { status: 401 })) });
    const error = await primary.client.request('completion', params('a'), {}, chain([{ client: backup.client, name: 'b:m' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as FallbackError).attempts).toEqual([`${primary.name}:a`, 'b:m']);
    expect((error as FallbackError).errors.map((e) => (e as Error).name)).toEqual(['ProviderError', 'AuthenticationError']);
    expect((error as FallbackError).status).toBe(401);
  });

  it('an abort during a fallback step stays an abort', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const backup = scripted({ completion: () => (started(), new Promise(() => {})) });
    const controller = new AbortController();
    const result = primary.client.request('completion', params('a'), { signal: controller.signal }, chain([{ client: backup.client, name: 'b:m' }])).catch((e: unknown) => e);
    await running;
    controller.abort();
    const error = await result;
    expect(isAbortError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(FallbackError);
    expect(primary.client.stats().calls).toMatchObject({ aborted: 1 });
  });

  it('a fallback source that fails ends the call with its error', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const broken = new Error('cannot make the client');
    await expect(primary.client.request('completion', params(), {}, () => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe('usage, stats and events per client', () => {
  it('estimates the usage of a stream aborted before its usage chunk, and marks it', async () => {
    let release!: () => void;
    const { client } = scripted({ stream: () => chunks([chunkOf('abcdefgh')], () => new Promise<void>((r) => (release = r))) });
    const ends = record(client, 'call:end');
    const controller = new AbortController();
    const stream = client.stream(streamParams(), { signal: controller.signal });
    const got: ChatCompletionChunk[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        got.push(chunk);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isAbortError(await reading)).toBe(true);
    release?.();
    expect(text(got)).toBe('abcdefgh');
    // 'hello world!' = 12 characters = 3 tokens; 'abcdefgh' = 2.
    expect(ends[0]).toMatchObject({ outcome: 'aborted', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }, usageEstimated: true, chunks: 1 });
    expect(client.stats().usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("reports the provider's usage as is, unmarked, and adds it to the client's stats", async () => {
    const usage = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };
    const { client } = scripted({ stream: () => chunks([chunkOf('a'), chunkOf('b'), chunkOf('', usage)]), completion: () => completionOf('c', usage) });
    const ends = record(client, 'call:end');
    const got = await read(client.stream(streamParams()));
    expect(got.error).toBeUndefined();
    await client.request('completion', params());
    expect(ends[0]).toMatchObject({ method: 'completionStream', outcome: 'ok', usage, chunks: 3 });
    expect(ends[0]).not.toHaveProperty('usageEstimated');
    expect((ends[0] as { firstChunkMs?: number }).firstChunkMs).toBeGreaterThanOrEqual(0);
    expect(ends[1]).toMatchObject({ method: 'completion', usage, chunks: undefined, firstChunkMs: undefined });
    expect(client.stats()).toMatchObject({ chunks: 3, usage: { prompt_tokens: 14, completion_tokens: 10, total_tokens: 24 } });
  });

  it('a stream that fails after chunks without usage gets an estimate too; a failed completion none', async () => {
    const { client } = scripted({
      stream: () => chunks([chunkOf('abcd')], () => Promise.reject(new AuthenticationError('no', { status: 401 }))),
      completion: () => Promise.reject(new AuthenticationError('no', { status: 401 })),
    });
    const ends = record(client, 'call:end');
    await read(client.stream(streamParams()));
    await client.request('completion', params()).catch(() => {});
    expect(ends[0]).toMatchObject({ outcome: 'error', error: 'AuthenticationError', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, usageEstimated: true });
    expect(ends[1]).toMatchObject({ outcome: 'error', usage: undefined });
    expect(ends[1]).not.toHaveProperty('usageEstimated');
  });

  it("keeps each client's events and stats its own on a shared plugin", async () => {
    const name = fresh();
    script(name, { completion: () => completionOf('ok') });
    const launcher = new MemoryLauncher(servePlugin);
    const session = new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 0 });
    const a = new PluginClient({ session, open: { apiKey: 'a', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY, name: 'alpha' });
    const b = new PluginClient({ session, open: { apiKey: 'b', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const aEvents = record(a, 'call:start', 'call:end', 'plugin:start');
    const bEvents = record(b, 'call:start', 'call:end', 'plugin:start');
    await a.request('completion', params('one'));
    await a.request('completion', params('two'));
    await b.request('completion', params('three'));
    expect(aEvents.filter((e) => e.type === 'call:start').map((e) => [(e as { callId: number }).callId, (e as { model: string }).model])).toEqual([[1, 'one'], [2, 'two']]);
    expect(bEvents.filter((e) => e.type === 'call:start').map((e) => (e as { model: string }).model)).toEqual(['three']);
    expect(aEvents[0]).toMatchObject({ provider: 'alpha', isolation: 'worker' });
    expect(bEvents.filter((e) => e.type === 'plugin:start')).toHaveLength(1);
    expect(a.stats()).toMatchObject({ provider: 'alpha', isolation: 'worker', boundary: 'none', starts: 1, calls: { started: 2, ok: 2 }, lastExit: undefined });
    expect(b.stats()).toMatchObject({ provider: name, starts: 1, calls: { started: 1, ok: 1 } });
  });

  it('counts a timeout and an abort as such, and refuses an already-aborted signal before launching', async () => {
    fakeTimers();
    const { client, launcher } = scripted({ completion: () => new Promise(() => {}) });
    const aborted = AbortSignal.abort();
    await expect(client.request('completion', params(), { signal: aborted })).rejects.toSatisfy(isAbortError);
    expect(() => client.stream(streamParams(), { signal: aborted })).not.toThrow();
    expect(launcher.launches).toHaveLength(0);
    const late = client.request('completion', params(), { timeoutMs: 1_000 }).catch((e: unknown) => e);
    await tick(1_000);
    expect(await late).toBeInstanceOf(TimeoutError);
    expect(client.stats()).toMatchObject({ inFlight: 0, calls: { started: 1, timeout: 1 } });
  });

  it('counts calls in flight, and privateClient makes a client on a session of its own', async () => {
    const name = fresh();
    let release!: () => void;
    script(name, { completion: () => new Promise((resolve) => (release = () => resolve(completionOf('ok')))) });
    const launcher = new MemoryLauncher(servePlugin);
    const c = privateClient({ spec: testSpec(name), launch: launcher.launch, isolation: 'process', apiKey: 'k', apiBase: undefined, clientOptions: {}, idleTimeoutMs: 0, supervision: supervision() });
    const call = c.request('completion', params());
    expect(c.stats().inFlight).toBe(1);
    await until(() => expect(release).toBeTypeOf('function'));
    release();
    await call;
    expect(c.stats()).toMatchObject({ inFlight: 0, isolation: 'process', running: true });
    await c.close();
    expect(c.stats().running).toBe(false);
  });
});

describe('fallback option and usage estimate helpers', () => {
  it('checks the fallbacks option', () => {
    expect(checkFallbacks(['openai:gpt-4o', 'a:b:c'])).toEqual([
      { provider: 'openai', model: 'gpt-4o', name: 'openai:gpt-4o' },
      { provider: 'a', model: 'b:c', name: 'a:b:c' },
    ]);
    expect(checkFallbacks([])).toEqual([]);
    expect(() => checkFallbacks('openai:gpt-4o', 'p')).toThrow("Call option 'fallbacks' must be an array of 'provider:model' strings.");
    expect(() => checkFallbacks('openai:gpt-4o', 'p')).toThrow(expect.objectContaining({ provider: 'p' }));
    expect(() => checkFallbacks(['pm'], 'p')).toThrow(expect.objectContaining({ provider: 'p' }));
    for (const bad of [':m', 'p:', 'pm', 3]) {
      expect(() => checkFallbacks(['ok:m', bad])).toThrow(`Call option 'fallbacks[1]' must be 'provider:model', e.g. 'openai:gpt-4o-mini' (got ${JSON.stringify(bad)}).`);
    }
  });

  it('moves on for retryable errors and unsupported parameters only', () => {
    expect(movesOn(new ProviderError('x', { status: 503 }))).toBe(true);
    expect(movesOn(new UnsupportedParameterError('tools', 'p'))).toBe(true);
    expect(movesOn(new AuthenticationError('x', { status: 401 }))).toBe(false);
  });

  it('counts content, reasoning and tool arguments, and nothing else', () => {
    const chunk = {
      choices: [
        { index: 0, delta: { content: 'abc', reasoning: 'de', tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }, { index: 1 }] } },
        { index: 1, delta: { role: 'assistant' } },
        { index: 2 },
      ],
    } as unknown as ChatCompletionChunk;
    expect(countDeltaChars([chunk, { choices: undefined } as unknown as ChatCompletionChunk])).toBe(3 + 2 + 7);
    // A malformed chunk from a plugin (a null choice or tool call) counts nothing and does not throw.
    const odd = { choices: [null, { index: 0, delta: { tool_calls: [null, { index: 0, function: { arguments: 'xy' } }] } }] } as unknown as ChatCompletionChunk;
    expect(countDeltaChars([odd])).toBe(2);
    expect(countDeltaChars([])).toBe(0);
  });

  it('estimates prompt tokens from message text and tools, not images, roles or types', () => {
    const usage = estimateUsage(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'abcd' },
          { role: 'user', content: [{ type: 'text', text: 'efgh' }, { type: 'image_url', image_url: { url: 'https://x.example/a-very-long-image-url.png' } }] },
        ],
        tools: [{ type: 'function', function: { name: 'ab', parameters: { n: 5 } } }],
      } as CompletionParams,
      9,
    );
    // 4 + 4 + 'ab' = 10 characters -> 3 tokens (rounded up); 9 received -> 3.
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    expect(estimateUsage({ model: 'm' } as CompletionParams, 0)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    // Files and audio count nothing; a null content or an absent name neither (and do not throw).
    const attachments = estimateUsage(
      {
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'file', file: { filename: 'abcdefgh', file_data: 'abcdefgh' } }, { type: 'input_audio', input_audio: { data: 'abcdefgh', format: 'wav' } }] },
          { role: 'assistant', content: null, name: undefined },
        ],
      } as unknown as CompletionParams,
      0,
    );
    expect(attachments.prompt_tokens).toBe(0);
  });
});

describe('what a caller of one client notices', () => {
  const chunk = (content: string) => chunkOf(content);

  it('tells a worker plugin to send JSON batches, a process plugin chunk arrays', async () => {
    const encodings: unknown[] = [];
    for (const isolation of ['worker', 'process'] as const) {
      // A worker's port measures nothing; a process's stdio measures each line.
      const launcher = new MemoryLauncher(scriptedPeer({ completionStream: (raw) => (encodings.push((raw as { encoding?: string }).encoding), { chunks: 0 }) }), { measured: isolation === 'process' });
      const session = new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 });
      const c = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
      expect((await read(c.stream(streamParams()))).error).toBeUndefined();
    }
    expect(encodings).toEqual(['json', undefined]);
  });

  it('cancels the call in the plugin when the consumer stops reading', async () => {
    let signal: AbortSignal | undefined;
    const { client } = scripted({
      stream: async function* (_p, ctx) {
        signal = ctx.signal;
        yield chunk('a');
        yield chunk('b');
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    });
    const ends = record(client, 'call:end');
    for await (const _ of client.stream(streamParams())) break;
    await until(() => expect(signal?.aborted).toBe(true));
    await until(() => expect(ends).toHaveLength(1));
    expect(ends[0]).toMatchObject({ outcome: 'aborted' });
  });

  it('refuses a stream whose signal is already aborted, without launching', async () => {
    const { client, launcher } = scripted({ stream: () => chunks([chunk('a')]) });
    const got = await read(client.stream(streamParams(), { signal: AbortSignal.abort() }));
    expect(isAbortError(got.error)).toBe(true);
    expect(launcher.launches).toHaveLength(0);
  });

  it('ignores an empty batch, and keeps a usage chunk that is not the last', async () => {
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          peer.notify(Method.chunks, { id: context.id, chunks: [] } as never);
          // Neither chunks nor JSON text: ignored.
          peer.notify(Method.chunks, { id: context.id, chunks: 'nope' } as never);
          peer.notify(Method.chunks, { id: context.id, chunks: [chunkOf('', usage)] } as never);
          peer.notify(Method.chunks, { id: context.id, chunks: [chunk('late')] } as never);
          return new Promise((resolve) => setImmediate(() => resolve({ chunks: 2 })));
        },
      }),
      { measured: true },
    );
    const session = new PluginSession({ spec: testSpec(fresh()), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
    const c = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    const ends = record(c, 'call:end');
    const got = await read(c.stream(streamParams()));
    expect(got.error).toBeUndefined();
    expect(got.chunks).toHaveLength(2);
    expect(ends[0]).toMatchObject({ usage, chunks: 2 });
    expect(launcher.last.kills).toEqual([]);
  });

  it('a stream that fails before its first chunk has no time to first chunk', async () => {
    const { client } = scripted({ stream: () => chunks([], () => Promise.reject(new AuthenticationError('no', { status: 401 }))) });
    const ends = record(client, 'call:end');
    await read(client.stream(streamParams()));
    expect(ends[0]).toMatchObject({ outcome: 'error', chunks: 0 });
    expect((ends[0] as { firstChunkMs?: number }).firstChunkMs).toBeUndefined();
  });

  it('a stream that ends without a usage chunk reports no usage, not an estimate', async () => {
    const { client } = scripted({ stream: () => chunks([chunk('abcd')]) });
    const ends = record(client, 'call:end');
    await read(client.stream(streamParams()));
    expect(ends[0]).toMatchObject({ outcome: 'ok', usage: undefined });
    expect(ends[0]).not.toHaveProperty('usageEstimated');
  });

  it('times a call out when the plugin sends nothing for idleTimeoutMs from the request', async () => {
    fakeTimers();
    for (const kind of ['request', 'stream'] as const) {
      const { client } = scripted({ completion: () => new Promise(() => {}), stream: async function* () { await new Promise(() => {}); } });
      await client.start();
      const result = kind === 'request' ? client.request('completion', params(), { idleTimeoutMs: 500 }).catch((e: unknown) => e) : read(client.stream(streamParams(), { idleTimeoutMs: 500 })).then((r) => r.error);
      await tick(600);
      expect(await result).toMatchObject({ code: 'idle_timeout' });
    }
  });

  it('a stream whose chunks keep coming is not idle, nor one paused by a full window the consumer has not read', async () => {
    fakeTimers();
    const { client: steady } = scripted({
      stream: async function* () {
        for (let i = 0; i < 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          yield chunk(String(i));
        }
      },
    });
    await steady.start();
    const reading = read(steady.stream(streamParams(), { idleTimeoutMs: 500 }));
    await tick(1_500);
    const got = await reading;
    expect(got.error).toBeUndefined();
    expect(text(got.chunks)).toBe('0123');

    const name = fresh();
    script(name, { stream: () => chunks([chunk('a'), chunk('b'), chunk('c'), chunk('d')]) });
    const launcher = new MemoryLauncher(servePlugin);
    const session = new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation: 'worker', supervision: supervision({ streamWindow: 2 }), idleTimeoutMs: 0 });
    const slow = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    await slow.start();
    const stream = slow.stream(streamParams(), { idleTimeoutMs: 500 });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.choices[0].delta.content).toBe('a');
    // The window fills; the consumer waits far longer than idleTimeoutMs.
    await tick(2_000);
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.choices[0].delta.content ?? '');
    expect(rest.join('')).toBe('bcd');
  });

  it('records the model only when it is a string', async () => {
    const { client } = scripted({ completion: () => completionOf('ok') });
    const starts = record(client, 'call:start');
    await client.request('completion', { params: { model: 42, messages } }).catch(() => {});
    expect(starts[0]).toMatchObject({ model: undefined });
    expect(() => void client.request('listModels', {}).catch(() => {})).not.toThrow();
  });

  it('an abort while waiting to retry ends the call as aborted, and no retry follows', async () => {
    fakeTimers();
    let calls = 0;
    const { client } = scripted({ completion: () => (calls++, Promise.reject(new ProviderError('down', { status: 503 }))) }, { ...exact, initialDelayMs: 1_000 });
    await client.start();
    const controller = new AbortController();
    const retries = record(client, 'call:retry');
    const result = client.request('completion', params(), { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => expect(retries).toHaveLength(1));
    controller.abort();
    expect(isAbortError(await result)).toBe(true);
    await tick(2_000);
    expect(calls).toBe(1);
  });

  it('latency and time to first chunk are measured from the call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const { client } = scripted({
      stream: async function* () {
        await new Promise((resolve) => setTimeout(resolve, 200));
        yield chunk('a');
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    await client.start();
    const ends = record(client, 'call:end');
    // The fake clock starts at 0: move it, so a start time added instead of subtracted shows.
    await tick(10_000, 5_000);
    const reading = read(client.stream(streamParams()));
    await tick(1_000, 100);
    await reading;
    const end = ends[0] as { latencyMs: number; firstChunkMs: number };
    expect(end.firstChunkMs).toBeGreaterThanOrEqual(200);
    expect(end.firstChunkMs).toBeLessThan(300);
    expect(end.latencyMs).toBeGreaterThanOrEqual(500);
    expect(end.latencyMs).toBeLessThan(700);
  });

  it('a fallback step keeps its plugin busy while it runs, and lets it idle after', async () => {
    fakeTimers();
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const name = fresh();
    script(name, { completion: () => new Promise((resolve) => setTimeout(() => resolve(completionOf('late backup')), 2_000)) });
    const launcher = new MemoryLauncher(servePlugin);
    const session = new PluginSession({ spec: testSpec(name), launch: launcher.launch, isolation: 'worker', supervision: supervision(), idleTimeoutMs: 1_000 });
    const backup = new PluginClient({ session, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
    await primary.client.start();
    await backup.start();
    const source: FallbackSource<object> = async () => ({ next: { client: backup, params: params(), name: 'b:m' }, skipped: [] });
    const result = primary.client.request('completion', params(), {}, source);
    await tick(2_500);
    await expect(result).resolves.toMatchObject({ choices: [{ message: { content: 'late backup' } }] });
    expect(session.running).toBe(true);
    await tick(1_000);
    expect(session.running).toBe(false);
  });

  it('no fallback step starts after an abort while the chain looked for it', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const backup = scripted({ completion: () => completionOf('backup') });
    let resolveSource!: () => void;
    const asked = new Promise<void>((resolve) => (resolveSource = resolve));
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const events = record(primary.client, 'call:fallback');
    const controller = new AbortController();
    const source: FallbackSource<object> = async () => {
      resolveSource();
      await gate;
      return { next: { client: backup.client, params: params(), name: 'b:m' }, skipped: [{ name: 'x:y', error: 'refused' }] };
    };
    const result = primary.client.request('completion', params(), { signal: controller.signal }, source).catch((e: unknown) => e);
    await asked;
    controller.abort();
    expect(isAbortError(await result)).toBe(true);
    go();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    expect(backup.launcher.launches).toHaveLength(0);
  });

  it('names each skipped step as the next one\'s origin, and a non-Error by its type', async () => {
    const primary = scripted({ completion: () => Promise.reject(new ProviderError('down', { status: 503 })) });
    const backup = scripted({ completion: () => completionOf('backup') });
    const events = record(primary.client, 'call:fallback');
    const source: FallbackSource<object> = async () => ({
      next: { client: backup.client, params: params(), name: 'b:m' },
      skipped: [
        { name: 'x:y', error: 'refused' },
        { name: 'z:w', error: new UnsupportedParameterError('tools', 'z') },
      ],
    });
    await primary.client.request('completion', params('a'), {}, source);
    expect(events.map((e) => [(e as { from: string }).from, (e as { to: string }).to, (e as { error: string }).error])).toEqual([
      [`${primary.name}:a`, 'x:y', 'ProviderError'],
      ['x:y', 'z:w', 'string'],
      ['z:w', 'b:m', 'UnsupportedParameterError'],
    ]);
  });

  it('names the client in its closed error', async () => {
    const { client, name } = scripted({ completion: () => completionOf('ok') });
    await client.close();
    await expect(client.request('completion', params())).rejects.toMatchObject({ provider: name });
  });

  it('privateClient defaults: supervision, no retries, and its own key', async () => {
    const name = fresh();
    let calls = 0;
    script(name, { completion: (_p, _c, key) => (++calls === 1 ? Promise.reject(new ProviderError('down', { status: 503 })) : completionOf(`key=${key}`)) });
    const launcher = new MemoryLauncher(servePlugin);
    const c = privateClient({ spec: testSpec(name), launch: launcher.launch, isolation: 'worker', apiKey: 'mine', apiBase: undefined, clientOptions: {}, idleTimeoutMs: 0 });
    await expect(c.request('completion', params())).rejects.toBeInstanceOf(ProviderError);
    await expect(c.request('completion', params())).resolves.toMatchObject({ choices: [{ message: { content: 'key=mine' } }] });
    expect(c.stats().calls.retries).toBe(0);
    await c.close();
  });
});
