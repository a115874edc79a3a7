/**
 * OpenAI-shaped params → a watsonx.ai chat request (`POST /ml/v1/text/chat`). Its body is OpenAI's
 * with `model_id` for `model`, a `project_id` or `space_id`, and the tool choice split in two:
 * `tool_choice_option` for the words, `tool_choice` for one named function. Pure.
 *
 * @module
 */
import { UnsupportedParameterError, rejectUnsupported, type CompletionParams } from '../../src/plugins/index.js';

/** What the chat API has no field for (any-llm offers no reasoning or input files for watsonx either). */
const UNSUPPORTED = ['reasoning_effort', 'logit_bias', 'user', 'parallel_tool_calls', 'modalities', 'audio', 'prediction', 'service_tier', 'prompt_cache_key', 'web_search_options'] as const;
/** Passed as they are. */
const SAME = ['messages', 'tools', 'temperature', 'top_p', 'stop', 'frequency_penalty', 'presence_penalty', 'seed', 'n', 'logprobs', 'top_logprobs', 'response_format'] as const;
const KNOWN = new Set<string>(['model', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'stream', 'stream_options', ...SAME, ...UNSUPPORTED]);

/** Where the request runs: a project or a deployment space. */
export interface WatsonxScope {
  project_id?: string;
  space_id?: string;
}

/**
 * Converts params to a watsonx.ai chat body.
 *
 * @example
 * ```ts
 * convertParams({ model: 'ibm/granite-3-8b-instruct', messages, tool_choice: 'required', tools }, { project_id: 'p' }, 'watsonx');
 * // { model_id: 'ibm/granite-3-8b-instruct', project_id: 'p', messages, tools, tool_choice_option: 'required' }
 * ```
 */
export function convertParams(params: CompletionParams, scope: WatsonxScope, provider: string): Record<string, unknown> {
  rejectUnsupported(params, UNSUPPORTED, provider);
  for (const name of Object.keys(params)) {
    if (!KNOWN.has(name) && params[name] !== undefined) throw new UnsupportedParameterError(name, provider, 'the watsonx.ai chat API has no such field.');
  }
  for (const message of params.messages) {
    const other = message.role === 'user' && Array.isArray(message.content) ? message.content.find((part) => part.type !== 'text' && part.type !== 'image_url') : undefined;
    if (other) throw new UnsupportedParameterError(other.type, provider, 'watsonx.ai chat takes text and image_url parts.');
  }
  const body: Record<string, unknown> = { model_id: params.model, ...scope };
  for (const name of SAME) if (params[name] != null) body[name] = params[name];
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  if (maxTokens != null) body.max_tokens = maxTokens;
  const choice = params.tool_choice;
  if (typeof choice === 'string') body.tool_choice_option = choice;
  else if (choice?.type === 'function') body.tool_choice = { type: 'function', function: { name: choice.function.name } };
  else if (choice !== undefined) throw new UnsupportedParameterError('tool_choice', provider, 'watsonx.ai takes auto, none, required or one function.');
  return body;
}
