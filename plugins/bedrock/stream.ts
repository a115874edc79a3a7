/**
 * ConverseStream events → OpenAI-shaped chunks. Pure, with a state object per stream.
 *
 * @module
 */
import {
  type ChatCompletionChunk,
  type ChatCompletionDelta,
  type FinishReason,
  type JsonObject,
} from '../../src/plugins/index.js';
import { convertUsage, finishReason, reasoningProviderData } from './response.js';
import type { ConverseStreamEvent } from './wire.js';

export interface BedrockStreamState {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  /** contentBlockIndex → OpenAI tool-call index. */
  toolIndex: Map<number, number>;
  /** Reasoning text per block until its signature arrives. */
  reasoningText: Map<number, string>;
  signed: JsonObject[];
  /** Blocks were signed since `signed` was last sent. */
  signedUnsent: boolean;
  finish: FinishReason | undefined;
}

/** A fresh state for one stream. */
export function createStreamState(model: string, includeUsage: boolean): BedrockStreamState {
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    model,
    created: Math.floor(Date.now() / 1000),
    includeUsage,
    toolIndex: new Map(),
    reasoningText: new Map(),
    signed: [],
    signedUnsent: false,
    finish: undefined,
  };
}

/**
 * The chunks one event stands for (often none).
 *
 * @example
 * ```ts
 * convertStreamEvent({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hi' } } }, state); // [chunk with delta.content 'Hi']
 * ```
 */
export function convertStreamEvent(event: ConverseStreamEvent, state: BedrockStreamState): ChatCompletionChunk[] {
  const chunk = (delta: ChatCompletionDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id: state.id,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  if ('messageStart' in event) return [chunk({ role: 'assistant', content: '' })];
  if ('contentBlockStart' in event) {
    const { contentBlockIndex, start } = event.contentBlockStart;
    if (!start?.toolUse) return [];
    const index = state.toolIndex.size;
    state.toolIndex.set(contentBlockIndex, index);
    return [chunk({ tool_calls: [{ index, id: start.toolUse.toolUseId, type: 'function', function: { name: start.toolUse.name, arguments: '' } }] })];
  }
  if ('contentBlockDelta' in event) {
    const { contentBlockIndex, delta } = event.contentBlockDelta;
    if (delta.text !== undefined) return delta.text === '' ? [] : [chunk({ content: delta.text })];
    if (delta.toolUse) {
      const index = state.toolIndex.get(contentBlockIndex);
      return index === undefined ? [] : [chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] })];
    }
    const reasoning = delta.reasoningContent;
    if (reasoning) {
      if (reasoning.text !== undefined) {
        state.reasoningText.set(contentBlockIndex, (state.reasoningText.get(contentBlockIndex) ?? '') + reasoning.text);
        return reasoning.text === '' ? [] : [chunk({ reasoning: reasoning.text })];
      }
      if (reasoning.signature !== undefined || reasoning.redactedContent !== undefined) {
        state.signed.push(
          reasoning.signature !== undefined
            ? { text: state.reasoningText.get(contentBlockIndex) ?? '', signature: reasoning.signature }
            : { redactedContent: reasoning.redactedContent! },
        );
        // Sent once, all of them, on the finishing chunk (the last provider_data is the message's):
        // sent again at each signature, they made the stream grow with the square of its blocks.
        state.signedUnsent = true;
        return [];
      }
    }
    return [];
  }
  if ('messageStop' in event) {
    const finish = state.toolIndex.size > 0 && event.messageStop.stopReason === 'tool_use' ? 'tool_calls' : finishReason(event.messageStop.stopReason);
    state.finish = finish;
    const delta: ChatCompletionDelta = state.signedUnsent ? { provider_data: reasoningProviderData(state.signed)! } : {};
    state.signedUnsent = false;
    return [chunk(delta, finish)];
  }
  if ('metadata' in event) {
    const usage = event.metadata.usage;
    if (!usage || !state.includeUsage) return [];
    return [{ id: state.id, object: 'chat.completion.chunk', created: state.created, model: state.model, choices: [], usage: convertUsage(usage) }];
  }
  return [];
}
