/**
 * OpenAI-shaped params → the body of Cohere's `POST /v2/chat`. Pure. What Cohere has no field for
 * (`n`, `logit_bias`, `logprobs`, `user`, `parallel_tool_calls`, message names, file and audio
 * parts) is refused with `UnsupportedParameterError`; fields that are not OpenAI's go through as
 * they are (Cohere's own `k`, `safety_mode`, `documents`, `citation_options` ...).
 *
 * @module
 */
import {
  UnsupportedParameterError,
  rejectOpenAIOnly,
  rejectUnsupported,
  type AssistantMessage,
  type ChatMessage,
  type CompletionParams,
  type ReasoningEffort,
  type TextContentPart,
} from '../../src/plugins/index.js';
import type { CohereMessage, CohereRequest, CohereTextItem, CohereThinkingItem, CohereTool } from './wire-types.js';

/** OpenAI parameters Cohere's chat has no equivalent of. */
const UNSUPPORTED = ['n', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'prediction', 'modalities', 'audio'];

/** The OpenAI fields this module maps (everything else passes through). */
const MAPPED = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed',
  'presence_penalty', 'frequency_penalty', 'response_format', 'reasoning_effort', 'stream', 'stream_options', ...UNSUPPORTED,
]);

/** Thinking budgets per effort, as any-llm sends them (Cohere recommends leaving 1K for the answer). */
export const THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 256,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
};

/**
 * Converts OpenAI-shaped params to Cohere's chat request.
 *
 * @example
 * ```ts
 * convertRequest({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hi' }], top_p: 0.9 }, { stream: false, provider: 'cohere' });
 * // { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hi' }], stream: false, p: 0.9 }
 * ```
 */
export function convertRequest(params: CompletionParams, options: { stream: boolean; provider: string }): CohereRequest {
  const { provider } = options;
  rejectUnsupported(params, UNSUPPORTED, provider);
  rejectOpenAIOnly(params, provider);
  const body: CohereRequest = { model: params.model, messages: convertMessages(params.messages, provider), stream: options.stream };
  for (const [name, value] of Object.entries(params)) {
    if (!MAPPED.has(name) && value !== undefined) body[name] = value;
  }
  Object.assign(body, convertTools(params, provider));
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) body.max_tokens = maxTokens;
  if (params.stop !== undefined && params.stop !== null) body.stop_sequences = typeof params.stop === 'string' ? [params.stop] : params.stop;
  if (params.temperature !== undefined && params.temperature !== null) body.temperature = params.temperature;
  if (params.top_p !== undefined && params.top_p !== null) body.p = params.top_p;
  for (const name of ['seed', 'presence_penalty', 'frequency_penalty'] as const) {
    const value = params[name];
    if (value !== undefined && value !== null) body[name] = value;
  }
  const format = params.response_format;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    body.response_format = format.json_schema.schema ? { type: 'json_object', json_schema: format.json_schema.schema } : { type: 'json_object' };
  }
  const effort = params.reasoning_effort;
  if (effort === 'none') body.thinking = { type: 'disabled' };
  else if (effort !== undefined && effort !== null) body.thinking = { type: 'enabled', token_budget: THINKING_BUDGETS[effort] };
  return body;
}

