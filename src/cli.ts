#!/usr/bin/env node
/**
 * The `anyllm` command: `anyllm chat -m openai:gpt-4o-mini "Hello"` streams a reply to the terminal.
 * Exit codes: 0 done (also when the reader of stdout went away), 1 an error, 2 bad usage, 130 Ctrl-C.
 *
 * @module
 */
// First: an unsupported runtime gets one line and exit code 1, before anyllm loads.
import './cli/runtime-gate.js';
import { readFileSync } from 'node:fs';
import { assemblePrompt, checkProvider, parseCommand, promptReadsStdin, splitTarget, USAGE, UsageError, type Command, type ProviderOptions } from './cli/args.js';
import { runChat, type ReplyOut } from './cli/chat.js';
import { isBrokenPipe, StderrWriter } from './cli/terminal.js';

type AnyLLMModule = typeof import('./index.js');

const err = new StderrWriter(process.stderr, process.env);
const controller = new AbortController();

/** stdout for replies: once its reader has gone (`| head`), the call is aborted and the exit is quiet. */
const out: { closed: boolean; failure?: unknown; write(text: string): void } = {
  closed: false,
  write(text) {
    if (!this.closed) process.stdout.write(text);
  },
};
process.stdout.on('error', (error) => {
  out.closed = true;
  if (!isBrokenPipe(error)) out.failure = error;
  controller.abort();
});

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    return usageFailed(error);
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.command === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  process.once('SIGINT', () => controller.abort());
  try {
    // Loaded only now: `--help`, `--version` and usage errors never load anyllm.
    const anyllm = await import('./index.js');
    for (const plugin of command.plugins) await anyllm.registerPlugin(plugin);
    switch (command.command) {
      case 'providers':
        out.write(`${anyllm.knownProviders().join('\n')}\n`);
        return 0;
      case 'models': {
        checkProvider(command.provider, anyllm.knownProviders());
        const llm = await create(anyllm, command.provider, command);
        try {
          const models = await llm.listModels({ signal: controller.signal });
          for (const model of models) out.write(command.json ? `${JSON.stringify(model)}\n` : `${model.id}\n`);
        } finally {
          await llm.close();
        }
        return 0;
      }
      case 'chat': {
        const { provider, model } = splitTarget(command.target, anyllm.knownProviders());
        // The key is checked before a prompt is read from stdin: typing one first to learn that would be a waste.
        const llm = await create(anyllm, provider, command);
        try {
          const prompt = await readPrompt(command.prompt);
          await runChat(command, { llm, model, prompt, out, err, signal: controller.signal });
        } finally {
          await llm.close();
        }
        return 0;
      }
    }
  } catch (error) {
    if (out.closed && out.failure === undefined) return 0;
    if (error instanceof UsageError) return usageFailed(error);
    if ((error as Error | undefined)?.name === 'AbortError') return 130;
    err.plain(`anyllm: ${describe(error)}\n`);
    if (command.command !== 'providers' && command.verbose && (error as Error)?.stack) err.dim(`${(error as Error).stack}\n`);
    return 1;
  }
}

function create(anyllm: AnyLLMModule, provider: string, options: ProviderOptions) {
  return anyllm.AnyLLM.create(provider, {
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(options.apiBase !== undefined ? { apiBase: options.apiBase } : {}),
  });
}

/** The prompt from the words, with stdin read in place of `-` (or when there are no words and stdin is not a terminal). */
async function readPrompt(words: string[]): Promise<string> {
  if (!promptReadsStdin(words)) return assemblePrompt(words, undefined);
  if (words.length === 0 && process.stdin.isTTY) {
    throw new UsageError("chat needs a prompt: as words (anyllm chat -m openai:gpt-4o-mini Hello), or on stdin (echo Hello | anyllm chat -m ...).");
  }
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  const prompt = assemblePrompt(words, Buffer.concat(parts).toString('utf8'));
  if (!prompt) throw new UsageError('chat needs a prompt, and stdin was empty.');
  return prompt;
}

/** One line: the error's class and message; the CLI's own flags where the library's text names an option. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return `Error: ${String(error)}`;
  let message = error.message;
  const envVar = (error as { envVar?: unknown }).envVar;
  if (error.name === 'MissingApiKeyError' && typeof envVar === 'string') {
    message = message.replace(/pass \{ ?apiKey ?\}/, 'pass --api-key <key>');
    if (!message.includes('--api-key')) message += ` Pass --api-key <key> or set ${envVar}.`;
  }
  const status = (error as { status?: unknown }).status;
  const where = typeof status === 'number' && !message.includes(String(status)) ? ` (HTTP ${status})` : '';
  return `${error.name}${where}: ${message.replace(/\s*\n\s*/g, ' ')}`;
}

function usageFailed(error: unknown): number {
  if (!(error instanceof UsageError)) throw error;
  if (error.message) err.plain(`anyllm: ${error.message}\n`);
  err.plain(error.showUsage ? `${USAGE}\n` : "Run 'anyllm --help' for the options.\n");
  return 2;
}

function version(): string {
  // dist/src/cli.js -> the package's package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

process.exitCode = await main(process.argv.slice(2));
