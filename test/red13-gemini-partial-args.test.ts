// Gemini streams a function call's arguments as `partialArgs`, each a JSON Path and a value. A
// path naming an array element far past the array's end (`$.a[9999999]`, 20 characters from the
// server) made a sparse array, which JSON.stringify wrote out as millions of `null`s: 50 MB of
// arguments from one small event, and at `[99999999]` V8 ran out of zone memory and aborted the
// whole process (in the worker tier, the caller's own). An element may only extend its array by
// one now (the order Gemini streams them in); one past that is the provider's error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError } from 'anyllm';
import { collect } from './support/collect.js';
import { accumulate } from './support/accumulate.js';
import { geminiResponse, onStream, streamEvents } from './support/gemini-wire.js';
import { LocalServer } from './support/local-server.js';

const MODEL = 'gemini-3-pro-preview';
let server: LocalServer;
let llm: AnyLLM;

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('gemini', { apiKey: 'gm-test-key', apiBase: server.origin, retry: false, isolation: 'worker' });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});

const call = (partialArgs: unknown[], willContinue: boolean, name?: string) =>
  geminiResponse([{ functionCall: { ...(name ? { name } : {}), willContinue, partialArgs } }]);

function serve(paths: string[]): void {
  const events = [
    call([], true, 'plan'),
    ...paths.map((jsonPath) => call([{ jsonPath, stringValue: 'x' }], true)),
    call([], false),
    geminiResponse([], { finishReason: 'STOP' }),
  ];
  onStream(server, MODEL, (_req, res) => streamEvents(res, events));
}

describe('gemini: streamed partialArgs into arrays', () => {
  it('an element far past the end of its array is the provider error, not millions of nulls', async () => {
    serve(['$.ops[0].a', '$.ops[9999999].a']);
    const error = await collect(llm.completionStream({ model: MODEL, messages: [{ role: 'user', content: 'Plan.' }] })).then(
      (chunks) => new Error(`the stream ended; arguments of ${accumulate(chunks).message.tool_calls?.[0]?.function.arguments.length} characters`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/\$\.ops\[9999999\]\.a/);
  });

  it('elements in order, each at most one past the end, still make the arguments', async () => {
    serve(['$.ops[0].a', '$.ops[1].a', '$.ops[1].b', '$.ops[2]', '$.grid[0][0]', '$.grid[0][1]', '$.grid[1][0]']);
    const chunks = await collect(llm.completionStream({ model: MODEL, messages: [{ role: 'user', content: 'Plan.' }] }));
    const args = JSON.parse(accumulate(chunks).message.tool_calls?.[0]?.function.arguments ?? 'null') as unknown;
    expect(args).toEqual({ ops: [{ a: 'x' }, { a: 'x', b: 'x' }, 'x'], grid: [['x', 'x'], ['x']] });
  });
});
