/**
 * A usage estimate for a stream that ended before the provider's usage chunk (the caller aborted,
 * or it failed): the tokens were spent all the same, and spend tracking must not lose them. About
 * four characters a token, OpenAI's rule of thumb for English; marked as an estimate wherever shown.
 *
 * @module
 */
import type { ChatCompletionChunk, CompletionParams, CompletionUsage } from '../types.js';

const CHARS_PER_TOKEN = 4;

/**
 * Characters of content, reasoning and tool-call arguments in a batch of chunks.
 *
 * @example
 * ```ts
 * countDeltaChars([{ choices: [{ index: 0, delta: { content: 'Hello' } }] } as ChatCompletionChunk]); // 5
 * ```
 */
export function countDeltaChars(chunks: readonly ChatCompletionChunk[]): number {
  let chars = 0;
  for (const chunk of chunks) {
    const choices = chunk.choices;
    if (!Array.isArray(choices)) continue;
    for (const choice of choices) {
      const delta = choice?.delta;
      if (!delta) continue;
      if (typeof delta.content === 'string') chars += delta.content.length;
      if (typeof delta.reasoning === 'string') chars += delta.reasoning.length;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const args = call?.function?.arguments;
          if (typeof args === 'string') chars += args.length;
        }
      }
    }
  }
  return chars;
}

/**
 * Estimated usage of a stream: the prompt from the request's messages and tools, the completion
 * from what was received.
 *
 * @example
 * ```ts
 * estimateUsage({ model: 'm', messages: [{ role: 'user', content: 'Hi there' }] }, 40).completion_tokens; // 10
 * ```
 */
export function estimateUsage(params: CompletionParams, receivedChars: number): CompletionUsage {
  let promptChars = 0;
  for (const message of params.messages ?? []) promptChars += textLength(message);
  if (params.tools) promptChars += textLength(params.tools);
  const prompt_tokens = Math.ceil(promptChars / CHARS_PER_TOKEN);
  const completion_tokens = Math.ceil(receivedChars / CHARS_PER_TOKEN);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** Characters of the text in a message (or tools), without the JSON around it; images count nothing. */
function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  let chars = 0;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'image_url' || key === 'file' || key === 'input_audio' || key === 'role' || key === 'type') continue;
    chars += textLength(item);
  }
  return chars;
}
