// Red team (issue 10): `close()` gives a client's calls the grace period to finish, and that
// includes a call being served by a fallback step (which runs on the fallback provider's plugin,
// through a client the closing client made and closes with it).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnyLLM, PluginUnavailableError, registerPlugin } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';
import { faultyDir, messages } from './support/faulty-plugin.js';

let server: LocalServer;
let arrived: () => void = () => {};
let delayMs = 500;

beforeAll(async () => {
  server = await LocalServer.start();
  await registerPlugin(faultyDir);
  // The fallback provider answers, slowly.
  onChat(server, async (_req, res) => {
    arrived();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('from the fallback')));
  });
});
afterAll(() => server.close());
afterEach(() => {
  vi.unstubAllEnvs();
  server.requests.length = 0;
});

describe('close() during a fallback step', () => {
  it('lets the step finish within the grace period instead of killing it at once', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-fallback');
    vi.stubEnv('OPENAI_BASE_URL', `${server.origin}/v1`);
    const llm = await AnyLLM.create('faulty', { isolation: 'worker', retry: false });
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const call = llm.completion({ model: 'status:503', messages }, { fallbacks: ['openai:gpt-4o'] }).catch((e: unknown) => e);
    await reached; // the fallback step is at the provider now
    const closing = llm.close();
    const res = await call;
    await closing;
    expect(res).toMatchObject({ choices: [{ message: { content: 'from the fallback' } }] });
    expect(server.requests).toHaveLength(1);
  });

  it("ends the step when the grace period is over, though the fallback provider's plugin serves other clients", async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-fallback');
    vi.stubEnv('OPENAI_BASE_URL', `${server.origin}/v1`);
    delayMs = 20_000;
    const supervision = { shutdownGraceMs: 300 };
    // The app's own openai client: it shares the plugin with the fallback client (same settings).
    const other = await AnyLLM.create('openai', { retry: false, supervision });
    const llm = await AnyLLM.create('faulty', { isolation: 'worker', retry: false, supervision });
    try {
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const call = llm.completion({ model: 'status:503', messages }, { fallbacks: ['openai:gpt-4o'] }).catch((e: unknown) => e);
      await reached;
      await llm.close();
      // Ended by the close, not left running (and billed) after it.
      expect(await call).toBeInstanceOf(PluginUnavailableError);
      expect(other.running).toBe(true);
    } finally {
      delayMs = 500;
      await other.close();
    }
  });
});