/** Tools and the tool choice: a named choice offers only that tool and requires a call (Cohere has no named choice). */
function convertTools(params: CompletionParams, provider: string): Pick<CohereRequest, 'tools' | 'strict_tools' | 'tool_choice'> {
  const out: Pick<CohereRequest, 'tools' | 'strict_tools' | 'tool_choice'> = {};
  let tools: CohereTool[] | undefined = params.tools?.map((tool) => {
    // rejectOpenAIOnly has refused custom tools.
    const fn = (tool as Extract<typeof tool, { type: 'function' }>).function;
    return { type: 'function', function: { name: fn.name, ...(fn.description ? { description: fn.description } : {}), parameters: fn.parameters ?? { type: 'object', properties: {} } } };
  });
  const strict = params.tools?.map((tool) => tool.type === 'function' && tool.function.strict === true) ?? [];
  if (strict.some(Boolean)) {
    // Cohere's strict_tools holds every tool to its schema or none.
    const loose = strict.indexOf(false);
    if (loose !== -1) throw new UnsupportedParameterError(`tools[${strict.indexOf(true)}].function.strict`, provider, 'Cohere makes all tools strict (strict_tools) or none; mark every tool strict or none.');
    out.strict_tools = true;
  }
  const choice = params.tool_choice;
  if (choice === 'required') out.tool_choice = 'REQUIRED';
  else if (choice === 'none') out.tool_choice = 'NONE';
  else if (typeof choice === 'object' && choice !== null && choice.type === 'function') {
    const named = tools?.filter((tool) => tool.function.name === choice.function.name) ?? [];
    if (named.length === 0) throw new UnsupportedParameterError('tool_choice', provider, `no tool named '${choice.function.name}' is in 'tools'.`);
    tools = named;
    out.tool_choice = 'REQUIRED';
  }
  if (tools) out.tools = tools;
  return out;
}

/**
 * OpenAI messages → Cohere's. Assistant text next to tool calls is Cohere's `tool_plan` (what it
 * returns there); reasoning goes back as a `thinking` content item.
 *
 * @example
 * ```ts
 * convertMessages([{ role: 'developer', content: 'Be brief.' }], 'cohere'); // [{ role: 'system', content: 'Be brief.' }]
 * ```
 */
export function convertMessages(messages: readonly ChatMessage[], provider: string): CohereMessage[] {
  return messages.map((message, i): CohereMessage => {
    if ('name' in message && message.name !== undefined && message.role !== 'function') {
      throw new UnsupportedParameterError(`messages[${i}].name`, provider, 'Cohere messages have no name.');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content) };
      case 'user': {
        if (typeof message.content === 'string') return { role: 'user', content: message.content };
        return {
          role: 'user',
          content: message.content.map((part, j) => {
            if (part.type === 'text') return { type: 'text', text: part.text };
            if (part.type === 'image_url') {
              const detail = part.image_url.detail;
              // rejectOpenAIOnly has refused 'original'.
              return { type: 'image_url', image_url: detail ? { url: part.image_url.url, detail: detail as 'auto' | 'low' | 'high' } : { url: part.image_url.url } };
            }
            throw new UnsupportedParameterError(`messages[${i}].content[${j}].${part.type}`, provider, 'Cohere takes text and image_url parts.');
          }),
        };
      }
      case 'assistant':
        return assistantMessage(message, i, provider);
      case 'tool':
        return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content) };
      default:
        // rejectOpenAIOnly has refused 'function' messages.
        throw new UnsupportedParameterError(`messages[${i}].role`, provider);
    }
  });
}

function assistantMessage(message: AssistantMessage, i: number, provider: string): CohereMessage {
  const text = typeof message.content === 'string' ? message.content : (message.content ?? []).map((part, j) => {
    if (part.type === 'text') return part.text;
    throw new UnsupportedParameterError(`messages[${i}].content[${j}]`, provider, 'pass a refusal as text.');
  }).join('');
  const calls = message.tool_calls?.map((call) => {
    // rejectOpenAIOnly has refused custom tool calls.
    const fn = (call as Extract<typeof call, { type: 'function' }>).function;
    return { id: call.id, type: 'function' as const, function: { name: fn.name, arguments: fn.arguments } };
  });
  const content: (CohereTextItem | CohereThinkingItem)[] = [];
  if (typeof message.reasoning === 'string' && message.reasoning !== '') content.push({ type: 'thinking', thinking: message.reasoning });
  const out: Extract<CohereMessage, { role: 'assistant' }> = { role: 'assistant' };
  if (calls && calls.length > 0) {
    out.tool_calls = calls;
    if (text !== '') out.tool_plan = text;
  } else if (text !== '') content.push({ type: 'text', text });
  if (content.length > 0) out.content = content;
  return out;
}

function textOf(content: string | TextContentPart[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}
