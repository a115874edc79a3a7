/**
 * Thinking blocks on `provider_data`: Anthropic signs each thinking block, and a signed block must be
 * sent back unchanged (text and signature) when the caller passes the assistant message into the
 * next turn. They ride under the `anthropic` key so another provider's data never mixes in.
 *
 * @module
 */
import type { JsonObject } from '../../src/plugins/index.js';
import type { AnthropicRedactedThinkingBlock, AnthropicThinkingBlock } from './wire-types.js';

export type ThinkingBlock = AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;

/**
 * Wraps the thinking blocks of one assistant turn as `provider_data`.
 *
 * @example
 * ```ts
 * toProviderData([{ type: 'thinking', thinking: '2+2=4', signature: 'sig' }]);
 * // { anthropic: { thinking: [{ type: 'thinking', thinking: '2+2=4', signature: 'sig' }] } }
 * ```
 */
export function toProviderData(blocks: readonly ThinkingBlock[]): JsonObject {
  return { anthropic: { thinking: blocks.map((block) => ({ ...block })) } };
}

/**
 * The thinking blocks carried on an assistant message's `provider_data`, in order; blocks that are
 * not well-formed (or data from another provider) are ignored.
 *
 * @example
 * ```ts
 * fromProviderData(message.provider_data); // [{ type: 'thinking', thinking, signature }]
 * ```
 */
export function fromProviderData(data: JsonObject | undefined): ThinkingBlock[] {
  const own = data?.anthropic;
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return [];
  const blocks = own.thinking;
  if (!Array.isArray(blocks)) return [];
  const result: ThinkingBlock[] = [];
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) continue;
    if (block.type === 'thinking' && typeof block.thinking === 'string' && typeof block.signature === 'string') {
      result.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      result.push({ type: 'redacted_thinking', data: block.data });
    }
  }
  return result;
}
