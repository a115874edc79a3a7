#!/usr/bin/env node
/**
 * The `anyllm` command: `anyllm chat -m openai:gpt-4o-mini "Hello"` streams a reply to the terminal.
 *
 * @module
 */
// First: an unsupported runtime gets one line and exit code 1, before anyllm loads.
import './cli/runtime-gate.js';
import { AnyLLMError, AnyLLM, knownProviders } from './index.js';
import type { ChatMessage } from './types.js';
import { parseCommand, USAGE, UsageError, type ChatCommand } from './cli/args.js';

async function chat(command: ChatCommand): Promise<void> {
  const llm = await AnyLLM.create(command.provider, command.apiBase ? { apiBase: command.apiBase } : {});
  const messages: ChatMessage[] = [];
  if (command.system) messages.push({ role: 'system', content: command.system });
  messages.push({ role: 'user', content: command.prompt });
  const log = (line: string) => command.verbose && process.stderr.write(`\x1b[2m[anyllm] ${line}\x1b[0m\n`);
  log(`client created for '${command.provider}'; plugin running: ${llm.running}`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const started = performance.now();
  let first = true;
  let inReasoning = false;
  let usage = '';
  try {
    const stream = llm.completionStream(
      { model: command.model, messages, max_tokens: command.maxTokens, temperature: command.temperature },
      { signal: controller.signal },
    );
    for await (const chunk of stream) {
      if (first) {
        first = false;
        log(`plugin started in a ${llm.isolation}; first chunk after ${Math.round(performance.now() - started)} ms`);
      }
      const delta = chunk.choices[0]?.delta;
      if (delta?.reasoning) {
        if (!inReasoning) process.stdout.write('\x1b[2m');
        inReasoning = true;
        process.stdout.write(delta.reasoning);
      }
      if (delta?.content) {
        if (inReasoning) process.stdout.write('\x1b[0m\n');
        inReasoning = false;
        process.stdout.write(delta.content);
      }
      if (chunk.usage) usage = `usage: ${chunk.usage.prompt_tokens} tokens in, ${chunk.usage.completion_tokens} out`;
    }
    process.stdout.write('\n');
    if (usage) log(usage);
  } finally {
    await llm.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    switch (command.command) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case 'providers':
        process.stdout.write(`${knownProviders().join('\n')}\n`);
        return 0;
      case 'models': {
        const llm = await AnyLLM.create(command.provider, command.apiBase ? { apiBase: command.apiBase } : {});
        try {
          for (const model of await llm.listModels()) process.stdout.write(`${model.id}\n`);
        } finally {
          await llm.close();
        }
        return 0;
      }
      case 'chat':
        await chat(command);
        return 0;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    const name = (error as Error).name;
    if (name === 'AbortError') return 130;
    const where = error instanceof AnyLLMError && error.status ? ` (HTTP ${error.status})` : '';
    process.stderr.write(`anyllm: ${name}${where}: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
