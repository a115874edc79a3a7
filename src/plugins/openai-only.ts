/**
 * The request shapes only OpenAI's own API takes (openai-node's types allow them, so the host
 * accepts them): custom tools, `allowed_tools`, prompt-cache breakpoints, `detail: 'original'`,
 * refusal parts, audio references, `function` messages and `function_call`. A provider that cannot
 * send one upstream calls `rejectOpenAIOnly` first, so each is refused with
 * `UnsupportedParameterError` naming the field instead of being dropped on the way.
 *
 * @module
 */
import { UnsupportedParameterError } from '../errors.js';
import type { CompletionParams } from '../types.js';

/** A shape the caller's provider maps itself, so `rejectOpenAIOnly` lets it through. */
export type OpenAIOnlyShape = 'allowed_tools' | 'refusal_parts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/**
 * Throws `UnsupportedParameterError` for the first OpenAI-only shape in `params`, naming its path
 * (`tools[1]`, `messages[2].content[0].prompt_cache_breakpoint` ...).
 *
 * @param provider the provider name, for the error
 * @param mapped shapes this provider translates itself
 * @example
 * ```ts
 * rejectOpenAIOnly({ model, messages, tools: [{ type: 'custom', custom: { name: 'sql' } }] }, 'anthropic');
 * // throws UnsupportedParameterError: ... the parameter 'tools[0]': custom tools are OpenAI's ...
 * ```
 */
export function rejectOpenAIOnly(params: CompletionParams, provider: string, mapped: readonly OpenAIOnlyShape[] = []): void {
  const refuse = (parameter: string, detail: string): never => {
    throw new UnsupportedParameterError(parameter, provider, detail);
  };
  params.tools?.forEach((tool, i) => {
    if (tool.type === 'custom') refuse(`tools[${i}]`, 'custom tools are an OpenAI feature; use a function tool.');
  });
  const choice = params.tool_choice;
  if (typeof choice === 'object' && choice !== null) {
    if (choice.type === 'custom') refuse('tool_choice', 'custom tools are an OpenAI feature.');
    if (choice.type === 'allowed_tools' && !mapped.includes('allowed_tools')) {
      refuse('tool_choice', "'allowed_tools' is an OpenAI feature; pass only the allowed tools in 'tools'.");
    }
  }
  if (params.stream_options?.include_obfuscation === true) {
    refuse('stream_options.include_obfuscation', 'stream obfuscation is an OpenAI feature.');
  }
  params.messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (message.role === 'function') {
      refuse(`${at}.role`, "'function' messages are OpenAI's deprecated form; use 'tool' messages.");
    }
    if (message.role === 'assistant') {
      if (message.audio !== undefined && message.audio !== null) refuse(`${at}.audio`, 'audio output references are an OpenAI feature.');
      if (message.function_call !== undefined && message.function_call !== null) {
        refuse(`${at}.function_call`, "'function_call' is OpenAI's deprecated form; use 'tool_calls'.");
      }
      message.tool_calls?.forEach((call, j) => {
        if (call.type === 'custom') refuse(`${at}.tool_calls[${j}]`, 'custom tool calls are an OpenAI feature.');
      });
    }
    if (!Array.isArray(message.content)) return;
    (message.content as unknown as Json[]).forEach((part, k) => {
      const where = `${at}.content[${k}]`;
      if (part.prompt_cache_breakpoint !== undefined) refuse(`${where}.prompt_cache_breakpoint`, 'explicit cache breakpoints are an OpenAI feature.');
      if (part.type === 'refusal' && !mapped.includes('refusal_parts')) refuse(where, 'refusal content parts are an OpenAI feature; pass the refusal as text.');
      const image = part.image_url;
      if (part.type === 'image_url' && isObject(image) && image.detail === 'original') {
        refuse(`${where}.image_url.detail`, "'original' is an OpenAI detail level.");
      }
    });
  });
}
