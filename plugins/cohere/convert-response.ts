/**
 * Cohere's chat answer → OpenAI's chat completion. Pure. `thinking` items become `reasoning`,
 * the `tool_plan` beside tool calls becomes the message's content (as any-llm reads it), and a
 * generation that ended in ERROR or TIMEOUT is an error, not a short answer.
 *
 * @module
 */
import {
  ProviderError,
  type ChatCompletion,
  type ChatCompletionMessage,
  type CompletionUsage,
  type FinishReason,
} from '../../src/plugins/index.js';
import type { CohereFinishReason, CohereResponse, CohereUsage } from './wire-types.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/**
 * OpenAI's finish reason for Cohere's; ERROR and TIMEOUT (a generation that failed) throw.
 *
 * @example
 * ```ts
 * finishReason('MAX_TOKENS', 'cohere'); // 'length'
 * ```
 */
export function finishReason(reason: CohereFinishReason | undefined, provider: string, error?: string): FinishReason {
  if (reason === 'ERROR' || reason === 'TIMEOUT') {
    throw new ProviderError(error ?? `The generation ended with finish reason ${reason}.`, { provider, code: reason.toLowerCase() });
  }
  // A reason added later ends the answer as a normal one.
  return (reason && FINISH[reason]) ?? 'stop';
}

/**
 * OpenAI's usage from Cohere's: the tokens the model processed (`tokens`), else the billed ones.
 *
 * @example
 * ```ts
 * convertUsage({ tokens: { input_tokens: 12, output_tokens: 9 } }); // { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 }
 * ```
 */
export function convertUsage(usage: CohereUsage | undefined): CompletionUsage {
  const prompt = usage?.tokens?.input_tokens ?? usage?.billed_units?.input_tokens ?? 0;
  const completion = usage?.tokens?.output_tokens ?? usage?.billed_units?.output_tokens ?? 0;
  const out: CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof usage?.cached_tokens === 'number') out.prompt_tokens_details = { cached_tokens: usage.cached_tokens };
  return out;
}

/**
 * Converts a Cohere chat response.
 *
 * @example
 * ```ts
 * convertResponse({ id: 'r1', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'Hi' }] } }, { model: 'command-a-03-2025', created: 0, provider: 'cohere' });
 * ```
 */
export function convertResponse(response: CohereResponse, options: { model: string; created: number; provider: string }): ChatCompletion {
  const texts: string[] = [];
  const thinking: string[] = [];
  for (const item of response.message.content ?? []) {
    if (item.type === 'text') texts.push((item as { text: string }).text);
    else if (item.type === 'thinking') thinking.push((item as { thinking: string }).thinking);
  }
  const calls = response.message.tool_calls ?? [];
  const plan = response.message.tool_plan;
  const text = texts.join('') || (calls.length > 0 && plan ? plan : '');
  const message: ChatCompletionMessage = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text, refusal: null };
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments || '{}' } }));
  }
  if (thinking.length > 0) message.reasoning = thinking.join('');
  let finish = finishReason(response.finish_reason, options.provider);
  // TOOL_CALL without a usable call would make callers wait for tool results that never come.
  if (finish === 'tool_calls' && calls.length === 0) finish = 'stop';
  return {
    id: response.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: convertUsage(response.usage),
  };
}
