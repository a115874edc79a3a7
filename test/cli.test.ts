// `anyllm chat` streams a reply to the terminal; bad usage and missing keys say what is wrong.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../src/cli/args.js';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
let server: LocalServer;

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (_req, res) => streamChunks(res, syntheticStream(4)));
});
afterAll(() => server.close());

describe('anyllm chat', () => {
  it('streams the reply to stdout', async () => {
    const result = await runCli(['chat', '-m', 'openai:gpt-4o-mini', '--api-base', `${server.origin}/v1`, 'Hello', 'there'], {
      OPENAI_API_KEY: 'sk-test',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('t0 t1 t2 t3 \n');
    const body = server.requests.at(-1)?.body as { model: string; messages: unknown[] };
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
  });

  it('says which variable to set when there is no key', async () => {
    const result = await runCli(['chat', '-m', 'openai:gpt-4o-mini', 'Hello']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MissingApiKeyError');
    expect(result.stderr).toContain('OPENAI_API_KEY');
  });

  it('prints usage and exits 2 for a model without a provider', async () => {
    const result = await runCli(['chat', '-m', 'gpt-4o-mini', 'Hello']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('provider:model');
  });
});

describe('parseCommand', () => {
  it('parses chat options', () => {
    expect(parseCommand(['chat', '-m', 'anthropic:claude-sonnet-4-5', '-s', 'Be brief', '--max-tokens', '100', '-t', '0.5', 'Hi'])).toEqual({
      command: 'chat',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      prompt: 'Hi',
      system: 'Be brief',
      apiBase: undefined,
      maxTokens: 100,
      temperature: 0.5,
      verbose: false,
    });
  });

  it.each([[['chat', 'Hi']], [['chat', '-m', 'openai:x']], [['chat', '-m', 'openai:x', '--max-tokens', 'lots', 'Hi']], [['dance']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseCommand(argv)).toThrow(UsageError);
    },
  );
});
