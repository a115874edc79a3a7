// The top-level functions keep one client per provider, key and base URL while it is used: a
// client idle for `idleMs` is closed (its SDK client leaves the shared plugin, and the plugin
// exits with its last client), and past `maxClients` the least recently used idle ones go first.
// A client with a call in flight is never closed under it. So an app calling with many users'
// keys holds clients for its recent keys, not for every key it ever saw.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { completion, completionStream, configureTopLevelClients, topLevelClientKeys } from 'anyllm/internal/host/functions.js';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

let server: LocalServer;
let apiBase: string;
const messages = [{ role: 'user' as const, content: 'Hi' }];
const call = (apiKey: string, model = 'openai:gpt-4o-mini') => completion({ model, messages }, { apiKey, apiBase });

/** Threads of this process running an openai plugin (Linux names each worker thread). */
const pluginThreads = () =>
  readdirSync('/proc/self/task').filter((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'anyllm:openai';
    } catch {
      return false; // the thread ended while we looked
    }
  }).length;

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/v1`;
  onChat(server, async (req, res) => {
    const { model, stream } = req.body as { model: string; stream?: boolean };
    if (stream) return streamChunks(res, syntheticStream(20), { delayMs: model === 'slow' ? 40 : 0 });
    if (model === 'slow' || model === 'slower') await new Promise((resolve) => setTimeout(resolve, model === 'slow' ? 600 : 1_800));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody(`for ${String(req.headers.authorization)}`)));
  });
});
afterAll(async () => {
  configureTopLevelClients({ idleMs: 1, maxClients: 64 });
  await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
  await server.close();
});
afterEach(() => configureTopLevelClients({ idleMs: 1 }));

describe('the top-level client cache', () => {
  it("closes a key's client once it sat idle, and the plugin with the last one; the key's next call makes a new client", async () => {
    await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
    configureTopLevelClients({ idleMs: 150, maxClients: 64 });
    expect((await call('sk-a')).choices[0].message.content).toBe('for Bearer sk-a');
    expect((await call('sk-b')).choices[0].message.content).toBe('for Bearer sk-b');
    expect(topLevelClientKeys()).toEqual(['sk-a', 'sk-b']);
    if (process.platform === 'linux') expect(pluginThreads()).toBe(1);
    await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
    if (process.platform === 'linux') await vi.waitFor(() => expect(pluginThreads()).toBe(0), { timeout: 10_000 });
    expect((await call('sk-a')).choices[0].message.content).toBe('for Bearer sk-a');
    expect(topLevelClientKeys()).toEqual(['sk-a']);
  });

  it('never closes a client while its request or its stream is in flight', async () => {
    configureTopLevelClients({ idleMs: 100, maxClients: 64 });
    const slow = call('sk-slow', 'openai:slow');
    // Read slowly: 20 chunks 40 ms apart, far past the idle time.
    let text = '';
    for await (const chunk of completionStream({ model: 'openai:slow', messages }, { apiKey: 'sk-stream', apiBase })) {
      text += chunk.choices[0]?.delta.content ?? '';
      expect(topLevelClientKeys()).toContain('sk-stream');
    }
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `t${i} `).join(''));
    expect((await slow).choices[0].message.content).toBe('for Bearer sk-slow');
    // Both idle now: closed.
    await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
  });

  it('keeps at most maxClients: the least recently used idle one is closed first', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 2 });
    await call('sk-1');
    await call('sk-2');
    await call('sk-1'); // sk-1 is now the most recent
    // Past the grace a just-handed-out client gets (its call may not have started yet).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await call('sk-3');
    expect(topLevelClientKeys()).toEqual(['sk-1', 'sk-3']);
    // A call in flight holds its client past the cap too.
    configureTopLevelClients({ maxClients: 1 });
    const slower = call('sk-1', 'openai:slower');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await call('sk-4');
    expect(topLevelClientKeys()).toContain('sk-1');
    expect((await slower).choices[0].message.content).toBe('for Bearer sk-1');
  });
});
