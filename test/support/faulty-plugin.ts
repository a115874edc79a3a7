/**
 * The misbehaving test plugin (test/fixtures/plugins/faulty) and small event-driven helpers for
 * the supervision and fault-injection tests.
 */
import { fileURLToPath } from 'node:url';
import { AnyLLM, registerPlugin, type AnyLLMOptions, type ChatCompletionChunk } from 'anyllm';
import { accumulate } from './accumulate.js';

export const faultyDir = fileURLToPath(new URL('../fixtures/plugins/faulty/', import.meta.url));
export const messages = [{ role: 'user' as const, content: 'Hi' }];

/**
 * A client of the faulty plugin, in a worker unless `options.isolation` says otherwise. Without
 * host retries unless `options.retry` asks for them: the supervision tests watch each fault surface.
 */
export async function faulty(options: AnyLLMOptions = {}): Promise<AnyLLM> {
  const name = await registerPlugin(faultyDir);
  return AnyLLM.create(name, { isolation: 'worker', retry: false, ...options });
}

type Llm = Awaited<ReturnType<typeof faulty>>;
type EventOf<T extends string> = Parameters<Parameters<Llm['on']>[1]>[0] & { type: T };

/** Resolves with the next event of `type` that matches `predicate`. */
export function nextEvent<T extends Parameters<Llm['on']>[0]>(
  llm: Llm,
  type: T,
  predicate: (event: EventOf<T>) => boolean = () => true,
): Promise<EventOf<T>> {
  return new Promise((resolve) => {
    const off = llm.on(type, (event) => {
      if (!predicate(event as EventOf<T>)) return;
      off();
      resolve(event as EventOf<T>);
    });
  });
}

/** Reads a stream to its end: the chunks it gave and the error it ended with, if any. */
export async function drain(
  stream: AsyncIterable<ChatCompletionChunk>,
  onChunk?: (chunk: ChatCompletionChunk, index: number) => void | Promise<void>,
): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      await onChunk?.(chunk, chunks.length - 1);
    }
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

/** The text of the chunks (of a whole stream, or of one cut short), by the one accumulator's rules. */
export function textOf(chunks: ChatCompletionChunk[]): string {
  return accumulate(chunks).content;
}
