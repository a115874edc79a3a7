// Clients of one provider with the same tier and settings share one plugin: many keys cost one
// worker or one process, every request still carries its own client's key and options, a close
// ends only that client, and a crash fails every client's in-flight calls and restarts for each.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, PluginCrashedError, PluginUnavailableError, type ChatCompletionChunk } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, textChunk } from './support/openai-wire.js';
import { drain, faulty, messages, nextEvent } from './support/faulty-plugin.js';
import { commandLine, descendants } from './support/processes.js';

let server: LocalServer;
const open: AnyLLM[] = [];

beforeAll(async () => {
  server = await LocalServer.start();
  // Each reply names the key it was sent with and the client's own header, so a mix-up shows.
  onChat(server, async (req, res) => {
    const key = String(req.headers.authorization).replace('Bearer ', '');
    const tag = String(req.headers['x-client-tag']);
    const body = req.body as { stream?: boolean };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `${key}|${tag}` }, finish_reason: 'stop' }] }));
      return;
    }
    await streamChunks(res, [textChunk(`${key}|`), textChunk(tag), textChunk('|end')], { delayMs: 5 });
  });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  server.requests.length = 0;
});

async function openaiClient(n: number, options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create('openai', {
    apiKey: `sk-user-${n}`,
    apiBase: `${server.origin}/v1`,
    defaultHeaders: { 'x-client-tag': `tag-${n}` },
    retry: false,
    ...options,
  });
  open.push(llm);
  return llm;
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
const pluginProcesses = () => descendants().filter((pid) => /process-main\.js/.test(commandLine(pid)));

describe('one plugin for every client of a provider', () => {
  it('serves 20 clients with 20 keys from one worker thread, each request with its own key and options', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, (_, n) => openaiClient(n)));
    const starts: unknown[] = [];
    for (const llm of clients) llm.on('plugin:start', (event) => starts.push(event));
    const replies = await Promise.all(clients.map((llm) => llm.completion({ model: 'gpt-4o-mini', messages })));
    expect(replies.map((r) => r.choices[0].message.content)).toEqual(clients.map((_, n) => `sk-user-${n}|tag-${n}`));
    // One launch, heard by all 20 clients.
    expect(starts).toHaveLength(20);
    expect(clients.reduce((sum, llm) => sum + llm.stats().starts, 0)).toBe(20);
    expect(server.requests).toHaveLength(20);
  });

  it('runs one child process for 10 clients in the process tier, with concurrent streams and a close in the middle', async () => {
    const before = pluginProcesses().length;
    const clients = await Promise.all(Array.from({ length: 10 }, (_, n) => openaiClient(n, { isolation: 'process' })));
    await clients[0].start();
    const streams = clients.map((llm) => drain(llm.completionStream({ model: 'gpt-4o-mini', messages })));
    expect(pluginProcesses().length - before).toBe(1);
    // A client closing mid-way leaves the others' streams and the plugin running.
    const closing = clients[3].close();
    const results = await Promise.all(streams);
    await closing;
    for (const [n, result] of results.entries()) {
      expect(result.error).toBeUndefined();
      expect(text(result.chunks)).toBe(`sk-user-${n}|tag-${n}|end`);
    }
    expect(clients[0].running).toBe(true);
    await expect(clients[3].completion({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(PluginUnavailableError);
    const again = await clients[4].completion({ model: 'gpt-4o-mini', messages });
    expect(again.choices[0].message.content).toBe('sk-user-4|tag-4');
    expect(pluginProcesses().length - before).toBe(1);
  });

  it('ends the plugin when its last client closes; a new client starts a new one', async () => {
    const first = await openaiClient(1, { isolation: 'process' });
    const second = await openaiClient(2, { isolation: 'process' });
    await first.completion({ model: 'gpt-4o-mini', messages });
    await second.completion({ model: 'gpt-4o-mini', messages });
    const exit = nextEvent(second, 'plugin:exit');
    await first.close();
    expect(second.running).toBe(true);
    await second.close();
    expect((await exit).cause).toBe('closed');
    const third = await openaiClient(3, { isolation: 'process' });
    expect(third.running).toBe(false);
    expect((await third.completion({ model: 'gpt-4o-mini', messages })).choices[0].message.content).toBe('sk-user-3|tag-3');
    expect(third.stats().starts).toBe(1);
  });

  it('gives clients with other resource settings their own plugin', async () => {
    const a = await openaiClient(1);
    const b = await openaiClient(2, { memoryLimitMb: 300 });
    const c = await openaiClient(3);
    await Promise.all([a, b, c].map((llm) => llm.completion({ model: 'gpt-4o-mini', messages })));
    expect([a, b, c].map((llm) => llm.stats().starts)).toEqual([1, 1, 1]);
    const exits: string[] = [];
    c.on('plugin:exit', (event) => exits.push(event.cause));
    await b.close(); // b's own plugin ends; a and c's plugin does not notice
    expect(exits).toEqual([]);
    expect(a.running && c.running).toBe(true);
  });
});

describe('a crash on a shared plugin', () => {
  it("fails every client's in-flight calls, and each client's next call restarts it", async () => {
    const clients = await Promise.all([faulty(), faulty(), faulty()]);
    open.push(...clients);
    const ids = await Promise.all(clients.map(async (llm) => (await llm.completion({ model: 'whoami', messages })).choices[0].message.content));
    expect(new Set(ids).size).toBe(1); // one plugin: the same pid and thread for all three
    const inFlight = clients.map((llm) => llm.completion({ model: 'slow:60000', messages }).catch((e: unknown) => e));
    const crash = clients[0].completion({ model: 'crash:exit', messages }).catch((e: unknown) => e);
    for (const error of [await crash, ...(await Promise.all(inFlight))]) expect(error).toBeInstanceOf(PluginCrashedError);
    for (const llm of clients) expect(llm.stats().crashes).toBe(1);
    const after = await Promise.all(clients.map(async (llm) => (await llm.completion({ model: 'whoami', messages })).choices[0].message.content));
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(ids[0]);
    expect(clients.map((llm) => llm.stats().starts)).toEqual([2, 2, 2]);
  });
});
