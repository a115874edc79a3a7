/**
 * OpenAI-shaped completion params → the `@google/genai` `generateContent` parameters. Pure.
 *
 * Every OpenAI parameter either maps to a Gemini field or raises `UnsupportedParameterError`
 * naming it; nothing is dropped silently.
 *
 * @module
 */
import type { FunctionCallingConfig, GenerateContentConfig, GenerateContentParameters, ThinkingConfig, Tool } from '@google/genai';
import {
  InvalidRequestError,
  UnsupportedParameterError,
  rejectCacheControl,
  rejectOpenAIOnly,
  type CompletionParams,
  type ReasoningEffort,
} from '../../src/plugins/index.js';
import { convertMessages } from './messages.js';

/** Parameters this provider maps (`parallel_tool_calls` only when true); any other set field is refused. */
const HANDLED = new Set([
  'model',
  'messages',
  'tools',
  'tool_choice',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'response_format',
  'reasoning_effort',
  'stream_options',
  'cached_content',
]);

/** Why a parameter cannot be honoured, for the error message. */
const UNSUPPORTED_DETAIL: Record<string, string> = {
  logit_bias: 'Gemini has no token biasing.',
  user: 'Gemini has no end-user identifier field.',
  parallel_tool_calls: 'Gemini cannot be told to make at most one call per turn; leave it unset or true.',
};

/** Thinking budgets (tokens) for Gemini 2.x models, which take a budget rather than a level. */
const THINKING_BUDGET: Record<Exclude<ReasoningEffort, 'max'>, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};

/**
 * Converts OpenAI params to `generateContent` parameters for the SDK.
 *
 * @example
 * ```ts
 * convertParams({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 64 }, 'gemini');
 * // { model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], config: { maxOutputTokens: 64 } }
 * ```
 */
export function convertParams(params: CompletionParams, provider: string): GenerateContentParameters {
  rejectUnsupported(params, provider);
  // allowed_tools maps to allowedFunctionNames; refusal parts of earlier turns go back as text.
  rejectOpenAIOnly(params, provider, ['allowed_tools', 'refusal_parts']);
  rejectCacheControl(params, provider, "cache_control is Anthropic's prompt caching; Gemini reads a cache made with its caches API, named in 'cached_content'.");
  const { contents, systemInstruction } = convertMessages(params.messages, provider);
  const config: GenerateContentConfig = {};
  if (systemInstruction) config.systemInstruction = systemInstruction;

  const set = <K extends keyof GenerateContentConfig>(key: K, value: GenerateContentConfig[K] | null | undefined): void => {
    if (value !== undefined && value !== null) config[key] = value;
  };
  set('temperature', params.temperature);
  set('topP', params.top_p);
  set('topK', params.top_k as number | undefined);
  set('maxOutputTokens', params.max_completion_tokens ?? params.max_tokens);
  set('stopSequences', typeof params.stop === 'string' ? [params.stop] : params.stop);
  set('candidateCount', params.n);
  set('seed', params.seed);
  set('presencePenalty', params.presence_penalty);
  set('frequencyPenalty', params.frequency_penalty);
  if (params.logprobs) {
    config.responseLogprobs = true;
    set('logprobs', params.top_logprobs);
  } else if (params.top_logprobs !== undefined && params.top_logprobs !== null) {
    throw new InvalidRequestError("Invalid request: 'top_logprobs' needs 'logprobs: true'.", { provider, code: 'invalid_request' });
  }

  const format = params.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema) config.responseJsonSchema = format.json_schema.schema;
  }

  const tools = convertTools(params);
  if (tools) config.tools = tools;
  const calling = convertToolChoice(params, provider);
  if (calling) config.toolConfig = { functionCallingConfig: calling };

  const thinking = convertReasoningEffort(params.reasoning_effort, params.model, provider);
  if (thinking) config.thinkingConfig = thinking;
  if (params.cached_content !== undefined && params.cached_content !== null) {
    if (typeof params.cached_content !== 'string' || params.cached_content === '') {
      throw new InvalidRequestError("Invalid request: 'cached_content' must be the name of a Gemini context cache ('cachedContents/…').", { provider, code: 'invalid_request' });
    }
    config.cachedContent = params.cached_content;
  }

  const request: GenerateContentParameters = { model: params.model, contents };
  if (Object.keys(config).length > 0) request.config = config;
  return request;
}

