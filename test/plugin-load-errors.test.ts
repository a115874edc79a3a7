/**
 * Errors a community plugin's author can act on, through the public API in the sandbox tier: a
 * syntax error names its file and line, an undeclared dependency names the plugin's package.json,
 * a missing SDK is a MissingSdkError with the install command (its class kept across the wire), a
 * sandbox denial says what the plugin tried and what the sandbox allows, and an upstream status
 * is said once.
 */
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AnyLLM, MissingSdkError, ProviderError, RateLimitError, registerPlugin } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-load-errors-')));
const openaiPackage = fileURLToPath(new URL('../node_modules/openai', import.meta.url));
const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A community plugin `<root>/node_modules/<name>` with `files`; `dependencies` declared in its package.json. */
async function plugin(files: Record<string, string>, dependencies: Record<string, string> = {}, network: string[] = []): Promise<AnyLLM> {
  const provider = `loadtest${++count}`;
  const dir = join(root, 'node_modules', `anyllm-plugin-${provider}`);
  mkdirSync(dir, { recursive: true });
  const manifest = { provider, entry: './index.js', env: [], apiKeyEnv: null, network, capabilities: { completion: true, streaming: true } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `anyllm-plugin-${provider}`, type: 'module', dependencies, anyllm: manifest }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  await registerPlugin(dir);
  const llm = await AnyLLM.create(provider, { isolation: 'sandbox', apiBase: 'http://127.0.0.1:9/v1', pluginStderr: 'pipe' });
  open.push(llm);
  return llm;
}

const PROVIDER = (body: string) => `import { Provider } from 'anyllm/plugin';
export default class P extends Provider {
  async initClient() {}
  async completion() { ${body} }
  async *completionStream() {}
}
`;

describe('a community plugin that fails to load', () => {
  it('names the file and line of a syntax error in its entry', async () => {
    const llm = await plugin({ 'index.js': `import { Provider } from 'anyllm/plugin';\nexport default class P extends Provider {\n  foo( {\n}\n` });
    const error = await llm.start().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/failed to load \(.*\/index\.js(:\d+)?\)/);
  });

  it('names the file and line of a syntax error in a module its entry imports', async () => {
    const llm = await plugin({
      'index.js': `import { helper } from './helper.js';\n${PROVIDER('return helper();')}`,
      'helper.js': `export function helper() {\n  return 1;\n}\nconst = 2;\n`,
    });
    const error = await llm.start().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/failed to load \(.*\/helper\.js:4\)/);
  });

  it("names its package.json when it imports an installed package it does not declare", async () => {
    mkdirSync(join(root, 'node_modules'), { recursive: true });
    try {
      symlinkSync(openaiPackage, join(root, 'node_modules', 'openai'), 'dir');
    } catch {}
    const llm = await plugin({ 'index.js': `import OpenAI from 'openai';\n${PROVIDER('return new OpenAI();')}` });
    const error = await llm.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingSdkError);
    expect((error as MissingSdkError).code).toBe('undeclared_dependency');
    expect((error as Error).message).toMatch(/imports 'openai', which .*package\.json does not declare/);
    expect((error as Error).message).not.toMatch(/npm install/);
  });

  it('is a MissingSdkError naming the package and the install command when a declared one is not installed', async () => {
    const llm = await plugin({ 'index.js': `import x from 'anyllm-no-such-sdk';\n${PROVIDER('return x;')}` }, { 'anyllm-no-such-sdk': '1.0.0' });
    const error = await llm.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingSdkError);
    expect(error).not.toBeInstanceOf(ProviderError);
    expect((error as MissingSdkError).packageName).toBe('anyllm-no-such-sdk');
    expect((error as MissingSdkError).installCommand).toBe('npm install anyllm-no-such-sdk');
    expect((error as Error).message).toContain('`npm install anyllm-no-such-sdk`');
  });
});

describe('a sandbox denial', () => {
  it('says what the plugin tried and what the sandbox allows, not a Node flag', async () => {
    const llm = await plugin({
      'index.js': PROVIDER(`const { writeFileSync } = await import('node:fs'); writeFileSync(${JSON.stringify(join(root, 'written.txt'))}, 'x');`),
    });
    const error = await llm.completion({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/sandbox does not let plugin 'loadtest\d+' write files/);
    expect((error as Error).message).toMatch(/may only read its own folder/);
    expect((error as Error).message).not.toMatch(/--allow-fs/);
    expect((error as ProviderError).code).toBe('sandbox_denied');
  });
});

describe('an upstream status', () => {
  it('is said once, not as "429 ..." again in the message', async () => {
    const server = await LocalServer.start();
    try {
      server.on('POST', '/v1/chat/completions', (_req, res) => sendJson(res, 429, { error: { message: 'Slow down', type: 'rate_limit' } }));
      const llm = await AnyLLM.create('openai', { apiKey: 'k', apiBase: `${server.origin}/v1`, retry: false });
      open.push(llm);
      const error = await llm.completion({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).status).toBe(429);
      expect((error as Error).message).toBe('Slow down');
    } finally {
      await server.close();
    }
  });
});
