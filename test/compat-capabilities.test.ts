// A request that needs a capability the manifest does not claim is refused, naming the parameter.
import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../src/errors.js';
import { checkCapabilities } from '../src/protocol/capabilities.js';
import type { Capabilities, CompletionParams } from '../src/types.js';

const all: Capabilities = { completion: true, streaming: true, tools: true, reasoning: true, images: true, pdf: true, responseFormat: true };
const base: CompletionParams = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const tool = { type: 'function' as const, function: { name: 'f' } };

function refusal(params: CompletionParams, capabilities: Capabilities, stream = false): string | undefined {
  try {
    checkCapabilities(params, capabilities, 'acme', { stream });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect((error as UnsupportedParameterError).provider).toBe('acme');
    return (error as UnsupportedParameterError).parameter;
  }
}

describe('capability checks', () => {
  it('lets everything through when every capability is claimed', () => {
    const params: CompletionParams = {
      ...base,
      tools: [tool],
      tool_choice: 'auto',
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }, { type: 'file', file: { file_data: 'data:,' } }] }],
    };
    expect(refusal(params, all, true)).toBeUndefined();
  });

  it.each([
    ['streaming', 'stream', base, true],
    ['tools', 'tools', { ...base, tools: [tool] }, false],
    ['tools', 'tool_choice', { ...base, tool_choice: 'none' as const }, false],
    ['reasoning', 'reasoning_effort', { ...base, reasoning_effort: 'high' as const }, false],
    ['responseFormat', 'response_format', { ...base, response_format: { type: 'json_object' as const } }, false],
    ['images', 'messages[1].content[1].image_url', { ...base, messages: [base.messages[0], { role: 'user' as const, content: [{ type: 'text' as const, text: 'see' }, { type: 'image_url' as const, image_url: { url: 'data:,' } }] }] }, false],
    ['pdf', 'messages[0].content[0].file', { ...base, messages: [{ role: 'user' as const, content: [{ type: 'file' as const, file: { file_data: 'data:,' } }] }] }, false],
    // An embeddings-only provider (Voyage): chat itself is refused, streamed or not, before any other part.
    ['completion', 'completion', base, false],
    ['completion', 'completion', { ...base, tools: [tool] }, true],
  ] as const)('without %s, refuses naming %s', (capability, parameter, params, stream) => {
    expect(refusal(params as CompletionParams, { ...all, [capability]: false }, stream)).toBe(parameter);
  });

  it('refuses chat only when the manifest says completion: false, not when it leaves completion out', () => {
    const { completion: _left, ...silent } = all;
    expect(refusal(base as CompletionParams, silent, false)).toBeUndefined();
    expect(refusal(base as CompletionParams, { ...all, completion: false }, false)).toBe('completion');
  });

  it("always accepts response_format 'text', which asks for nothing special", () => {
    expect(refusal({ ...base, response_format: { type: 'text' } }, { ...all, responseFormat: false })).toBeUndefined();
  });
});
