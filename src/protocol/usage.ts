/**
 * Usage that adds up, whatever the provider reported. Every completion and stream a plugin answers
 * passes through here (the plugin runtime, `serve.ts`, applies it), so a built-in and a community
 * plugin give the same guarantees:
 *
 * - `prompt_tokens + completion_tokens === total_tokens`;
 * - reasoning tokens are inside `completion_tokens` (as OpenAI counts them) and shown in
 *   `completion_tokens_details.reasoning_tokens`. A provider that counts them outside (xAI: prompt
 *   291 + completion 26 + reasoning 189 = total 506) is recognised by its arithmetic and corrected;
 * - cache reads are `prompt_tokens_details.cached_tokens`, cache writes
 *   `prompt_tokens_details.cache_write_tokens`, both inside `prompt_tokens` (a plugin maps its
 *   provider's names to these; this step only makes the totals consistent);
 * - a stream reports usage once, on a final chunk whose `choices` is empty: usage on chunks with
 *   choices (DeepSeek, Groq and Mistral put it on the finish chunk) is moved there, and of several
 *   usages (Perplexity sends a running total on every chunk) the last one, which counts everything,
 *   is kept.
 *
 * @module
 */
import type { ChatCompletionChunk, CompletionUsage } from '../types.js';

/** A token count: a finite, non-negative number. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * Makes one usage object add up, in place (it is a fresh object from the provider's response), and
 * returns it. A usage that is not made of token counts is left as it is, for the host's shape check
 * to name what is wrong with it (`result-shape.ts`) instead of being hidden as zeros here.
 *
 * @example
 * ```ts
 * normaliseUsage({ prompt_tokens: 291, completion_tokens: 26, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } });
 * // { prompt_tokens: 291, completion_tokens: 215, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } }
 * ```
 */
export function normaliseUsage(usage: CompletionUsage): CompletionUsage {
  const { prompt_tokens: prompt, total_tokens: total } = usage;
  let completion = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  if (!isCount(prompt) || !isCount(completion) || !isCount(total) || !isCount(reasoning)) return usage;
  // Reasoning counted beside the completion, not in it: more reasoning than completion tokens, or a
  // total that only adds up with the reasoning added (xAI).
  if (reasoning > completion || total === prompt + completion + reasoning) completion += reasoning;
  usage.completion_tokens = completion;
  usage.total_tokens = prompt + completion;
  return usage;
}

/**
 * The per-stream step that moves usage to one final chunk with empty `choices`. Feed it every chunk
 * in order with {@link StreamUsage.take}, send what it returns, and send {@link StreamUsage.end}'s
 * chunk, if any, last.
 *
 * @example
 * ```ts
 * const usage = new StreamUsage();
 * for await (const chunk of source) {
 *   const out = usage.take(chunk);
 *   if (out) send(out);
 * }
 * const last = usage.end();
 * if (last) send(last);
 * ```
 */
export class StreamUsage {
  #usage: CompletionUsage | undefined;
  /** The usage-only chunk the provider sent last: the final chunk keeps its fields. */
  #usageOnly: ChatCompletionChunk | undefined;
  /** The last chunk with choices: the final chunk's id, model and time when no usage-only chunk came. */
  #last: ChatCompletionChunk | undefined;

  /**
   * The usage received so far, normalised (a copy), or undefined: the host's accounting of a
   * stream that is cut short before its end sees it beside the chunks (`ChunksNotification.usage`).
   */
  get current(): CompletionUsage | undefined {
    return this.#usage === undefined ? undefined : normaliseUsage(structuredClone(this.#usage));
  }

  /** The chunk to send now, without usage; `undefined` when it carried nothing else (held for the end). */
  take(chunk: ChatCompletionChunk): ChatCompletionChunk | undefined {
    // A malformed chunk goes on unchanged: the host's shape check names what is wrong with it.
    if (typeof chunk !== 'object' || chunk === null || !Array.isArray(chunk.choices)) return chunk;
    const usage = chunk.usage;
    // `usage: null` is OpenAI's "no usage on this chunk" (every chunk has it under include_usage).
    if (typeof usage !== 'object' || usage === null) {
      this.#last = chunk;
      return chunk;
    }
    this.#usage = usage; // a later usage replaces an earlier one: the last counts everything
    if (chunk.choices.length === 0) {
      this.#usageOnly = chunk;
      return undefined;
    }
    const { usage: _moved, ...rest } = chunk;
    this.#last = rest;
    return rest;
  }

  /** The final usage chunk, once the stream has ended; `undefined` when no usage came. */
  end(): ChatCompletionChunk | undefined {
    const usage = this.#usage;
    if (usage === undefined) return undefined;
    if (this.#usageOnly) return { ...this.#usageOnly, choices: [], usage: normaliseUsage(usage) };
    const last = this.#last as ChatCompletionChunk;
    const chunk: ChatCompletionChunk = { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage: normaliseUsage(usage) };
    if (last.system_fingerprint !== undefined) chunk.system_fingerprint = last.system_fingerprint;
    if (last.service_tier !== undefined) chunk.service_tier = last.service_tier;
    return chunk;
  }
}
