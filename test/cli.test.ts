// `anyllm` as a user runs it: the built binary in a child process, against a local OpenAI-wire server.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemblePrompt, parseCommand, splitTarget, UsageError } from '../src/cli/args.js';
import { closest } from '../src/cli/suggest.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError, streamChunks, syntheticStream, textChunk } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const ESC = '\x1b';
let server: LocalServer;
let base: string;
let limitedOnce = false;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (always closed: an open pipe would wait for ever). */
  stdin?: string;
  /** Destroy our end of stdout once the first line arrived (`| head -1`). */
  closeAfterFirstLine?: boolean;
  /** Node flags before the script. */
  nodeArgs?: string[];
}

function runCli(args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (options.closeAfterFirstLine && stdout.includes('\n')) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin.on('error', () => {}); // the CLI need not read stdin at all
    child.stdin.end(options.stdin ?? '');
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as a user at a terminal does: stdout
 * and stderr are the same TTY, so the output is both, as the screen would receive it.
 */
function runOnTty(args: string[], env: Record<string, string> = {}): Promise<{ code: number; screen: string }> {
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(' ');
  return new Promise((done) => {
    const child = execFile('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env }, timeout: 30_000 }, (error, stdout) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, screen: stdout });
    });
    child.stdin?.end();
  });
}

/** The request the server got for `model` (each test uses its own model name). */
function requestFor(model: string): { body: Record<string, unknown>; headers: Record<string, unknown> } {
  const found = server.requests.filter((request) => (request.body as { model?: string } | undefined)?.model === model).at(-1);
  if (!found) throw new Error(`no request for model ${model}`);
  return { body: found.body as Record<string, unknown>, headers: found.headers };
}

const key = { OPENAI_API_KEY: 'sk-test' };
const chat = (model: string, ...rest: string[]) => ['chat', '-m', `openai:${model}`, '--api-base', base, ...rest];

function reasoningChunk(reasoning: string): Record<string, unknown> {
  return { ...textChunk(''), choices: [{ index: 0, delta: { reasoning_content: reasoning }, logprobs: null, finish_reason: null }] };
}

beforeAll(async () => {
  server = await LocalServer.start();
  base = `${server.origin}/v1`;
  onChat(server, (req, res) => {
    const body = req.body as { model: string; stream?: boolean };
    if (body.model === 'limited-once' && !limitedOnce) {
      limitedOnce = true;
      return sendOpenAIError(res, 429, 'slow down', { type: 'rate_limit', headers: { 'retry-after': '2' } });
    }
    if (body.model === 'bad') return sendOpenAIError(res, 400, 'this model does not take that');
    if (!body.stream) return sendJson(res, 200, completionBody(`whole reply from ${body.model}`));
    if (body.model === 'reasoner') {
      return streamChunks(res, [reasoningChunk('thinking '), reasoningChunk('hard'), textChunk('the answer'), ...syntheticStream(0)]);
    }
    if (body.model === 'lines') {
      // Enough lines, slowly enough, that the reader has gone before the end.
      const lines = Array.from({ length: 40 }, (_, i) => textChunk(`line ${i}\n`));
      return streamChunks(res, lines, { delayMs: 25 });
    }
    return streamChunks(res, syntheticStream(4));
  });
});
afterAll(() => server.close());

