/**
 * Anthropic stream events → OpenAI chat completion chunks. Pure: everything one stream needs to
 * remember lives in its `StreamState`.
 *
 * - text deltas become `delta.content`, thinking deltas `delta.reasoning`;
 * - each `tool_use` block becomes one OpenAI tool call with its own `index` (counted over tool
 *   calls only): the first chunk carries `id`, `type` and `name`, later ones argument fragments
 *   that concatenate to the JSON input (`{}` for a tool without arguments);
 * - the signed and redacted thinking blocks go on the finishing chunk's `delta.provider_data`
 *   (`{ anthropic: { thinking: [...] } }`), all of them, once: as for every provider, the last
 *   `provider_data` of a stream is the one to put on the assistant message sent back (sent again
 *   at each block's end, they made the stream's bytes grow with the square of its blocks);
 * - `message_delta` gives the finish reason, `message_stop` the usage chunk (`choices: []`).
 *
 * @module
 */
import type { ChatCompletionChunk, ChatCompletionDelta, FinishReason } from '../../src/plugins/index.js';
import { convertUsage, finishReason } from './convert-response.js';
import { toProviderData, type ThinkingBlock } from './provider-data.js';
import type { AnthropicAssistantBlock, AnthropicStreamEvent, AnthropicUsage } from './wire-types.js';

type BlockState =
  | { kind: 'text' }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted'; data: string }
  | { kind: 'tool'; index: number; sentArguments: boolean }
  | { kind: 'json'; sentArguments: boolean }
  | { kind: 'other' };

/** What one stream remembers between events. */
export interface StreamState {
  created: number;
  jsonTool: string | undefined;
  includeUsage: boolean;
  id: string;
  model: string;
  usage: AnthropicUsage;
  blocks: Map<number, BlockState>;
  toolCalls: number;
  /** The signed and redacted thinking blocks so far, in order. */
  thinking: ThinkingBlock[];
  /** Blocks were added since `thinking` was last sent. */
  thinkingUnsent: boolean;
}

/**
 * A fresh state for one stream.
 *
 * @param options `created`: the timestamp to report; `jsonTool`: the JSON tool's name in
 *   `json_object` mode; `includeUsage`: false when the caller set `stream_options.include_usage: false`
 * @example
 * ```ts
 * const state = createStreamState({ created: Math.floor(Date.now() / 1000) });
 * for await (const event of stream) yield* convertStreamEvent(event, state);
 * ```
 */
export function createStreamState(options: { created: number; jsonTool?: string; includeUsage?: boolean }): StreamState {
  return {
    created: options.created,
    jsonTool: options.jsonTool,
    includeUsage: options.includeUsage ?? true,
    id: '',
    model: '',
    usage: {},
    blocks: new Map(),
    toolCalls: 0,
    thinking: [],
    thinkingUnsent: false,
  };
}

/**
 * Converts one Anthropic stream event to zero or more OpenAI chunks.
 *
 * @example
 * ```ts
 * convertStreamEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }, state);
 * // [{ ..., choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }]
 * ```
 */
export function convertStreamEvent(event: AnthropicStreamEvent, state: StreamState): ChatCompletionChunk[] {
  switch (event.type) {
    case 'message_start':
      state.id = event.message.id;
      state.model = event.message.model;
      state.usage = { ...event.message.usage };
      return [chunk(state, { role: 'assistant', content: '' })];
    case 'content_block_start':
      return blockStart(event.index, event.content_block as AnthropicAssistantBlock, state);
    case 'content_block_delta':
      return blockDelta(event.index, event.delta, state);
    case 'content_block_stop':
      return blockStop(event.index, state);
    case 'message_delta': {
      mergeUsage(state.usage, event.usage);
      let finish = finishReason(event.delta.stop_reason);
      if (finish === 'tool_calls' && state.jsonTool !== undefined && state.toolCalls === 0) finish = 'stop';
      return finish === null ? [] : [chunk(state, unsentThinking(state), finish)];
    }
    case 'message_stop': {
      // A message that ended without a stop reason still hands over its thinking.
      const chunks = state.thinkingUnsent ? [chunk(state, unsentThinking(state))] : [];
      if (state.includeUsage) chunks.push({ ...chunk(state, {}), choices: [], usage: convertUsage(state.usage) });
      return chunks;
    }
    default:
      return [];
  }
}

