/**
 * Cohere's chat stream events → OpenAI chat completion chunks. Pure: what one stream remembers is
 * in its `StreamState`.
 *
 * - `message-start` opens the assistant message; `content-delta` carries `text` (→ `delta.content`)
 *   or, in a thinking block, `thinking` (→ `delta.reasoning`); `tool-plan-delta` is text too;
 * - `tool-call-start` opens one OpenAI tool call (id, name) at the next tool index, and its
 *   `tool-call-delta`s are the argument fragments;
 * - `message-end` gives the finish chunk, then the usage chunk (`choices: []`), or throws for a
 *   generation that ended in ERROR or TIMEOUT.
 *
 * @module
 */
import type { ChatCompletionChunk, ChatCompletionDelta, FinishReason } from '../../src/plugins/index.js';
import { convertUsage, finishReason } from './convert-response.js';
import type { CohereStreamEvent } from './wire-types.js';

/** What one stream remembers between events. */
export interface StreamState {
  provider: string;
  model: string;
  created: number;
  includeUsage: boolean;
  id: string;
  /** Cohere's tool-call event index → OpenAI's tool-call index. */
  tools: Map<number, number>;
}

/**
 * A fresh state for one stream.
 *
 * @example
 * ```ts
 * const state = createStreamState({ provider: 'cohere', model: 'command-a-03-2025', created: 0 });
 * ```
 */
export function createStreamState(options: { provider: string; model: string; created: number; includeUsage?: boolean }): StreamState {
  return { ...options, includeUsage: options.includeUsage ?? true, id: '', tools: new Map() };
}

/**
 * Converts one Cohere stream event to zero or more OpenAI chunks.
 *
 * @example
 * ```ts
 * convertStreamEvent({ type: 'content-delta', index: 0, delta: { message: { content: { text: 'Hi' } } } }, state);
 * // [{ ..., choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }]
 * ```
 */
export function convertStreamEvent(event: CohereStreamEvent, state: StreamState): ChatCompletionChunk[] {
  switch (event.type) {
    case 'message-start':
      if (event.id) state.id = event.id;
      return [chunk(state, { role: 'assistant', content: '' })];
    case 'content-start':
    case 'content-delta': {
      const content = event.delta?.message?.content;
      if (content?.text) return [chunk(state, { content: content.text })];
      if (content?.thinking) return [chunk(state, { reasoning: content.thinking })];
      return [];
    }
    case 'tool-plan-delta': {
      const plan = event.delta?.message?.tool_plan;
      return plan ? [chunk(state, { content: plan })] : [];
    }
    case 'tool-call-start': {
      const call = event.delta?.message?.tool_calls;
      const index = state.tools.size;
      state.tools.set(event.index, index);
      const args = call?.function?.arguments ?? '';
      return [chunk(state, { tool_calls: [{ index, id: call?.id ?? '', type: 'function', function: { name: call?.function?.name ?? '', arguments: args } }] })];
    }
    case 'tool-call-delta': {
      const args = event.delta?.message?.tool_calls?.function?.arguments;
      const index = state.tools.get(event.index);
      return args && index !== undefined ? [chunk(state, { tool_calls: [{ index, function: { arguments: args } }] })] : [];
    }
    case 'message-end': {
      let finish = finishReason(event.delta?.finish_reason, state.provider, event.delta?.error);
      if (finish === 'tool_calls' && state.tools.size === 0) finish = 'stop';
      const out = [chunk(state, {}, finish)];
      if (state.includeUsage) out.push({ ...chunk(state, {}), choices: [], usage: convertUsage(event.delta?.usage) });
      return out;
    }
    default:
      // content-end, tool-call-end, citations, debug: nothing OpenAI's chunk has a field for.
      return [];
  }
}

function chunk(state: StreamState, delta: ChatCompletionDelta, finish: FinishReason | null = null): ChatCompletionChunk {
  return {
    id: state.id,
    object: 'chat.completion.chunk',
    created: state.created,
    model: state.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}
