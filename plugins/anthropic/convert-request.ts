/**
 * OpenAI completion params → the body of Anthropic's `POST /v1/messages`. Pure: every parameter is
 * either mapped, or refused with `UnsupportedParameterError` naming it, before anything is sent.
 *
 * @module
 */
import {
  InvalidRequestError,
  UnsupportedParameterError,
  rejectOpenAIOnly,
  rejectUnsupported,
  type CompletionParams,
  type JsonObject,
  type ReasoningEffort,
  type Tool,
  type ToolChoice,
} from '../../src/plugins/index.js';
import { convertMessages } from './convert-messages.js';
import type { AnthropicRequest, AnthropicThinking, AnthropicTool, AnthropicToolChoice } from './wire-types.js';

/**
 * `max_tokens` when the caller gives none: Anthropic requires the field, and 8192 fits the output
 * limit of every current Claude model. With reasoning, the thinking budget is added on top.
 */
export const DEFAULT_MAX_TOKENS = 8192;

/** Thinking budgets (`thinking.budget_tokens`) per `reasoning_effort`; 1024 is Anthropic's minimum. */
export const THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none' | 'max'>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};
const MIN_THINKING_BUDGET = 1024;

/**
 * The tool that carries `response_format: { type: 'json_object' }`: Anthropic has no JSON mode
 * without a schema, so the model is made to call this tool and its input becomes the message content.
 */
export const JSON_TOOL_NAME = 'json';

/** OpenAI parameters with no Anthropic counterpart. */
const UNSUPPORTED = [
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'top_logprobs',
  'modalities',
  'audio',
  'prediction',
  'store',
  'web_search_options',
  'verbosity',
  'functions',
  'function_call',
  // OpenAI's stored-completion, caching and moderation controls:
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'moderation',
] as const;

/** Parameters this module maps (or checks) itself; any other field is sent to Anthropic unchanged. */
const MAPPED = new Set<string>([
  ...UNSUPPORTED,
  'model',
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'logprobs',
  'response_format',
  'reasoning_effort',
  'user',
  'stream',
  'stream_options',
]);

/**
 * True when the request is answered through the JSON tool (`response_format` `json_object`).
 *
 * @example
 * ```ts
 * usesJsonTool({ model, messages, response_format: { type: 'json_object' } }); // true
 * ```
 */
export function usesJsonTool(params: CompletionParams): boolean {
  return params.response_format?.type === 'json_object';
}

/**
 * Converts OpenAI-shaped params to an Anthropic Messages request body.
 *
 * @param extra `stream`: whether the request streams; `provider`: the name used in errors
 * @example
 * ```ts
 * convertRequest({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }], stop: 'END' }, { stream: false });
 * // { model: 'claude-haiku-4-5', max_tokens: 8192, messages: [...], stop_sequences: ['END'], stream: false }
 * ```
 */
export function convertRequest(params: CompletionParams, extra: { stream: boolean; provider?: string }): AnthropicRequest {
  const provider = extra.provider ?? 'anthropic';
  const unsupported = (name: string, detail?: string): UnsupportedParameterError =>
    new UnsupportedParameterError(name, provider, detail);
  rejectUnsupported(params, UNSUPPORTED, provider);
  // Refusal parts of earlier turns are sent back as text (convert-messages.ts).
  rejectOpenAIOnly(params, provider, ['refusal_parts']);
  if (params.logprobs === true) throw unsupported('logprobs');
  if (params.n !== undefined && params.n !== null && params.n !== 1) throw unsupported('n', 'Anthropic returns one choice per request.');

  const { system, messages } = convertMessages(params.messages, provider);
  const thinking = convertReasoning(params, provider);
  const body: AnthropicRequest = {
    model: params.model,
    max_tokens: maxTokens(params, thinking, provider),
    messages,
    stream: extra.stream,
  };
  if (system) body.system = system;
  if (thinking) body.thinking = thinking;

  if (params.temperature !== undefined && params.temperature !== null) {
    if (params.temperature > 1) throw unsupported('temperature', `Anthropic accepts 0 to 1, not ${params.temperature}.`);
    if (thinking?.type === 'enabled' && params.temperature !== 1) {
      throw unsupported('temperature', 'Anthropic fixes the temperature while thinking (reasoning_effort).');
    }
    body.temperature = params.temperature;
  }
  if (params.top_p !== undefined && params.top_p !== null) {
    if (thinking?.type === 'enabled' && params.top_p < 0.95) {
      throw unsupported('top_p', 'Anthropic accepts only 0.95 to 1 while thinking (reasoning_effort).');
    }
    body.top_p = params.top_p;
  }
  const stop = typeof params.stop === 'string' ? [params.stop] : params.stop;
  if (stop && stop.length > 0) body.stop_sequences = stop;
  if (params.user !== undefined) body.metadata = { user_id: params.user };

  Object.assign(body, convertTools(params, thinking, provider));
  if (params.response_format?.type === 'json_schema') {
    body.output_config = { format: { type: 'json_schema', schema: (params.response_format.json_schema.schema as JsonObject | undefined) ?? { type: 'object' } } };
  }
  return addExtras(body, params, provider);
}

