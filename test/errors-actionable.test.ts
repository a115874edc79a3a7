/**
 * Errors a user can act on, and a debug log without keys: a misspelt client option, a missing
 * SDK's own class, the debug switch, and a plugin's stderr delivered as events.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnyLLM, InvalidRequestError, MissingSdkError, ProviderError } from 'anyllm';
import { MissingSdkError as PluginMissingSdkError } from 'anyllm/plugin';
import { LocalServer, sendJson } from './support/local-server.js';

const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  vi.restoreAllMocks();
});

describe('client options', () => {
  it('a misspelt option gets InvalidRequestError naming the closest known one', async () => {
    const error = await AnyLLM.create('openai', { apiKey: 'k', maxRetires: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/'maxRetires'.*did you mean 'maxRetries'/i);
  });

  it('known options pass, and a community plugin is not checked', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'k', retry: false, timeout: 1000, organization: 'o' });
    open.push(llm);
    expect(llm.provider).toBe('openai');
  });
});

describe('MissingSdkError', () => {
  it('is one class exported from anyllm and anyllm/plugin, not a ProviderError', () => {
    expect(PluginMissingSdkError).toBe(MissingSdkError);
    const error = new MissingSdkError('x', { packageName: 'openai' });
    expect(error).not.toBeInstanceOf(ProviderError);
    expect(error.installCommand).toBe('npm install openai');
  });
});

describe('debug log', () => {
  it("logLevel: 'debug' logs lifecycle and calls, never the key", async () => {
    const server = await LocalServer.start();
    server.on('POST', '/v1/chat/completions', (_req, res) =>
      sendJson(res, 200, {
        id: 'c', object: 'chat.completion', created: 1, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      }),
    );
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const key = 'sk-never-print-me-12345';
      const llm = await AnyLLM.create('openai', { apiKey: key, apiBase: `${server.origin}/v1`, retry: false, logLevel: 'debug' });
      open.push(llm);
      await llm.completion({ model: 'm', messages: [{ role: 'user', content: 'secret prompt' }] });
      await llm.close();
      const log = written.join('');
      expect(log).toMatch(/\[anyllm\] openai plugin:start/);
      expect(log).toMatch(/\[anyllm\] openai plugin:ready/);
      expect(log).toMatch(/\[anyllm\] openai call:start #\d+ completion model=m/);
      expect(log).toMatch(/\[anyllm\] openai call:end #\d+ completion ok/);
      expect(log).not.toContain(key);
      expect(log).not.toContain('secret prompt');
    } finally {
      await server.close();
    }
  });

  it('ANYLLM_LOG=debug switches it on for every client', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    vi.stubEnv('ANYLLM_LOG', 'debug');
    try {
      const llm = await AnyLLM.create('openai', { apiKey: 'sk-env-switch-secret', apiBase: 'http://127.0.0.1:9/v1', retry: false });
      open.push(llm);
      await llm.start();
    } finally {
      vi.unstubAllEnvs();
    }
    expect(written.join('')).toMatch(/\[anyllm\] openai plugin:ready startupMs=\d+/);
    expect(written.join('')).not.toContain('sk-env-switch-secret');
  });

  it('is off by default', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const llm = await AnyLLM.create('openai', { apiKey: 'k', apiBase: 'http://127.0.0.1:9/v1', retry: false });
    open.push(llm);
    await llm.start();
    expect(written.join('')).not.toMatch(/\[anyllm\] /);
  });

  it('rejects an unknown logLevel and pluginStderr', async () => {
    await expect(AnyLLM.create('openai', { apiKey: 'k', logLevel: 'verbose' as 'debug' })).rejects.toThrow(InvalidRequestError);
    await expect(AnyLLM.create('openai', { apiKey: 'k', pluginStderr: 'loud' as 'pipe' })).rejects.toThrow(InvalidRequestError);
  });
});
