/**
 * OpenAI chat messages → Anthropic's `system` blocks and `messages`. Pure.
 *
 * - system and developer messages become the top-level `system` text blocks, in order;
 * - `tool` messages become `tool_result` blocks of a user turn (consecutive results share one turn);
 * - assistant `tool_calls` become `tool_use` blocks, after the thinking blocks carried on
 *   `provider_data` (Anthropic wants signed thinking first and unchanged).
 *
 * @module
 */
import {
  InvalidRequestError,
  UnsupportedParameterError,
  type AssistantMessage,
  type CacheControl,
  type ChatMessage,
  type ContentPart,
  type RefusalContentPart,
  type TextContentPart,
  type ToolMessage,
} from '../../src/plugins/index.js';
import { fromProviderData } from './provider-data.js';
import type {
  AnthropicAssistantBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicUserBlock,
} from './wire-types.js';

/** The image types Anthropic accepts inline. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** The converted conversation. */
export interface ConvertedMessages {
  system: AnthropicTextBlock[] | undefined;
  messages: AnthropicMessage[];
}

/**
 * Converts OpenAI-shaped messages to Anthropic's `system` and `messages`.
 *
 * @param provider the provider name, for errors
 * @example
 * ```ts
 * convertMessages([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], 'anthropic');
 * // { system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: 'Hi' }] }
 * ```
 */
export function convertMessages(messages: readonly ChatMessage[], provider: string): ConvertedMessages {
  const system: AnthropicTextBlock[] = [];
  const out: AnthropicMessage[] = [];
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    // convertRequest has refused OpenAI-only shapes (function messages, custom tool calls ...).
    if (message.role === 'function') throw new UnsupportedParameterError(`${at}.role`, provider);
    if ('name' in message && message.name !== undefined) {
      throw new UnsupportedParameterError(`${at}.name`, provider, 'Anthropic messages have no participant names.');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content));
        return;
      case 'user':
        out.push({ role: 'user', content: userContent(message.content, at, provider) });
        return;
      case 'assistant':
        out.push({ role: 'assistant', content: assistantContent(message, at, provider) });
        return;
      case 'tool':
        appendToolResult(out, toolResult(message));
        return;
    }
  });
  return { system: system.length > 0 ? system : undefined, messages: out };
}

/**
 * Text (and, in assistant turns, refusal) parts as text blocks: a refusal is what the model said.
 * A part's `cache_control` stays on its block; an empty part is left out unless it carries one
 * (dropping it would drop the cache mark).
 */
function textBlocks(content: string | (TextContentPart | RefusalContentPart)[]): AnthropicTextBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: AnthropicTextBlock[] = [];
  for (const part of content) {
    const text = part.type === 'refusal' ? part.refusal : part.text;
    const mark = part.type === 'text' ? part.cache_control : undefined;
    if (text === '' && mark === undefined) continue;
    blocks.push(withCacheControl({ type: 'text', text }, mark));
  }
  return blocks;
}

/** `block` with the part's `cache_control`, when it has one. */
function withCacheControl<B extends object>(block: B, mark: CacheControl | undefined): B {
  if (mark !== undefined) (block as { cache_control?: CacheControl }).cache_control = { ...mark };
  return block;
}

function userContent(content: string | ContentPart[], at: string, provider: string): string | AnthropicUserBlock[] {
  if (typeof content === 'string') return content;
  return content.map((part, j) => userBlock(part, `${at}.content[${j}]`, provider));
}

function userBlock(part: ContentPart, at: string, provider: string): AnthropicUserBlock {
  const mark = part.type === 'input_audio' ? undefined : part.cache_control;
  return withCacheControl(userBlockOf(part, at, provider), mark);
}

function userBlockOf(part: ContentPart, at: string, provider: string): AnthropicUserBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto') {
        throw new UnsupportedParameterError(`${at}.image_url.detail`, provider, 'Anthropic has no image detail level.');
      }
      return imageBlock(part.image_url.url, `${at}.image_url.url`, provider);
    case 'file':
      return fileBlock(part.file, at, provider);
    case 'input_audio':
      throw new UnsupportedParameterError(`${at}.input_audio`, provider, 'Anthropic does not accept audio input.');
  }
}

