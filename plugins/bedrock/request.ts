/**
 * OpenAI-shaped params → a Bedrock Converse request. Pure.
 *
 * @module
 */
import {
  InvalidRequestError,
  UnsupportedParameterError,
  rejectUnsupported,
  type ChatMessage,
  type CompletionParams,
  type ContentPart,
  type JsonObject,
  type PromptCacheBreakpoint,
  type ToolChoice,
} from '../../src/plugins/index.js';
import type { BedrockContentBlock, BedrockMessage, BedrockToolConfig, ConverseRequest } from './wire.js';

/** What Converse has no field for. */
const UNSUPPORTED = [
  'response_format', 'n', 'seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs',
  'parallel_tool_calls', 'modalities', 'audio', 'prediction', 'web_search_options', 'prompt_cache_key', 'service_tier', 'user',
] as const;
/** What the plugin reads (anything else set is refused, never dropped). */
const KNOWN = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop',
  'reasoning_effort', 'stream', 'stream_options', ...UNSUPPORTED,
]);

/** Thinking budgets for Claude on Bedrock (`reasoning_config.budget_tokens`), as any-llm sets them. */
const THINKING_BUDGETS: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 24576, xhigh: 32768 };

const IMAGE_FORMATS: Readonly<Record<string, 'png' | 'jpeg' | 'gif' | 'webp'>> = {
  'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp',
};

/**
 * Converts params to a Converse request and the model id that goes in its path.
 *
 * @example
 * ```ts
 * convertParams({ model: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: 'Hi' }] }, 'bedrock');
 * // { modelId: 'anthropic.claude-…', body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] } }
 * ```
 */
export function convertParams(params: CompletionParams, provider: string): { modelId: string; body: ConverseRequest } {
  rejectUnsupported(params, UNSUPPORTED, provider);
  for (const name of Object.keys(params)) {
    if (!KNOWN.has(name) && params[name] !== undefined) throw new UnsupportedParameterError(name, provider, 'Bedrock Converse has no such field.');
  }
  const body: ConverseRequest = { messages: [] };
  const system: { text: string }[] = [];
  for (const message of params.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      for (const part of typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content) system.push({ text: part.text });
      continue;
    }
    appendMessage(body.messages, message, provider);
  }
  if (system.length > 0) body.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  if (maxTokens != null) inference.maxTokens = maxTokens;
  if (params.temperature != null) inference.temperature = params.temperature;
  if (params.top_p != null) inference.topP = params.top_p;
  if (params.stop != null) inference.stopSequences = typeof params.stop === 'string' ? [params.stop] : params.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const toolConfig = convertTools(params, provider);
  if (toolConfig) body.toolConfig = toolConfig;

  const effort = params.reasoning_effort;
  if (effort != null && effort !== 'none') {
    const budget = THINKING_BUDGETS[effort];
    if (budget === undefined) throw new UnsupportedParameterError('reasoning_effort', provider, `'${effort}' has no thinking budget on Bedrock.`);
    body.additionalModelRequestFields = { reasoning_config: { type: 'enabled', budget_tokens: budget } };
  }
  return { modelId: params.model, body };
}

function convertTools(params: CompletionParams, provider: string): BedrockToolConfig | undefined {
  const choice: ToolChoice | undefined = params.tool_choice;
  if (!params.tools || params.tools.length === 0) {
    if (choice !== undefined && choice !== 'none' && choice !== 'auto') throw new InvalidRequestError("'tool_choice' needs 'tools'.", { provider });
    return undefined;
  }
  // Converse has no "none": sending no tools is the only way to forbid calls.
  if (choice === 'none') return undefined;
  const tools = params.tools.map((tool) => {
    if (tool.type !== 'function') throw new UnsupportedParameterError('tools', provider, 'Bedrock takes function tools only.');
    const fn = tool.function;
    return {
      toolSpec: {
        name: fn.name,
        ...(fn.description ? { description: fn.description } : {}),
        inputSchema: { json: fn.parameters ?? { type: 'object', properties: {} } },
      },
    };
  });
  const config: BedrockToolConfig = { tools };
  if (choice === 'required') config.toolChoice = { any: {} };
  else if (choice === 'auto') config.toolChoice = { auto: {} };
  else if (typeof choice === 'object' && choice.type === 'function') config.toolChoice = { tool: { name: choice.function.name } };
  else if (choice !== undefined) throw new UnsupportedParameterError('tool_choice', provider, 'Bedrock takes auto, none, required or one function.');
  return config;
}

