/**
 * The process tier: the same plugin, over the same protocol, in a child process. Each tier runs the
 * same plugin folder; only where it runs differs.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnyLLM, AuthenticationError, PluginCrashedError, registerPlugin } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError, streamChunks, syntheticStream } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { faulty } from './support/faulty-plugin.js';

interface Probe {
  pid: number;
  sandboxed: boolean;
  env: Record<string, string>;
}

let server: LocalServer;
let probeCopy: PluginCopy;
const messages = [{ role: 'user' as const, content: '{}' }];

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (req, res) => {
    const body = req.body as { stream?: boolean; model: string };
    if (body.model === 'no-auth') return sendOpenAIError(res, 401, 'bad key', { type: 'invalid_api_key' });
    if (body.model === 'slow') return streamChunks(res, syntheticStream(500), { delayMs: 10 });
    if (body.stream) return streamChunks(res, syntheticStream(1000));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody(`from ${body.model}`)));
  });
  probeCopy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [server.origin]);
  await registerPlugin(probeCopy.dir);
  process.env.HOSTILE_API_KEY = 'probe-key';
  process.env.OPENAI_API_KEY = 'sk-not-for-the-probe';
});

afterAll(async () => {
  await server.close();
  probeCopy.remove();
});

async function probe(llm: AnyLLM): Promise<Probe> {
  const res = await llm.completion({ model: 'probe', messages });
  return JSON.parse(res.choices[0].message.content as string) as Probe;
}

describe('one plugin, three tiers', () => {
  it.each([
    ['worker', false, false],
    ['process', true, false],
    ['sandbox', true, true],
  ] as const)('runs in the %s tier (own process: %s, sandboxed: %s) with only its declared variables', async (isolation, ownProcess, sandboxed) => {
    const llm = await AnyLLM.create('hostile', { isolation });
    try {
      const seen = await probe(llm);
      expect(seen.pid !== process.pid).toBe(ownProcess);
      expect(seen.sandboxed).toBe(sandboxed);
      // Besides its own: a process plugin gets the host's extra CAs (it has its own certificate store).
      const extraCa = isolation === 'process' && process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {};
      expect(seen.env).toEqual({ HOSTILE_API_KEY: 'probe-key', ...extraCa });
    } finally {
      await llm.close();
    }
  });
});

describe('the process tier', () => {
  it('runs the built-in OpenAI provider: completion, a 1,000-chunk stream in order, and error classes', async () => {
    const llm = await AnyLLM.create('openai', { isolation: 'process', apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
    try {
      expect(llm.isolation).toBe('process');
      const res = await llm.completion({ model: 'gpt-4o-mini', messages });
      expect(res.choices[0].message.content).toBe('from gpt-4o-mini');
      const texts: string[] = [];
      for await (const chunk of llm.completionStream({ model: 'gpt-4o-mini', messages })) {
        const text = chunk.choices[0]?.delta.content;
        if (text) texts.push(text);
      }
      expect(texts).toEqual(Array.from({ length: 1000 }, (_, i) => `t${i} `));
      await expect(llm.completion({ model: 'no-auth', messages })).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await llm.close();
    }
  });

  it('aborts the upstream request when the caller aborts a stream', async () => {
    const llm = await AnyLLM.create('openai', { isolation: 'process', apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
    try {
      const controller = new AbortController();
      const aborted = server.nextAbort();
      const read = (async () => {
        let seen = 0;
        for await (const _chunk of llm.completionStream({ model: 'slow', messages }, { signal: controller.signal })) {
          if (++seen === 5) controller.abort();
        }
      })();
      await expect(read).rejects.toMatchObject({ name: 'AbortError' });
      await aborted;
    } finally {
      await llm.close();
    }
  });

  it('reports a plugin that exits as PluginCrashedError, then starts a fresh one', async () => {
    const llm = await AnyLLM.create('hostile', { isolation: 'process' });
    try {
      const first = await probe(llm);
      const error = await llm
        .completion({ model: 'exit', messages: [{ role: 'user', content: '{"code":3}' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/exited with code 3/);
      const second = await probe(llm);
      expect(second.pid).not.toBe(first.pid);
    } finally {
      await llm.close();
    }
  });

  it('keeps the channel clean when the plugin logs to stdout', async () => {
    // Its 50 protocol-looking lines are captured (pluginStderr: 'pipe') and asserted, not printed.
    const llm = await AnyLLM.create('hostile', { isolation: 'process', pluginStderr: 'pipe' });
    const lines: string[] = [];
    llm.on('plugin:stderr', (event) => lines.push(event.line));
    try {
      const res = await llm.completion({ model: 'log', messages: [{ role: 'user', content: '{"lines":50}' }] });
      expect(JSON.parse(res.choices[0].message.content as string)).toEqual({ logged: 50 });
      await expect.poll(() => lines.filter((line) => line.startsWith('log line ')).length).toBe(50);
    } finally {
      await llm.close();
    }
  });
});

describe('the heap cap of the child-process tiers', () => {
  // The heap cap (--max-old-space-size) and the resident-memory watchdog both end a plugin "out of
  // memory"; only the exit reason tells which one did. A plugin that fills its JS heap must hit the
  // heap cap (64 MiB here) long before the watchdog's resident ceiling (2 x 64 + 128 MiB).
  it.each(['process', 'sandbox'] as const)('%s: a plugin that fills its heap dies of the heap limit, not the resident-memory watchdog', async (isolation) => {
    const llm = await faulty({ isolation, memoryLimitMb: 64 });
    // The host forwards the plugin's stderr (V8's OOM report): captured and asserted, not printed.
    const forwarded: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
      forwarded.push(String(text));
      return true;
    });
    try {
      await llm.start();
      const error = await llm.completion({ model: 'crash:oom', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/ran out of memory \(heap limit 64 MiB\)/);
      expect((error as Error).message).not.toMatch(/resident/);
      expect(forwarded.join('')).toMatch(/\[anyllm:faulty\].*(Reached heap limit|heap out of memory)/);
    } finally {
      stderr.mockRestore();
      await llm.close();
    }
  });
});