describe('anyllm chat: the prompt', () => {
  it('streams the reply to stdout, from the words given', async () => {
    const result = await runCli(chat('words', 'Hello', 'there'), { env: key });
    expect(result).toEqual({ code: 0, stdout: 't0 t1 t2 t3 \n', stderr: '' });
    expect(requestFor('words').body.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
  });

  it('reads the prompt from stdin when no words are given', async () => {
    const result = await runCli(chat('stdin'), { env: key, stdin: 'Hello from a pipe\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('t0 t1 t2 t3 \n');
    expect(requestFor('stdin').body.messages).toEqual([{ role: 'user', content: 'Hello from a pipe' }]);
  });

  it("reads stdin in place of '-', alone or among words", async () => {
    await runCli(chat('dash', '-'), { env: key, stdin: 'only stdin' });
    expect(requestFor('dash').body.messages).toEqual([{ role: 'user', content: 'only stdin' }]);
    const result = await runCli(chat('dash-words', 'Summarise:', '-'), { env: key, stdin: 'a long text' });
    expect(result.code).toBe(0);
    expect(requestFor('dash-words').body.messages).toEqual([{ role: 'user', content: 'Summarise: a long text' }]);
  });

  it('refuses an empty stdin with exit 2', async () => {
    const result = await runCli(chat('empty'), { env: key, stdin: '  \n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stdin was empty');
  });
});

describe('anyllm chat: output', () => {
  it('--json prints every chunk as one JSON line', async () => {
    const result = await runCli(chat('json', '--json', 'Hi'), { env: key });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const chunks = lines.map((line) => JSON.parse(line) as { object: string; choices: { delta: { content?: string } }[]; usage?: unknown });
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('t0 t1 t2 t3 ');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4 });
  });

  it('--json --no-stream prints the result as one JSON line; --no-stream alone its text', async () => {
    const json = await runCli(chat('whole', '--json', '--no-stream', 'Hi'), { env: key });
    expect(json.code).toBe(0);
    expect(json.stdout.endsWith('\n')).toBe(true);
    const lines = json.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'whole reply from whole' } }] });
    expect(requestFor('whole').body.stream).toBeFalsy();
    const text = await runCli(chat('whole-text', '--no-stream', 'Hi'), { env: key });
    expect(text).toEqual({ code: 0, stdout: 'whole reply from whole-text\n', stderr: '' });
  });

  it('keeps reasoning off stdout: on stderr only with --reasoning or -v, with no escape codes into a pipe', async () => {
    const quiet = await runCli(chat('reasoner', 'Hi'), { env: key });
    expect(quiet).toEqual({ code: 0, stdout: 'the answer\n', stderr: '' });
    for (const flag of ['--reasoning', '-v']) {
      const shown = await runCli(chat('reasoner', flag, 'Hi'), { env: key });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toBe('the answer\n');
      expect(shown.stderr).toContain('thinking hard\n');
      expect(shown.stdout + shown.stderr).not.toContain(ESC);
    }
  });

  it('dims the reasoning with FORCE_COLOR, on stderr only; FORCE_COLOR=0 and NO_COLOR keep it plain', async () => {
    const forced = await runCli(chat('reasoner', '-v', 'Hi'), { env: { ...key, FORCE_COLOR: '1' } });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(`${ESC}[2mthinking `);
    expect(forced.stderr.replace(/\x1b\[\d+m/g, '')).toContain('thinking hard\n');
    expect(forced.stdout).toBe('the answer\n');
    for (const env of [{ FORCE_COLOR: '0' }, { NO_COLOR: '1' }] as Record<string, string>[]) {
      const plain = await runCli(chat('reasoner', '-v', 'Hi'), { env: { ...key, ...env } });
      expect(plain.stderr).toContain('thinking hard');
      expect(plain.stderr).not.toContain(ESC);
    }
  });

  it('ends quietly with exit 0 when the reader of stdout goes away (| head -1)', async () => {
    const result = await runCli(chat('lines', 'Hi'), { env: key, closeAfterFirstLine: true });
    expect(result.stdout.startsWith('line 0\n')).toBe(true);
    expect(result.stdout).not.toContain('line 39');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('anyllm chat: on a terminal', () => {
  it('shows a status line on stderr while it waits (plugin starting, then "retrying in N s" after a 429), erased before the reply', async () => {
    const { code, screen } = await runOnTty(chat('limited-once', 'Hi'), key);
    expect(code).toBe(0);
    expect(screen).toContain('starting the openai plugin (worker)');
    expect(screen).toContain('waiting for openai:limited-once…');
    // The provider asked for 2 s: the host's retry counts them down.
    expect(screen).toContain('rate limited; retrying in 2 s…');
    // The last status is erased (cursor to column 0, line cleared) before the reply is written.
    expect(screen).toMatch(/\r\x1b\[2Kt0 t1 t2 t3 \r?\n$/);
  });

  it('writes no escape code at all with NO_COLOR, not even for the status line', async () => {
    const { code, screen } = await runOnTty(chat('reasoner', '-v', 'Hi'), { ...key, NO_COLOR: '1' });
    expect(code).toBe(0);
    expect(screen).toContain('starting the openai plugin');
    expect(screen).toContain('thinking hard');
    expect(screen).not.toContain(ESC);
    const coloured = await runOnTty(chat('reasoner', '-v', 'Hi'), key);
    expect(coloured.screen).toContain(`${ESC}[2mthinking `);
  });
});

describe('anyllm chat: options that reach the provider', () => {
  it('--api-key is the key, without any variable', async () => {
    const result = await runCli(chat('flag-key', '--api-key', 'sk-from-flag', 'Hi'));
    expect(result.code).toBe(0);
    expect(requestFor('flag-key').headers.authorization).toBe('Bearer sk-from-flag');
  });

  it('--reasoning-effort reaches the request body', async () => {
    const result = await runCli(chat('effort', '--reasoning-effort', 'low', 'Hi'), { env: key });
    expect(result.code).toBe(0);
    expect(requestFor('effort').body.reasoning_effort).toBe('low');
  });

  describe('--plugin', () => {
    let plugin: PluginCopy;
    beforeAll(() => {
      plugin = copyPlugin(resolve('examples/community-plugin'), [server.origin]);
    });
    afterAll(() => plugin.remove());

    it('registers a community plugin and uses it', async () => {
      const result = await runCli(['chat', '--plugin', plugin.dir, '-m', 'acme:acme-1', '--api-key', 'acme-key', '--api-base', base, 'hi']);
      expect(result).toEqual({ code: 0, stdout: 't0 t1 t2 t3 \n', stderr: '' });
      expect(requestFor('acme-1').headers.authorization).toBe('Bearer acme-key');
    });

    it('without --plugin the provider is unknown, and the message says how to add one', async () => {
      const result = await runCli(['chat', '-m', 'acme:acme-1', 'hi']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Unknown provider 'acme'");
      expect(result.stderr).toContain('--plugin');
    });
  });
});

describe('anyllm: exit codes, errors and suggestions', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--version, --help and usage errors never load anyllm itself (the CLI starts fast)', async () => {
    // A module hook in the child that reports every file of dist/ it loads.
    const hook = `data:text/javascript,import { registerHooks } from 'node:module';
      registerHooks({ load(url, context, next) { if (url.includes('/dist/')) process.stderr.write('LOADED ' + url.slice(url.indexOf('/dist/')) + '\\n'); return next(url, context); } });`;
    for (const args of [['--version'], ['--help'], ['chat', '--modle', 'x'], []]) {
      const result = await runCli(args, { nodeArgs: ['--import', hook] });
      const loaded = result.stderr.split('\n').filter((line) => line.startsWith('LOADED '));
      expect(loaded).toContain('LOADED /dist/src/cli.js');
      expect(loaded.filter((line) => !/^LOADED \/dist\/src\/(cli\.js|cli\/|errors\.js)/.test(line))).toEqual([]);
    }
  });

  it('no arguments prints the usage on stderr and exits 2; --help prints it on stdout and exits 0', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage:');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--reasoning-effort');
  });

  it('names --api-key and the variable when there is no key, in one line', async () => {
    const result = await runCli(chat('nokey', 'Hello'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^anyllm: MissingApiKeyError: .*--api-key.*OPENAI_API_KEY.*\n$/);
    expect(result.stderr).not.toContain('{ apiKey }');
  });

  it('prints a provider error as one line, class and message, no stack, and exits 1', async () => {
    const result = await runCli(chat('bad', 'Hello'), { env: key });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^anyllm: InvalidRequestError.*this model does not take that\n$/);
  });

  it.each([
    [['chat', '-m', 'openai/gpt-4o-mini', 'Hi'], 'did you mean -m openai:gpt-4o-mini?'],
    [['chat', '-m', 'opnai:gpt-4o-mini', 'Hi'], "did you mean 'openai'?"],
    [['chat', '--modle', 'openai:x', 'Hi'], "Unknown option '--modle': did you mean --model?"],
    [['chat', '-m', 'openai:x', '--reasoning-effort', 'hgih', 'Hi'], "did you mean 'high'?"],
    [['caht', '-m', 'openai:x', 'Hi'], "did you mean 'chat'?"],
    [['chat', 'Hi'], 'chat needs -m <provider:model>'],
  ])('%j exits 2 with "%s"', async (args, expected) => {
    const result = await runCli(args, { env: key });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toContain('ERR_PARSE_ARGS');
    expect(result.stderr).not.toContain('To specify a positional argument');
  });
});

