// Red team (issue 10, second round): the top-level client cache, as an app at its cap of keys
// sees it. A key whose call ran long was "least recently used" from the moment the call began:
// the next new key closed its client the instant the call ended, though it had just been used
// (and, as the plugin's last client, took the plugin with it). And a stream's call starts at its
// first read: a `toReadableStream()` handed to a reader that starts late found its client closed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { completion, completionStream, configureTopLevelClients, topLevelClientKeys } from 'anyllm/internal/host/functions.js';
import { InvalidRequestError } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

let server: LocalServer;
let apiBase: string;
const messages = [{ role: 'user' as const, content: 'Hi' }];
const call = (apiKey: string, model = 'openai:gpt-4o-mini') => completion({ model, messages }, { apiKey, apiBase });

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/v1`;
  onChat(server, async (req, res) => {
    const { model, stream } = req.body as { model: string; stream?: boolean };
    // Longer than the grace a just-handed-out client gets from the cap (1 s).
    if (stream) return streamChunks(res, syntheticStream(30), { delayMs: model === 'long' ? 50 : 0 });
    if (model === 'long') await new Promise((resolve) => setTimeout(resolve, 1_500));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody(`for ${String(req.headers.authorization)}`)));
  });
});
afterAll(async () => {
  configureTopLevelClients({ idleMs: 1, maxClients: 64 });
  await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
  await server.close();
});
afterEach(async () => {
  configureTopLevelClients({ idleMs: 1, maxClients: 64 });
  await vi.waitFor(() => expect(topLevelClientKeys()).toEqual([]), { timeout: 10_000 });
});

describe('a key whose call just ended is recently used', () => {
  it('a long completion: the next new key past the cap closes another client, not the one just used', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 1 });
    expect((await call('sk-long', 'openai:long')).choices[0].message.content).toBe('for Bearer sk-long');
    await call('sk-next');
    expect(topLevelClientKeys()).toContain('sk-long');
  });

  it('a long stream: likewise, once its last chunk was read', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 1 });
    let text = '';
    for await (const chunk of completionStream({ model: 'openai:long', messages }, { apiKey: 'sk-stream', apiBase })) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(Array.from({ length: 30 }, (_, i) => `t${i} `).join(''));
    await call('sk-next');
    expect(topLevelClientKeys()).toContain('sk-stream');
  });

  it('a long stream read as a ReadableStream, and one whose finalChatCompletion() was awaited', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 1 });
    const reader = completionStream({ model: 'openai:long', messages }, { apiKey: 'sk-readable', apiBase }).toReadableStream().getReader();
    let chunks = 0;
    while (!(await reader.read()).done) chunks++;
    expect(chunks).toBe(32);
    await call('sk-next');
    expect(topLevelClientKeys()).toContain('sk-readable');
    const final = await completionStream({ model: 'openai:long', messages }, { apiKey: 'sk-final', apiBase }).finalChatCompletion();
    expect(final.usage?.completion_tokens).toBe(30);
    await call('sk-next-2');
    expect(topLevelClientKeys()).toContain('sk-final');
  });
});

describe('a top-level stream not read yet holds its client', () => {
  it('a ReadableStream (with finalChatCompletion()) first read after the idle time streams, and lets its client go once read', async () => {
    configureTopLevelClients({ idleMs: 100, maxClients: 64 });
    const stream = completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-late', apiBase });
    const readable = stream.toReadableStream();
    const final = stream.finalChatCompletion();
    // Several sweeps go by before anyone reads it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(topLevelClientKeys()).toContain('sk-late');
    const reader = readable.getReader();
    let chunks = 0;
    const error = await (async () => {
      try {
        while (!(await reader.read()).done) chunks++;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeUndefined();
    expect(chunks).toBe(32);
    expect((await final).usage?.completion_tokens).toBe(30);
    // Read to its end: the client is idle again, and goes (afterEach waits for it).
  });

  it('past the cap too', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 1 });
    const readable = completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-late', apiBase }).toReadableStream();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await call('sk-next');
    expect(topLevelClientKeys()).toContain('sk-late');
    let chunks = 0;
    for await (const _chunk of readable) chunks++;
    expect(chunks).toBe(32);
  });
});

describe('a top-level stream dropped without being read', () => {
  it('lets its client go once it is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    configureTopLevelClients({ idleMs: 100, maxClients: 64 });
    // Opened (it holds its client from here) and never read.
    (() => void completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-dropped', apiBase }).toReadableStream())();
    expect(topLevelClientKeys()).toContain('sk-dropped');
    await vi.waitFor(
      () => {
        gc();
        expect(topLevelClientKeys()).toEqual([]);
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});

describe('a key or base URL that is not a string', () => {
  it('is refused with InvalidRequestError, never served by the client of the string it serialises to', async () => {
    configureTopLevelClients({ idleMs: 600_000, maxClients: 64 });
    expect((await call('sk-a')).choices[0].message.content).toBe('for Bearer sk-a');
    const lookalike = { toJSON: () => 'sk-a' } as unknown as string;
    const odd = await call(lookalike).catch((e: unknown) => e);
    expect(odd).toBeInstanceOf(InvalidRequestError);
    expect((odd as Error).message).toMatch(/apiKey/);
    const big = await completion({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 1n as unknown as string, apiBase }).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(InvalidRequestError);
    const base = await completion({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-a', apiBase: { toJSON: () => apiBase } as unknown as string }).catch((e: unknown) => e);
    expect(base).toBeInstanceOf(InvalidRequestError);
    // A stream's error comes at its first read.
    const streamed = await (async () => {
      try {
        for await (const _chunk of completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 1n as unknown as string, apiBase }));
      } catch (e) {
        return e;
      }
    })();
    expect(streamed).toBeInstanceOf(InvalidRequestError);
    expect(topLevelClientKeys()).toEqual(['sk-a']);
  });
});
