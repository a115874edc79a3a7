/**
 * Anthropic responses → OpenAI's shapes: a message, its finish reason and usage, and the model list.
 * Pure.
 *
 * @module
 */
import type { ChatCompletion, ChatCompletionMessage, CompletionUsage, FinishReason, ToolCall } from '../../src/plugins/index.js';
import { toProviderData, type ThinkingBlock } from './provider-data.js';
import type { AnthropicAssistantBlock, AnthropicResponse, AnthropicUsage } from './wire-types.js';

/** How a response is read. */
export interface ResponseOptions {
  /** The `created` timestamp (seconds) to report: Anthropic's messages carry none. */
  created: number;
  /** The JSON tool's name when the request asked for `json_object`: its input is the content. */
  jsonTool?: string;
}

/**
 * Maps Anthropic's `stop_reason` to OpenAI's `finish_reason`.
 *
 * @example
 * ```ts
 * finishReason('tool_use'); // 'tool_calls'
 * finishReason('max_tokens'); // 'length'
 * ```
 */
export function finishReason(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn, and reasons added later.
      return 'stop';
  }
}

/**
 * Maps Anthropic's usage to OpenAI's: prompt tokens include cache reads and writes (OpenAI counts
 * cached tokens inside `prompt_tokens`), cache reads are `cached_tokens` and cache writes
 * `cache_write_tokens` (when Anthropic reports them).
 *
 * @example
 * ```ts
 * convertUsage({ input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 });
 * // { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 90 } }
 * ```
 */
export function convertUsage(usage: AnthropicUsage): CompletionUsage {
  const cached = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens;
  const prompt = (usage.input_tokens ?? 0) + cached + (written ?? 0);
  const completion = usage.output_tokens ?? 0;
  const result: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: typeof written === 'number' ? { cached_tokens: cached, cache_write_tokens: written } : { cached_tokens: cached },
  };
  const reasoning = usage.output_tokens_details?.thinking_tokens;
  if (typeof reasoning === 'number') result.completion_tokens_details = { reasoning_tokens: reasoning };
  return result;
}

/**
 * Converts an Anthropic message to an OpenAI chat completion.
 *
 * @example
 * ```ts
 * const completion = convertResponse(message, { created: Math.floor(Date.now() / 1000) });
 * completion.choices[0].message.content; // the text blocks, joined
 * ```
 */
export function convertResponse(response: AnthropicResponse, options: ResponseOptions): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  let json: string | undefined;
  for (const raw of response.content) {
    const block = raw as AnthropicAssistantBlock;
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        break;
      case 'thinking':
        thinking.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: block.data });
        break;
      case 'tool_use': {
        const args = JSON.stringify(block.input ?? {});
        if (options.jsonTool !== undefined && block.name === options.jsonTool) json = args;
        else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } });
        break;
      }
      default:
      // Server-tool results and blocks added later carry nothing OpenAI's message has a field for.
    }
  }
  // In JSON mode the tool input is the answer; text around it is the model announcing the call.
  const content = options.jsonTool !== undefined ? (json ?? null) : texts.length > 0 ? texts.join('') : null;
  const message: ChatCompletionMessage = { role: 'assistant', content, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const reasoning = thinking.map((block) => (block.type === 'thinking' ? block.thinking : '')).join('');
  if (thinking.length > 0) {
    message.reasoning = reasoning;
    message.provider_data = toProviderData(thinking);
  }
  // A finished message without a stop reason ended normally.
  let finish = finishReason(response.stop_reason) ?? 'stop';
  if (json !== undefined && finish === 'tool_calls') finish = 'stop';
  return {
    id: response.id,
    object: 'chat.completion',
    created: options.created,
    model: response.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: convertUsage(response.usage),
  };
}