describe('parseCommand and friends', () => {
  it('parses chat options', () => {
    expect(
      parseCommand(['chat', '-m', 'anthropic:claude-sonnet-4-5', '-s', 'Be brief', '--max-tokens', '100', '-t', '0.5', '--reasoning-effort', 'high', '--reasoning', 'Hi']),
    ).toEqual({
      command: 'chat',
      target: 'anthropic:claude-sonnet-4-5',
      prompt: ['Hi'],
      system: 'Be brief',
      apiKey: undefined,
      apiBase: undefined,
      plugins: [],
      json: false,
      verbose: false,
      maxTokens: 100,
      temperature: 0.5,
      reasoningEffort: 'high',
      stream: true,
      showReasoning: true,
    });
  });

  it.each([[[]], [['chat', 'Hi']], [['chat', '-m', 'openai:x', '--max-tokens', 'lots', 'Hi']], [['chat', '-m', 'openai:x', '--max-tokens', '1.5']], [['dance']], [['chat', '-x']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseCommand(argv)).toThrow(UsageError);
    },
  );

  it('splits provider:model at the first colon and suggests fixes', () => {
    expect(splitTarget('ollama:llama3:8b', ['ollama'])).toEqual({ provider: 'ollama', model: 'llama3:8b' });
    expect(() => splitTarget('groq/llama', ['openai'])).toThrow('-m needs provider:model');
    expect(() => splitTarget('openai:', ['openai'])).toThrow('needs a model');
  });

  it('assembles the prompt around stdin', () => {
    expect(assemblePrompt([], ' text \n')).toBe('text');
    expect(assemblePrompt(['a', '-', 'b'], 'X')).toBe('a X b');
  });

  it('suggests only plausible names', () => {
    expect(closest('antropic', ['anthropic', 'openai'])).toBe('anthropic');
    expect(closest('gemnii', ['gemini', 'groq'])).toBe('gemini');
    expect(closest('zzz', ['anthropic', 'openai'])).toBeUndefined();
  });
});
