/**
 * What a manifest's capabilities mean for a request. The host applies this before any plugin is
 * touched, for built-in and community providers alike: a request that needs a capability the
 * manifest does not claim fails with an `UnsupportedParameterError` naming the parameter.
 *
 * @module
 */
import { UnsupportedParameterError } from '../errors.js';
import type { Capabilities, CompletionParams } from '../types.js';

/**
 * Throws `UnsupportedParameterError` for the first part of `params` that `capabilities` rule out.
 * Capabilities left unset count as not claimed.
 *
 * @example
 * ```ts
 * checkCapabilities({ model, messages, tools }, { completion: true }, 'perplexity', { stream: false });
 * // throws: Provider 'perplexity' does not support the parameter 'tools' ...
 * ```
 */
export function checkCapabilities(
  params: CompletionParams,
  capabilities: Capabilities,
  provider: string,
  mode: { stream: boolean },
): void {
  const refuse = (parameter: string, detail: string): never => {
    throw new UnsupportedParameterError(parameter, provider, detail);
  };
  // An embeddings-only provider (Voyage) has no chat endpoint: refused here, not sent to a 404.
  // Only a manifest that says so (an embeddings-only provider): one that leaves it out is not taken at its silence.
  if (capabilities.completion === false) refuse('completion', 'this provider has no chat completions endpoint (see its capabilities).');
  if (mode.stream && !capabilities.streaming) refuse('stream', 'this provider does not stream; call completion() instead.');
  if (!capabilities.tools) {
    for (const name of ['tools', 'tool_choice', 'parallel_tool_calls']) {
      if (params[name] !== undefined && params[name] !== null) refuse(name, 'this provider does not support tool calling.');
    }
  }
  if (!capabilities.reasoning && params.reasoning_effort !== undefined && params.reasoning_effort !== null) {
    refuse('reasoning_effort', 'this provider has no reasoning models.');
  }
  const format = params.response_format;
  if (!capabilities.responseFormat && format && format.type !== 'text') {
    refuse('response_format', `this provider cannot constrain output to '${format.type}'.`);
  }
  params.messages.forEach((message, i) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, j) => {
      if (part.type === 'image_url' && !capabilities.images) {
        refuse(`messages[${i}].content[${j}].image_url`, 'this provider does not accept image input.');
      }
      if (part.type === 'file' && !capabilities.pdf) {
        refuse(`messages[${i}].content[${j}].file`, 'this provider does not accept PDF or file input.');
      }
    });
  });
}
