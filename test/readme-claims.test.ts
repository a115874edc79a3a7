/**
 * README claims no other test proves: the demo runs with no key and no network, Gemini's base URL
 * comes from GEMINI_BASE_URL, and Azure OpenAI's API version falls back to OPENAI_API_VERSION.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM } from 'anyllm';
import { geminiResponse, onGenerate } from './support/gemini-wire.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody } from './support/openai-wire.js';

let server: LocalServer;
beforeAll(async () => {
  server = await LocalServer.start();
});
afterAll(async () => {
  await server.close();
});

/** Sets `name` for the duration of `run` (the host reads it at `AnyLLM.create`). */
async function withEnv<T>(name: string, value: string, run: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('the README', () => {
  it('`npm run demo` streams a reply with no key and no network (the built demo, in a fresh process)', async () => {
    const env = { ...process.env };
    delete env.OPENAI_API_KEY;
    delete env.OPENAI_BASE_URL;
    const child = spawn(process.execPath, ['scripts/demo.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('$ anyllm chat -m openai:gpt-4o-mini');
    expect(stdout).toContain('The host process never loaded the SDK.');
  }, 60_000);

  it("gemini: the base URL comes from GEMINI_BASE_URL when no apiBase is given", async () => {
    onGenerate(server, 'gemini-2.5-flash', (_req, res) => sendJson(res, 200, geminiResponse([{ text: 'from the variable' }], { finishReason: 'STOP' })));
    const llm = await withEnv('GEMINI_BASE_URL', server.origin, () => AnyLLM.create('gemini', { apiKey: 'k' }));
    try {
      const res = await llm.completion({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0].message.content).toBe('from the variable');
    } finally {
      await llm.close();
    }
  });

  it('azureopenai: the API version falls back to OPENAI_API_VERSION', async () => {
    server.on('POST', '/openai/deployments/my-deployment/chat/completions', (_req, res) => sendJson(res, 200, completionBody('ok')));
    const requests = server.requests.length;
    const llm = await withEnv('OPENAI_API_VERSION', '2099-01-01-preview', () =>
      AnyLLM.create('azureopenai', { apiKey: 'k', apiBase: server.origin, retry: false }),
    );
    try {
      await llm.completion({ model: 'my-deployment', messages: [{ role: 'user', content: 'hi' }] });
      expect(server.requests.slice(requests).map((r) => r.query.get('api-version'))).toEqual(['2099-01-01-preview']);
    } finally {
      await llm.close();
    }
  });
});
