// Red team (issue 10): hang recovery must not kill a live shared plugin, and must really move the
// calls that never started on a hung one.
// - The host's own event loop stalls (a long synchronous job, a GC pause) right after a cancel: the
//   plugin's `$/cancelled` is already waiting to be read when the grace timer fires. A live plugin
//   must not be declared hung for the host's stall (it would fail every other client's streams).
// - A new client's first call waits for its `client/open` on a plugin that then hangs: the call
//   never started there, so it moves to the replacement and succeeds (with no retry to hide it).
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyLLM, ChatCompletionChunk } from 'anyllm';
import { drain, faulty, messages, textOf } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
async function client(options: Parameters<typeof faulty>[0] = {}): Promise<AnyLLM> {
  // The heartbeat would find a hang too, after 10 s: only the cancel grace is under test here.
  const llm = await faulty({ supervision: { heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 60_000 }, ...options });
  open.push(llm);
  return llm;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

/** Blocks this thread: nothing the plugin sends can be read meanwhile. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Resolves with an iterator of `stream` once its first chunk has arrived (the call is running there). */
async function firstChunk(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ rest: Promise<{ chunks: ChatCompletionChunk[]; error: unknown }>; first: ChatCompletionChunk }> {
  const iterator = stream[Symbol.asyncIterator]();
  const head = await iterator.next();
  const rest = drain({ [Symbol.asyncIterator]: () => iterator });
  return { first: head.value as ChatCompletionChunk, rest };
}

describe.each(['worker', 'process'] as const)('a live shared plugin (%s tier)', (isolation) => {
  it("is not killed as hung when the host's own event loop stalls past the grace right after a cancel", async () => {
    const a = await client({ isolation });
    const b = await client({ isolation });
    await a.start();
    const exits: string[] = [];
    b.on('plugin:exit', (event) => exits.push(event.cause));
    // b's stream is running on the shared plugin: 15 chunks, 100 ms apart.
    const other = await firstChunk(b.completionStream({ model: 'every:100:15', messages }));
    // a's stream is running too; a aborts it, then the host is busy for longer than the grace.
    const controller = new AbortController();
    const aborted = await firstChunk(a.completionStream({ model: 'every:50', messages }, { signal: controller.signal }));
    // From a check-phase callback (as from an I/O callback): the loop's next step is its timers.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        controller.abort();
        blockEventLoop(1_500);
        resolve();
      }),
    );
    expect((await aborted.rest).error).toMatchObject({ name: 'AbortError' });
    const { chunks, error } = await other.rest;
    expect(error).toBeUndefined();
    expect(textOf([other.first, ...chunks])).toBe(Array.from({ length: 15 }, (_, i) => `e${i} `).join(''));
    expect(exits).toEqual([]);
    expect(b.stats()).toMatchObject({ starts: 1, crashes: 0 });
  });
});

describe('a hung plugin', () => {
  it("moves a new client's first call that was waiting for its client/open, and it succeeds without a retry", async () => {
    const first = await client();
    await first.start();
    const hung = first.completion({ model: 'crash:hang', messages }, { timeoutMs: 300 }).catch((e: unknown) => e);
    // The plugin is busy-looping now: the second client's client/open goes to it and is never answered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await client(); // retry: false
    const retries: unknown[] = [];
    second.on('call:retry', (event) => retries.push(event));
    const reply = await second.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(await hung).toMatchObject({ name: 'TimeoutError' });
    expect(reply).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(retries).toEqual([]);
  });
});
