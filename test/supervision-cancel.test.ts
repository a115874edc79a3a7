// Aborting a call ends it at once with an AbortError and closes the upstream request; aborting one
// stream leaves the others running; leaving a `for await` early cancels upstream too.
import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, syntheticStream, textChunk, trickle } from './support/openai-wire.js';
import { drain, messages, nextEvent } from './support/faulty-plugin.js';

let server: LocalServer;
let llm: AnyLLM;
beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

/** Streams chunks slowly for as long as the client listens. */
function endless(): void {
  onChat(server, (_req, res) => trickle(res, 10));
}

describe('aborting', () => {
  it('a non-streaming call rejects with AbortError and the server sees the connection close', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    onChat(server, () => arrived());
    const controller = new AbortController();
    const aborted = server.nextAbort();
    const call = llm.completion({ model: 'gpt-4o-mini', messages }, { signal: controller.signal });
    await requestArrived;
    controller.abort();
    const error = await call.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await aborted;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a stream mid-way rejects with AbortError and the server sees the connection close', async () => {
    endless();
    const controller = new AbortController();
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(
      llm.completionStream({ model: 'gpt-4o-mini', messages }, { signal: controller.signal }),
      (_chunk, index) => {
        if (index === 4) controller.abort();
      },
    );
    expect((error as Error).name).toBe('AbortError');
    expect(chunks).toHaveLength(5);
    await aborted;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('one stream leaves the others running to their end', async () => {
    onChat(server, (req, res) => {
      const which = (req.body as { user?: string }).user;
      if (which === 'victim') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify(textChunk('v'))}\n\n`);
        return; // held open until the client leaves
      }
      return streamChunks(res, syntheticStream(300), { delayMs: 1 });
    });
    const controller = new AbortController();
    const victim = drain(
      llm.completionStream({ model: 'gpt-4o-mini', messages, user: 'victim' }, { signal: controller.signal }),
      () => controller.abort(),
    );
    const others = [1, 2, 3].map(() => drain(llm.completionStream({ model: 'gpt-4o-mini', messages, user: 'other' })));
    expect(((await victim).error as Error).name).toBe('AbortError');
    for (const other of await Promise.all(others)) {
      expect(other.error).toBeUndefined();
      expect(other.chunks).toHaveLength(302);
    }
  });

  it('with a signal that is already aborted rejects at once and sends nothing', async () => {
    const signal = AbortSignal.abort();
    const error = await llm.completion({ model: 'gpt-4o-mini', messages }, { signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    const streamed = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, { signal }));
    expect((streamed.error as Error).name).toBe('AbortError');
    expect(server.requests).toHaveLength(0);
  });
});

describe('leaving a stream early', () => {
  it('break cancels the upstream request, and the call ends counted as aborted', async () => {
    endless();
    const aborted = server.nextAbort();
    // Counted from here: earlier tests in this file have aborted calls of their own.
    const before = llm.stats().calls;
    const ended = nextEvent(llm, 'call:end');
    let seen = 0;
    for await (const _chunk of llm.completionStream({ model: 'gpt-4o-mini', messages })) {
      if (++seen === 3) break;
    }
    await aborted;
    expect(await ended).toMatchObject({ method: 'completionStream', outcome: 'aborted' });
    const after = llm.stats().calls;
    expect(after.aborted - before.aborted).toBe(1);
    expect(after.ok + after.error + after.timeout).toBe(before.ok + before.error + before.timeout);
  });
});
