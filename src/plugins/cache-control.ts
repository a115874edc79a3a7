/**
 * Anthropic-style prompt-cache marks (`cache_control` on content parts and function tools, see
 * `CacheControl` in types.ts). A provider that cannot send them upstream calls `rejectCacheControl`,
 * so a mark is refused with `UnsupportedParameterError` naming where it is instead of being
 * dropped, and the caller learns that nothing will be cached.
 *
 * @module
 */
import { UnsupportedParameterError } from '../errors.js';
import type { CompletionParams } from '../types.js';

/**
 * The path of the first `cache_control` in `params` (the request's own, `tools[0].cache_control`,
 * `messages[1].content[0].cache_control`), or `undefined` when there is none.
 *
 * @example
 * ```ts
 * findCacheControl({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] }] });
 * // 'messages[0].content[0].cache_control'
 * ```
 */
export function findCacheControl(params: CompletionParams): string | undefined {
  if (params.cache_control !== undefined) return 'cache_control';
  const tools = params.tools ?? [];
  for (let i = 0; i < tools.length; i++) {
    if ((tools[i] as { cache_control?: unknown }).cache_control !== undefined) return `tools[${i}].cache_control`;
  }
  for (let i = 0; i < params.messages.length; i++) {
    const content = (params.messages[i] as { content?: unknown }).content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const part = content[j] as { cache_control?: unknown } | null;
      if (part && typeof part === 'object' && part.cache_control !== undefined) return `messages[${i}].content[${j}].cache_control`;
    }
  }
  return undefined;
}

/**
 * Throws `UnsupportedParameterError` naming the first `cache_control` in `params`.
 *
 * @param provider the provider name, for the error
 * @example
 * ```ts
 * rejectCacheControl(params, 'gemini'); // Gemini caches with `cached_content` instead
 * ```
 */
export function rejectCacheControl(params: CompletionParams, provider: string, hint = "cache_control is Anthropic's prompt caching."): void {
  const at = findCacheControl(params);
  if (at !== undefined) throw new UnsupportedParameterError(at, provider, hint);
}