/** Tool results go in user turns; consecutive ones share one (Bedrock wants them grouped). */
function appendMessage(out: BedrockMessage[], message: ChatMessage, provider: string): void {
  const push = (role: 'user' | 'assistant', blocks: BedrockContentBlock[]): void => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  switch (message.role) {
    case 'user':
      push('user', userBlocks(message.content, provider));
      return;
    case 'tool': {
      const text = typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('');
      push('user', [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text }] } }]);
      return;
    }
    case 'assistant': {
      const blocks: BedrockContentBlock[] = [...reasoningFromProviderData(message.provider_data)];
      const content = message.content;
      if (typeof content === 'string' && content !== '') blocks.push({ text: content });
      else if (Array.isArray(content)) for (const part of content) if (part.type === 'text' && part.text !== '') blocks.push({ text: part.text });
      for (const call of message.tool_calls ?? []) {
        if (call.type !== 'function') throw new UnsupportedParameterError('tool_calls', provider, 'Bedrock takes function tool calls only.');
        blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments, provider) } });
      }
      push('assistant', blocks);
      return;
    }
    default:
      throw new UnsupportedParameterError('messages', provider, `Bedrock has no '${message.role}' messages.`);
  }
}

function parseArguments(text: string, provider: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`A tool call's arguments are not JSON: ${text.slice(0, 80)}`, { provider });
  }
}

function cachePoint(breakpoint: PromptCacheBreakpoint | undefined, provider: string): BedrockContentBlock[] {
  if (!breakpoint) return [];
  if (breakpoint.ttl !== undefined) throw new UnsupportedParameterError('prompt_cache_breakpoint.ttl', provider, 'Bedrock cache points have one lifetime.');
  return [{ cachePoint: { type: 'default' } }];
}

function userBlocks(content: string | ContentPart[], provider: string): BedrockContentBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  const blocks: BedrockContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push({ text: part.text });
    else if (part.type === 'image_url') {
      const data = dataUrl(part.image_url.url);
      const format = data && IMAGE_FORMATS[data.mediaType];
      if (!data || !format) throw new UnsupportedParameterError('image_url', provider, 'Bedrock takes images as base64 data URLs (png, jpeg, gif, webp), not links.');
      blocks.push({ image: { format, source: { bytes: data.base64 } } });
    } else if (part.type === 'file') {
      const data = part.file.file_data === undefined ? undefined : dataUrl(part.file.file_data);
      if (!data || data.mediaType !== 'application/pdf') throw new UnsupportedParameterError('file', provider, 'Bedrock takes PDF files as base64 data URLs.');
      // Bedrock allows letters, digits, spaces, hyphens, parentheses and brackets in a document name.
      const name = (part.file.filename ?? 'document').replace(/\.pdf$/i, '').replace(/[^A-Za-z0-9 \-()[\]]/g, ' ').trim() || 'document';
      blocks.push({ document: { format: 'pdf', name, source: { bytes: data.base64 } } });
    } else {
      throw new UnsupportedParameterError(part.type, provider, 'Bedrock Converse takes text, images and PDFs.');
    }
    blocks.push(...cachePoint(part.prompt_cache_breakpoint, provider));
  }
  return blocks;
}

function dataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1].toLowerCase(), base64: match[2] } : undefined;
}

/** Signed reasoning blocks of an earlier turn go back unchanged (Claude verifies the signature). */
function reasoningFromProviderData(data: JsonObject | undefined): BedrockContentBlock[] {
  const own = data?.bedrock;
  if (typeof own !== 'object' || own === null || Array.isArray(own) || !Array.isArray(own.reasoning)) return [];
  const blocks: BedrockContentBlock[] = [];
  for (const item of own.reasoning) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    if (typeof item.text === 'string' && typeof item.signature === 'string') {
      blocks.push({ reasoningContent: { reasoningText: { text: item.text, signature: item.signature } } });
    } else if (typeof item.redactedContent === 'string') {
      blocks.push({ reasoningContent: { redactedContent: item.redactedContent } });
    }
  }
  return blocks;
}
