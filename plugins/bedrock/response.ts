/**
 * A Bedrock Converse response → an OpenAI-shaped completion. Pure.
 *
 * @module
 */
import {
  type ChatCompletion,
  type CompletionUsage,
  type FinishReason,
  type FunctionToolCall,
  type JsonObject,
} from '../../src/plugins/index.js';
import type { BedrockUsage, ConverseResponse } from './wire.js';

/**
 * Converse's stop reasons in OpenAI's terms.
 *
 * @example
 * ```ts
 * finishReason('tool_use'); // 'tool_calls'
 * ```
 */
export function finishReason(stopReason: string | undefined): FinishReason {
  switch (stopReason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Bedrock's token counts in OpenAI's terms: cache reads and writes are part of the prompt (Bedrock
 * counts them apart from `inputTokens`), so the parts add up to `total_tokens`.
 *
 * @example
 * ```ts
 * convertUsage({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }); // { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
 * ```
 */
export function convertUsage(usage: BedrockUsage): CompletionUsage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cacheRead > 0 || cacheWrite > 0
      ? { prompt_tokens_details: { cached_tokens: cacheRead, ...(cacheWrite > 0 ? { cache_write_tokens: cacheWrite } : {}) } }
      : {}),
  };
}

/** `provider_data` for the signed reasoning blocks of one turn. */
export function reasoningProviderData(blocks: readonly JsonObject[]): JsonObject | undefined {
  return blocks.length === 0 ? undefined : { bedrock: { reasoning: blocks.map((block) => ({ ...block })) } };
}

/**
 * Converts a Converse response.
 *
 * @example
 * ```ts
 * convertResponse({ output: { message: { role: 'assistant', content: [{ text: 'Hi' }] } }, stopReason: 'end_turn' }, 'model-id');
 * ```
 */
export function convertResponse(response: ConverseResponse, model: string, id: string = `chatcmpl-${crypto.randomUUID()}`): ChatCompletion {
  let text = '';
  let reasoning = '';
  const signed: JsonObject[] = [];
  const toolCalls: FunctionToolCall[] = [];
  for (const block of response.output?.message?.content ?? []) {
    if ('text' in block) text += block.text;
    else if ('toolUse' in block) {
      toolCalls.push({ id: block.toolUse.toolUseId, type: 'function', function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) } });
    } else if ('reasoningContent' in block) {
      const { reasoningText, redactedContent } = block.reasoningContent;
      if (reasoningText) {
        reasoning += reasoningText.text;
        if (reasoningText.signature) signed.push({ text: reasoningText.text, signature: reasoningText.signature });
      } else if (redactedContent) signed.push({ redactedContent });
    }
  }
  const providerData = reasoningProviderData(signed);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning !== '' ? { reasoning } : {}),
          ...(providerData ? { provider_data: providerData } : {}),
        },
        finish_reason: toolCalls.length > 0 && response.stopReason === 'tool_use' ? 'tool_calls' : finishReason(response.stopReason),
        logprobs: null,
      },
    ],
    ...(response.usage ? { usage: convertUsage(response.usage) } : {}),
  };
}
