/**
 * Gemini `generateContent` responses → OpenAI-shaped completions. Pure, apart from the fallback
 * id and timestamp when the response carries none.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  ContentFilterError,
  type ChatCompletion,
  type ChatCompletionChoice,
  type ChoiceLogprobs,
  type CompletionUsage,
  type FinishReason,
  type ToolCall,
} from '../../src/plugins/index.js';
import { addSignature, hasSignatures, toProviderData, type GeminiSignatures } from './provider-data.js';
import type { GeminiLogprobsResult, GeminiResponse, GeminiUsageMetadata } from './wire.js';

/** Gemini finish reasons that mean the output was withheld or cut by a filter. */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Maps Gemini's `finishReason` to OpenAI's; a turn that called tools finishes with `tool_calls`.
 *
 * @example
 * ```ts
 * mapFinishReason('MAX_TOKENS', false); // 'length'
 * mapFinishReason('STOP', true);        // 'tool_calls'
 * ```
 */
export function mapFinishReason(reason: string | undefined, calledTools: boolean): FinishReason | null {
  if (reason === undefined || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/**
 * Gemini usage metadata → OpenAI usage. Thinking tokens count as completion tokens (as OpenAI
 * counts reasoning tokens) and are broken out in `completion_tokens_details`.
 *
 * @example
 * ```ts
 * convertUsage({ promptTokenCount: 9, candidatesTokenCount: 23, thoughtsTokenCount: 185, totalTokenCount: 217 });
 * // { prompt_tokens: 9, completion_tokens: 208, total_tokens: 217, completion_tokens_details: { reasoning_tokens: 185 }, ... }
 * ```
 */
export function convertUsage(usage: GeminiUsageMetadata): CompletionUsage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const reasoning = usage.thoughtsTokenCount ?? 0;
  const completion = (usage.candidatesTokenCount ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/**
 * Gemini's logprobs result → OpenAI's `logprobs.content` (`null` when Gemini sent none).
 *
 * @example
 * ```ts
 * convertLogprobs({ chosenCandidates: [{ token: 'Hi', logProbability: -0.1 }] });
 * // { content: [{ token: 'Hi', logprob: -0.1, bytes: null, top_logprobs: [] }], refusal: null }
 * ```
 */
export function convertLogprobs(result: GeminiLogprobsResult | undefined): ChoiceLogprobs | null {
  if (!result?.chosenCandidates) return null;
  return {
    content: result.chosenCandidates.map((chosen, i) => ({
      token: chosen.token ?? '',
      logprob: chosen.logProbability ?? 0,
      bytes: null,
      top_logprobs: (result.topCandidates?.[i]?.candidates ?? []).map((top) => ({
        token: top.token ?? '',
        logprob: top.logProbability ?? 0,
        bytes: null,
      })),
    })),
    refusal: null,
  };
}

/**
 * Throws `ContentFilterError` when Gemini blocked the prompt itself (no candidates at all).
 *
 * @example
 * ```ts
 * throwIfPromptBlocked({ promptFeedback: { blockReason: 'SAFETY' } }, 'gemini'); // throws ContentFilterError
 * ```
 */
export function throwIfPromptBlocked(response: GeminiResponse, provider: string): void {
  const reason = response.promptFeedback?.blockReason;
  if (reason && (!response.candidates || response.candidates.length === 0)) {
    const detail = response.promptFeedback?.blockReasonMessage;
    throw new ContentFilterError(`Gemini blocked the prompt (${reason})${detail ? `: ${detail}` : '.'}`, {
      provider,
      code: reason,
    });
  }
}

/**
 * The response's id, or a fresh one when Gemini sent none.
 *
 * @example
 * ```ts
 * responseIdOf({ responseId: 'Un6LacrV' }); // 'Un6LacrV'
 * ```
 */
export function responseIdOf(response: GeminiResponse): string {
  return response.responseId ?? `gen-${randomUUID()}`;
}

/**
 * Seconds since the epoch: the response's `createTime` when it has one, else now.
 *
 * @example
 * ```ts
 * createdOf({ createTime: '2025-12-01T21:58:25Z' }); // 1764626305
 * ```
 */
export function createdOf(response: GeminiResponse): number {
  const parsed = response.createTime ? Date.parse(response.createTime) : Number.NaN;
  return Math.floor((Number.isNaN(parsed) ? Date.now() : parsed) / 1000);
}

/**
 * A tool call id for a Gemini function call: Gemini's own id when it sent one, else one made
 * from the response id and the call's position, so it is the same in a stream and stable for a turn.
 *
 * @example
 * ```ts
 * toolCallId(undefined, 'resp1', 0, 2); // 'call_resp1_2'
 * ```
 */
export function toolCallId(callId: string | undefined, responseId: string, candidate: number, position: number): string {
  if (callId) return callId;
  return candidate === 0 ? `call_${responseId}_${position}` : `call_${responseId}_${candidate}_${position}`;
}

/**
 * Converts a whole `generateContent` response to an OpenAI chat completion.
 *
 * @example
 * ```ts
 * const completion = convertResponse(await ai.models.generateContent(request), 'gemini-2.5-flash', 'gemini');
 * completion.choices[0].message.content;
 * ```
 */
export function convertResponse(response: GeminiResponse, requestedModel: string, provider: string): ChatCompletion {
  throwIfPromptBlocked(response, provider);
  const id = responseIdOf(response);
  const choices = (response.candidates ?? []).map((candidate, i): ChatCompletionChoice => {
    const index = candidate.index ?? i;
    const texts: string[] = [];
    const thoughts: string[] = [];
    const toolCalls: ToolCall[] = [];
    const signatures: GeminiSignatures = {};
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall) {
        const callId = toolCallId(part.functionCall.id, id, index, toolCalls.length);
        toolCalls.push({
          id: callId,
          type: 'function',
          function: { name: part.functionCall.name ?? '', arguments: JSON.stringify(part.functionCall.args ?? {}) },
        });
        if (part.thoughtSignature) addSignature(signatures, { kind: 'tool_call', id: callId }, part.thoughtSignature);
      } else if (typeof part.text === 'string') {
        (part.thought ? thoughts : texts).push(part.text);
        if (part.thoughtSignature) addSignature(signatures, { kind: part.thought ? 'reasoning' : 'text' }, part.thoughtSignature);
      }
    }
    const text = texts.join('');
    const message: ChatCompletionChoice['message'] = {
      role: 'assistant',
      content: texts.length === 0 || (text === '' && toolCalls.length > 0) ? null : text,
      refusal: null,
    };
    if (thoughts.length > 0) message.reasoning = thoughts.join('');
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    if (hasSignatures(signatures)) message.provider_data = toProviderData(signatures);
    const choice: ChatCompletionChoice = {
      index,
      message,
      // A candidate without a finish reason in a whole response ended normally.
      finish_reason: mapFinishReason(candidate.finishReason, toolCalls.length > 0) ?? 'stop',
      logprobs: convertLogprobs(candidate.logprobsResult),
    };
    return choice;
  });
  const completion: ChatCompletion = {
    id,
    object: 'chat.completion',
    created: createdOf(response),
    model: response.modelVersion ?? requestedModel,
    choices,
  };
  if (response.usageMetadata) completion.usage = convertUsage(response.usageMetadata);
  return completion;
}