function rejectUnsupported(params: CompletionParams, provider: string): void {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    // Gemini may make several calls per turn; it cannot be held to one.
    if (name === 'parallel_tool_calls' ? value !== true : !HANDLED.has(name)) {
      throw new UnsupportedParameterError(name, provider, UNSUPPORTED_DETAIL[name]);
    }
  }
  const topK = params.top_k;
  if (topK !== undefined && topK !== null && !(typeof topK === 'number' && Number.isInteger(topK) && topK > 0)) {
    throw new InvalidRequestError("Invalid request: 'top_k' must be a positive integer.", { provider, code: 'invalid_request' });
  }
}

/** OpenAI function tools → one Gemini tool with JSON-Schema function declarations. */
function convertTools(params: CompletionParams): Tool[] | undefined {
  if (!params.tools || params.tools.length === 0) return undefined;
  const functionDeclarations = params.tools.map((tool) => {
    // rejectOpenAIOnly has refused custom tools.
    if (tool.type !== 'function') throw new UnsupportedParameterError('tools', undefined, 'custom tools are an OpenAI feature.');
    const fn = tool.function;
    const declaration: { name: string; description?: string; parametersJsonSchema?: unknown } = { name: fn.name };
    if (fn.description !== undefined) declaration.description = fn.description;
    // No parameters (or an empty object schema) means a call with no arguments: Gemini wants none declared.
    if (fn.parameters && !isEmptyObjectSchema(fn.parameters)) declaration.parametersJsonSchema = fn.parameters;
    return declaration;
  });
  return [{ functionDeclarations }];
}

function isEmptyObjectSchema(schema: Record<string, unknown>): boolean {
  const properties = schema.properties;
  const noProperties =
    properties === undefined || (typeof properties === 'object' && properties !== null && Object.keys(properties).length === 0);
  return schema.type === 'object' && noProperties && Object.keys(schema).every((key) => ['type', 'properties', 'required', 'additionalProperties', '$schema'].includes(key));
}

/** `tool_choice` (and `strict` tools) → Gemini's function-calling mode. */
function convertToolChoice(params: CompletionParams, provider: string): FunctionCallingConfig | undefined {
  const choice = params.tool_choice;
  const strict = (params.tools ?? []).some((tool) => tool.type === 'function' && tool.function.strict === true);
  if ((choice === undefined || choice === null || choice === 'auto') && !strict) return undefined;
  if (choice === 'none') return { mode: 'NONE' as FunctionCallingConfig['mode'] };
  if (choice === 'required') return { mode: 'ANY' as FunctionCallingConfig['mode'] };
  if (typeof choice === 'object' && choice !== null && choice.type === 'function') {
    return { mode: 'ANY' as FunctionCallingConfig['mode'], allowedFunctionNames: [choice.function.name] };
  }
  if (typeof choice === 'object' && choice !== null && choice.type === 'allowed_tools') {
    // The host has checked each entry names a function tool in 'tools'. VALIDATED lets the model
    // answer in text or call one of the names ('auto'); ANY makes it call one ('required').
    const allowedFunctionNames = choice.allowed_tools.tools.map((tool) => (tool.function as { name: string }).name);
    const mode = choice.allowed_tools.mode === 'required' ? 'ANY' : 'VALIDATED';
    return { mode: mode as FunctionCallingConfig['mode'], allowedFunctionNames };
  }
  // 'auto' with strict tools: VALIDATED makes Gemini hold calls to the declared schemas.
  return { mode: 'VALIDATED' as FunctionCallingConfig['mode'] };
}

/** True for models that take a thinking level (Gemini 3 and later) rather than a token budget. */
function usesThinkingLevel(model: string): boolean {
  const major = /gemini-(\d+)/i.exec(model)?.[1];
  return major === undefined || Number(major) >= 3;
}

/** `reasoning_effort` → `thinkingConfig`, asking for the thought summaries that become `reasoning`. */
function convertReasoningEffort(
  effort: ReasoningEffort | null | undefined,
  model: string,
  provider: string,
): ThinkingConfig | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (effort === 'max') throw new UnsupportedParameterError('reasoning_effort', provider, "'max': Gemini's most thinking is 'xhigh'.");
  if (!usesThinkingLevel(model)) {
    return effort === 'none' ? { thinkingBudget: 0 } : { includeThoughts: true, thinkingBudget: THINKING_BUDGET[effort] };
  }
  if (effort === 'none') {
    throw new UnsupportedParameterError(
      'reasoning_effort',
      provider,
      `'none': ${model} cannot turn thinking off; use 'minimal' for the least thinking.`,
    );
  }
  return { includeThoughts: true, thinkingLevel: effort.toUpperCase() as ThinkingConfig['thinkingLevel'] };
}