function blockStart(index: number, block: AnthropicAssistantBlock, state: StreamState): ChatCompletionChunk[] {
  switch (block.type) {
    case 'text':
      state.blocks.set(index, { kind: 'text' });
      return block.text && state.jsonTool === undefined ? [chunk(state, { content: block.text })] : [];
    case 'thinking':
      state.blocks.set(index, { kind: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
      return block.thinking ? [chunk(state, { reasoning: block.thinking })] : [];
    case 'redacted_thinking':
      state.blocks.set(index, { kind: 'redacted', data: block.data });
      return [];
    case 'tool_use': {
      // Some servers send the whole input on the start event instead of as deltas.
      const input = block.input && typeof block.input === 'object' && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : undefined;
      if (state.jsonTool !== undefined && block.name === state.jsonTool) {
        state.blocks.set(index, { kind: 'json', sentArguments: input !== undefined });
        return input === undefined ? [] : [chunk(state, { content: input })];
      }
      const call = { kind: 'tool', index: state.toolCalls++, sentArguments: input !== undefined } as const;
      state.blocks.set(index, call);
      return [
        chunk(state, {
          tool_calls: [{ index: call.index, id: block.id, type: 'function', function: { name: block.name, arguments: input ?? '' } }],
        }),
      ];
    }
    default:
      state.blocks.set(index, { kind: 'other' });
      return [];
  }
}

function blockDelta(
  index: number,
  delta: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta'],
  state: StreamState,
): ChatCompletionChunk[] {
  const block = state.blocks.get(index);
  if (!block) return [];
  if (delta.type === 'text_delta' && block.kind === 'text' && 'text' in delta) {
    // In JSON mode only the tool's input is the answer.
    return delta.text && state.jsonTool === undefined ? [chunk(state, { content: delta.text })] : [];
  }
  if (delta.type === 'thinking_delta' && block.kind === 'thinking' && 'thinking' in delta) {
    block.thinking += delta.thinking;
    return delta.thinking ? [chunk(state, { reasoning: delta.thinking })] : [];
  }
  if (delta.type === 'signature_delta' && block.kind === 'thinking' && 'signature' in delta) {
    block.signature += delta.signature;
    return [];
  }
  if (delta.type === 'input_json_delta' && 'partial_json' in delta && delta.partial_json !== '') {
    if (block.kind === 'tool') {
      block.sentArguments = true;
      return [chunk(state, { tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] })];
    }
    if (block.kind === 'json') {
      block.sentArguments = true;
      return [chunk(state, { content: delta.partial_json })];
    }
  }
  return [];
}

function blockStop(index: number, state: StreamState): ChatCompletionChunk[] {
  const block = state.blocks.get(index);
  state.blocks.delete(index);
  if (!block) return [];
  switch (block.kind) {
    case 'tool':
      // A tool without arguments still gets valid JSON arguments.
      return block.sentArguments ? [] : [chunk(state, { tool_calls: [{ index: block.index, function: { arguments: '{}' } }] })];
    case 'json':
      return block.sentArguments ? [] : [chunk(state, { content: '{}' })];
    case 'thinking':
      return thinkingDone(state, { type: 'thinking', thinking: block.thinking, signature: block.signature });
    case 'redacted':
      return thinkingDone(state, { type: 'redacted_thinking', data: block.data });
    default:
      return [];
  }
}

/** A thinking block ended: kept for the finishing chunk. */
function thinkingDone(state: StreamState, block: ThinkingBlock): ChatCompletionChunk[] {
  state.thinking.push(block);
  state.thinkingUnsent = true;
  return [];
}

/** A delta with every thinking block so far, if some were not sent yet (a copy: later ones may be added). */
function unsentThinking(state: StreamState): ChatCompletionDelta {
  if (!state.thinkingUnsent) return {};
  state.thinkingUnsent = false;
  return { provider_data: toProviderData(state.thinking) };
}

/** `message_delta` repeats the usage so far; later counts replace earlier ones. */
function mergeUsage(into: AnthropicUsage, update: AnthropicUsage | undefined): void {
  if (!update) return;
  for (const [key, value] of Object.entries(update) as [keyof AnthropicUsage, AnthropicUsage[keyof AnthropicUsage]][]) {
    if (value !== null && value !== undefined) (into as Record<string, unknown>)[key] = value;
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
