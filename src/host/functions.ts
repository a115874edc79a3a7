/**
 * The top-level functions: `completion({ model: 'provider:model' })` without managing a client.
 * One client per provider (and key) is kept; idle plugins never keep the process alive.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { CallOptions, ChatCompletion, ChatCompletionChunk, CompletionParams } from '../types.js';
import { AnyLLM } from './anyllm.js';

/** Per-call options of the top-level functions. */
export interface TopLevelOptions extends CallOptions {
  apiKey?: string;
  apiBase?: string;
}

const clients = new Map<string, Promise<AnyLLM>>();

/** Splits 'provider:model' at the first ':' (model ids may contain ':'). */
export function splitModel(model: unknown): { provider: string; model: string } {
  const at = typeof model === 'string' ? model.indexOf(':') : -1;
  if (at <= 0 || at === (model as string).length - 1) {
    throw new InvalidRequestError(
      `Invalid request: 'model' must be 'provider:model', e.g. 'openai:gpt-4o-mini' (got ${JSON.stringify(model)}).`,
      { code: 'invalid_request' },
    );
  }
  return { provider: (model as string).slice(0, at), model: (model as string).slice(at + 1) };
}

function clientFor(provider: string, options: TopLevelOptions): Promise<AnyLLM> {
  const key = JSON.stringify([provider, options.apiKey ?? null, options.apiBase ?? null]);
  let client = clients.get(key);
  if (!client) {
    client = AnyLLM.create(provider, { apiKey: options.apiKey, apiBase: options.apiBase });
    clients.set(key, client);
    client.catch(() => clients.delete(key));
  }
  return client;
}

/**
 * A chat completion from any provider, named in the model as 'provider:model'.
 *
 * @example
 * ```ts
 * const res = await completion({ model: 'anthropic:claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export async function completion(params: CompletionParams, options: TopLevelOptions = {}): Promise<ChatCompletion> {
  const { provider, model } = splitModel((params as { model?: unknown } | undefined)?.model);
  const client = await clientFor(provider, options);
  return client.completion({ ...params, model }, { signal: options.signal, timeoutMs: options.timeoutMs, idleTimeoutMs: options.idleTimeoutMs });
}

/**
 * A streamed chat completion from any provider, named in the model as 'provider:model'.
 *
 * @example
 * ```ts
 * for await (const chunk of completionStream({ model: 'openai:gpt-4o-mini', messages })) {
 *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * }
 * ```
 */
export function completionStream(
  params: CompletionParams,
  options: TopLevelOptions = {},
): AsyncIterableIterator<ChatCompletionChunk> {
  let inner: AsyncIterator<ChatCompletionChunk> | undefined;
  const open = async () => {
    const { provider, model } = splitModel((params as { model?: unknown } | undefined)?.model);
    const client = await clientFor(provider, options);
    return client.completionStream({ ...params, model }, { signal: options.signal, timeoutMs: options.timeoutMs, idleTimeoutMs: options.idleTimeoutMs });
  };
  let opening: Promise<AsyncIterator<ChatCompletionChunk>> | undefined;
  const iterator: AsyncIterableIterator<ChatCompletionChunk> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      inner ??= await (opening ??= open());
      return inner.next();
    },
    async return() {
      const current = inner ?? (opening ? await opening.catch(() => undefined) : undefined);
      await current?.return?.();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