function convertReasoning(params: CompletionParams, provider: string): AnthropicThinking | undefined {
  const effort = params.reasoning_effort;
  if (effort === undefined || effort === null) return undefined;
  if (effort === 'none') return { type: 'disabled' };
  if (effort === 'max') throw new UnsupportedParameterError('reasoning_effort', provider, "'max': Anthropic's largest thinking budget is 'xhigh'.");
  const budget = THINKING_BUDGETS[effort];
  if (budget === undefined) throw new UnsupportedParameterError('reasoning_effort', provider, `unknown effort '${String(effort)}'.`);
  return { type: 'enabled', budget_tokens: budget };
}

/** Anthropic needs `max_tokens`, and a thinking budget below it: a smaller cap lowers the budget. */
function maxTokens(params: CompletionParams, thinking: AnthropicThinking | undefined, provider: string): number {
  const given = params.max_completion_tokens ?? params.max_tokens;
  if (thinking?.type !== 'enabled') return given ?? DEFAULT_MAX_TOKENS;
  if (given === undefined || given === null) return thinking.budget_tokens + DEFAULT_MAX_TOKENS;
  if (given <= MIN_THINKING_BUDGET) {
    throw new InvalidRequestError(
      `Invalid request: 'max_tokens' must be above ${MIN_THINKING_BUDGET} with reasoning_effort on Anthropic (thinking needs at least ${MIN_THINKING_BUDGET} tokens).`,
      { provider, code: 'invalid_request' },
    );
  }
  thinking.budget_tokens = Math.min(thinking.budget_tokens, given - 1);
  return given;
}

function convertTools(
  params: CompletionParams,
  thinking: AnthropicThinking | undefined,
  provider: string,
): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  const thinkingOn = thinking?.type === 'enabled';
  if (usesJsonTool(params)) {
    if (params.tools?.length) {
      throw new UnsupportedParameterError('response_format', provider, "json_object cannot be combined with tools on Anthropic: use json_schema.");
    }
    if (thinkingOn) {
      throw new UnsupportedParameterError('response_format', provider, 'json_object cannot be combined with reasoning_effort on Anthropic: use json_schema.');
    }
    return {
      tools: [{ name: JSON_TOOL_NAME, description: 'Respond with a JSON object.', input_schema: { type: 'object', additionalProperties: true } }],
      tool_choice: { type: 'tool', name: JSON_TOOL_NAME },
    };
  }
  const tools = params.tools?.map(convertTool);
  // The host has refused a tool_choice that forces a tool while there are none.
  if (!tools || tools.length === 0) return {};
  const choice = convertToolChoice(params.tool_choice, params.parallel_tool_calls);
  if (thinkingOn && (choice?.type === 'any' || choice?.type === 'tool')) {
    throw new UnsupportedParameterError('tool_choice', provider, 'Anthropic cannot force a tool call while thinking (reasoning_effort).');
  }
  return choice ? { tools, tool_choice: choice } : { tools };
}

function convertTool(tool: Tool): AnthropicTool {
  // rejectOpenAIOnly has refused custom tools.
  if (tool.type !== 'function') throw new UnsupportedParameterError('tools', undefined, 'custom tools are an OpenAI feature.');
  const { name, description, parameters, strict } = tool.function;
  // Parameters crossed the plugin boundary as JSON.
  const converted: AnthropicTool = { name, input_schema: (parameters as JsonObject | undefined) ?? { type: 'object', properties: {} } };
  if (description !== undefined) converted.description = description;
  if (strict !== undefined && strict !== null) converted.strict = strict;
  if (tool.cache_control !== undefined) converted.cache_control = { ...tool.cache_control };
  return converted;
}

function convertToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): AnthropicToolChoice | undefined {
  // Anthropic spells `parallel_tool_calls: false` on the tool choice; 'none' calls no tool at all.
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...serial };
  if (typeof choice === 'object' && choice.type === 'function') return { type: 'tool', name: choice.function.name, ...serial };
  if (choice === 'auto' || parallel === false) return { type: 'auto', ...serial };
  return undefined;
}

/** Fields OpenAI does not have go to Anthropic unchanged, unless they would overwrite a mapped one. */
function addExtras(body: AnthropicRequest, params: CompletionParams, provider: string): AnthropicRequest {
  for (const [key, value] of Object.entries(params)) {
    if (MAPPED.has(key) || value === undefined) continue;
    if (key in body) {
      throw new InvalidRequestError(
        `Invalid request: '${key}' conflicts with the value AnyLLM derives from the OpenAI parameters; pass one or the other.`,
        { provider, code: 'invalid_request' },
      );
    }
    body[key] = value as JsonObject[string];
  }
  return body;
}
