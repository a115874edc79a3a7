// Per-call limits: `idleTimeoutMs` (every chunk resets it) and `timeoutMs` (the overall cap). Both end
// the call with TimeoutError and close the upstream request; a stream that keeps producing runs on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, TimeoutError } from 'anyllm';
import { LocalServer, sendSse } from './support/local-server.js';
import { onChat, streamChunks, syntheticStream, textChunk, trickle } from './support/openai-wire.js';
import { drain, faulty, messages } from './support/faulty-plugin.js';

let server: LocalServer;
const open: AnyLLM[] = [];
beforeAll(async () => {
  server = await LocalServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  server.requests.length = 0;
});

async function openai(options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false, ...options });
  open.push(llm);
  return llm;
}

/**
 * A started client: the limits under test time the call, never the plugin's cold start (255-744 ms
 * measured under load, more than some of the limits below).
 */
async function warm<T extends AnyLLM>(client: Promise<T>): Promise<T> {
  const llm = await client;
  await llm.start();
  return llm;
}

describe('idleTimeoutMs', () => {
  it('ends a stream that stops producing with TimeoutError and closes the upstream request', async () => {
    // Two chunks, then silence: no `[DONE]`, the response held open.
    onChat(server, (_req, res) => sendSse(res, [textChunk('a'), textChunk('b')].map((c) => `data: ${JSON.stringify(c)}`), { hang: true }));
    const llm = await warm(openai());
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, { idleTimeoutMs: 500 }));
    expect(chunks.map((c) => c.choices[0].delta.content)).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('idle_timeout');
    await aborted;
  });

  it('lets a long stream that keeps producing run past it', async () => {
    // 30 chunks 100 ms apart: three seconds in all, never more than a tenth of the idle limit between two.
    onChat(server, (_req, res) => trickle(res, 100, 30));
    const llm = await warm(openai());
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, { idleTimeoutMs: 1_500 }));
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(30);
  });

  it('does not count the time the consumer holds the stream paused', async () => {
    onChat(server, (_req, res) => streamChunks(res, syntheticStream(200)));
    const llm = await warm(openai({ supervision: { streamWindow: 8 } }));
    const { chunks, error } = await drain(
      llm.completionStream({ model: 'gpt-4o-mini', messages }, { idleTimeoutMs: 400 }),
      async (_chunk, index) => {
        // The plugin is paused on credits while the consumer dawdles well past the idle limit.
        if (index === 0) await new Promise((resolve) => setTimeout(resolve, 1_500));
      },
    );
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(202);
  });

  it("starts counting when the request reaches the plugin, so a slow cold start is not taken for silence", async () => {
    const llm = await faulty({ startDelayMs: 800 });
    open.push(llm);
    const call = llm.completion({ model: 'ok', messages }, { idleTimeoutMs: 400 });
    expect((await call).choices[0].message.content).toBe('ok');
    const { chunks, error } = await drain(llm.completionStream({ model: 'stall:2', messages }, { idleTimeoutMs: 400 }));
    expect(chunks).toHaveLength(2); // a stream that then stalls is still cut
    expect(error).toMatchObject({ code: 'idle_timeout' });
  });

  it('acts as a timeout for a non-streaming call (the response is its first data)', async () => {
    const llm = await warm(faulty());
    open.push(llm);
    const error = await llm.completion({ model: 'slow:60000', messages }, { idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
  });
});

describe('timeoutMs', () => {
  it('caps a stream that keeps producing, with TimeoutError, and closes the upstream request', async () => {
    onChat(server, (_req, res) => trickle(res, 20));
    const llm = await warm(openai());
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(
      llm.completionStream({ model: 'gpt-4o-mini', messages }, { timeoutMs: 1_000, idleTimeoutMs: 5_000 }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('timeout');
    expect(chunks.length).toBeGreaterThan(0);
    await aborted;
  });

  it('ends a non-streaming call with TimeoutError and closes the upstream request', async () => {
    onChat(server, () => {
      // Never answers.
    });
    const llm = await warm(openai());
    const aborted = server.nextAbort();
    await expect(llm.completion({ model: 'gpt-4o-mini', messages }, { timeoutMs: 500 })).rejects.toBeInstanceOf(TimeoutError);
    await aborted;
  });
});

describe('bad call options', () => {
  it.each([
    [{ timeoutMs: -1 }, /timeoutMs/],
    [{ idleTimeoutMs: 'soon' }, /idleTimeoutMs/],
    [{ signal: {} }, /signal/],
  ])('%o is refused with InvalidRequestError before anything is sent', async (options, message) => {
    const llm = await openai();
    const error = await llm.completion({ model: 'gpt-4o-mini', messages }, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
    const streamed = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, options as never));
    expect(streamed.error).toBeInstanceOf(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
    expect(llm.running).toBe(false);
  });
});
