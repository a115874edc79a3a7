/**
 * `anyllm chat`: one call, its reply on stdout (text, or JSON lines with `--json`), reasoning and
 * progress on stderr.
 *
 * @module
 */
import type { AnyLLM, ChatCompletionChunk, ChatMessage, CompletionParams } from '../index.js';
import type { ChatCommand } from './args.js';
import type { StderrWriter } from './terminal.js';
import { WaitStatus } from './wait-status.js';

/** Where the reply goes: a stdout that stops quietly once its reader has gone (`| head`). */
export interface ReplyOut {
  write(text: string): void;
  /** Whether the reader went away; nothing more is written then. */
  readonly closed: boolean;
}

/** What `runChat` needs besides the command. */
export interface ChatContext {
  llm: AnyLLM;
  model: string;
  prompt: string;
  out: ReplyOut;
  err: StderrWriter;
  signal: AbortSignal;
}

/**
 * Sends the prompt and prints the reply.
 *
 * @example
 * ```ts
 * await runChat(command, { llm, model: 'gpt-4o-mini', prompt: 'Hi', out, err, signal });
 * ```
 */
export async function runChat(command: ChatCommand, context: ChatContext): Promise<void> {
  const { llm, model, prompt, out, err, signal } = context;
  const messages: ChatMessage[] = [];
  if (command.system) messages.push({ role: 'system', content: command.system });
  messages.push({ role: 'user', content: prompt });
  const params: CompletionParams = {
    model,
    messages,
    max_tokens: command.maxTokens,
    temperature: command.temperature,
    reasoning_effort: command.reasoningEffort,
  };
  const log = (line: string) => command.verbose && err.log(line);
  log(`client created for '${llm.provider}'; plugin running: ${llm.running}`);
  const status = new WaitStatus(llm, `${llm.provider}:${model}`, err);
  const started = performance.now();
  try {
    if (!command.stream) {
      const result = await llm.completion(params, { signal });
      status.stop();
      if (command.json) return out.write(`${JSON.stringify(result)}\n`);
      const message = result.choices[0]?.message;
      if (command.showReasoning && message?.reasoning) err.dim(`${message.reasoning}\n`);
      const text = message?.content ?? message?.refusal ?? '';
      out.write(text.endsWith('\n') ? text : `${text}\n`);
      if (result.usage) log(`usage: ${result.usage.prompt_tokens} tokens in, ${result.usage.completion_tokens} out`);
      return;
    }
    const printer = new ChunkPrinter(command, out, err);
    let first = true;
    let usage = '';
    for await (const chunk of llm.completionStream(params, { signal })) {
      if (first) {
        first = false;
        status.stop();
        log(`plugin started in a ${llm.isolation}; first chunk after ${Math.round(performance.now() - started)} ms`);
      }
      if (out.closed) break;
      printer.print(chunk);
      if (chunk.usage) usage = `usage: ${chunk.usage.prompt_tokens} tokens in, ${chunk.usage.completion_tokens} out`;
    }
    printer.end();
    if (usage) log(usage);
  } finally {
    status.stop();
  }
}

/** Prints chunks as they come: content to stdout, reasoning dimmed to stderr (when asked), or each chunk as JSON. */
class ChunkPrinter {
  readonly #command: ChatCommand;
  readonly #out: ReplyOut;
  readonly #err: StderrWriter;
  #inReasoning = false;
  #wrote = false;
  #lastChar = '';

  constructor(command: ChatCommand, out: ReplyOut, err: StderrWriter) {
    this.#command = command;
    this.#out = out;
    this.#err = err;
  }

  print(chunk: ChatCompletionChunk): void {
    if (this.#command.json) return this.#out.write(`${JSON.stringify(chunk)}\n`);
    const delta = chunk.choices[0]?.delta;
    if (delta?.reasoning && this.#command.showReasoning) {
      this.#inReasoning = true;
      this.#err.dim(delta.reasoning);
    }
    const text = delta?.content || delta?.refusal;
    if (text) {
      this.#endReasoning();
      this.#out.write(text);
      this.#wrote = true;
      this.#lastChar = text.at(-1) ?? this.#lastChar;
    }
  }

  /** Ends the reply with a newline, unless it ended with one (JSON lines end their own). */
  end(): void {
    this.#endReasoning();
    if (!this.#command.json && (!this.#wrote || this.#lastChar !== '\n')) this.#out.write('\n');
  }

  #endReasoning(): void {
    if (!this.#inReasoning) return;
    this.#inReasoning = false;
    this.#err.plain('\n');
  }
}