/** A data URL split into its media type and base64 payload. */
function parseDataUrl(url: string, at: string, provider: string): { mediaType: string; data: string } {
  const match = /^data:([^;,]+)((?:;[^;,]+)*?);base64,(.*)$/s.exec(url);
  if (!match) throw invalid(at, 'must be a base64 data: URL or an http(s) URL', provider);
  return { mediaType: match[1].toLowerCase(), data: match[3] };
}

function imageBlock(url: string, at: string, provider: string): AnthropicImageBlock {
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const { mediaType, data } = parseDataUrl(url, at, provider);
  if (!IMAGE_TYPES.has(mediaType)) {
    throw new UnsupportedParameterError(at, provider, `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${mediaType}.`);
  }
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
}

function fileBlock(
  file: { file_data?: string; file_id?: string; filename?: string },
  at: string,
  provider: string,
): AnthropicDocumentBlock | AnthropicImageBlock {
  const title = file.filename ? { title: file.filename } : {};
  if (file.file_id !== undefined) return { type: 'document', source: { type: 'file', file_id: file.file_id }, ...title };
  if (file.file_data === undefined) {
    throw invalid(`${at}.file`, 'needs file_data or file_id', provider);
  }
  if (/^https?:\/\//i.test(file.file_data)) return { type: 'document', source: { type: 'url', url: file.file_data }, ...title };
  // OpenAI also takes bare base64 for a named PDF.
  const { mediaType, data } = file.file_data.startsWith('data:')
    ? parseDataUrl(file.file_data, `${at}.file.file_data`, provider)
    : { mediaType: /\.pdf$/i.test(file.filename ?? '') ? 'application/pdf' : 'unknown', data: file.file_data };
  if (mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: mediaType, data }, ...title };
  if (mediaType === 'text/plain') {
    const text = Buffer.from(data, 'base64').toString('utf8');
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title };
  }
  if (IMAGE_TYPES.has(mediaType)) return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  throw new UnsupportedParameterError(
    `${at}.file`,
    provider,
    `Anthropic accepts PDF, plain-text and image files as a data: URL, not ${mediaType === 'unknown' ? 'bare base64 without a .pdf filename' : mediaType}.`,
  );
}

function assistantContent(message: AssistantMessage, at: string, provider: string): string | AnthropicAssistantBlock[] {
  const thinking = fromProviderData(message.provider_data);
  const calls = message.tool_calls ?? [];
  // A refusal without content (openai-node's result message) is what the model said that turn.
  const content = message.content ?? message.refusal ?? '';
  if (thinking.length === 0 && calls.length === 0 && typeof content === 'string') return content;
  const blocks: AnthropicAssistantBlock[] = [...thinking, ...textBlocks(content)];
  calls.forEach((call, j) => {
    if (call.type !== 'function') throw new UnsupportedParameterError(`${at}.tool_calls[${j}]`, provider);
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, `${at}.tool_calls[${j}].function.arguments`, provider) });
  });
  return blocks;
}

function parseArguments(text: string, at: string, provider: string): unknown {
  if (text.trim() === '') return {};
  try {
    const input: unknown = JSON.parse(text);
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input;
  } catch {
    // Reported below with the field's name.
  }
  throw invalid(at, 'must be a JSON object', provider);
}

function invalid(at: string, problem: string, provider: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid request: '${at}' ${problem}.`, { provider, code: 'invalid_request' });
}

function toolResult(message: ToolMessage): AnthropicToolResultBlock {
  const content = typeof message.content === 'string' ? message.content : textBlocks(message.content);
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

/** Tool results of one assistant turn go back together, in one user turn. */
function appendToolResult(out: AnthropicMessage[], block: AnthropicToolResultBlock): void {
  const last = out.at(-1);
  if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) {
    last.content.push(block);
    return;
  }
  out.push({ role: 'user', content: [block] });
}
