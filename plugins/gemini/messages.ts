/**
 * OpenAI-shaped messages → Gemini `contents` and `systemInstruction`. Pure.
 *
 * - system and developer messages become the system instruction (Gemini has one, not a role);
 * - assistant messages become `model` turns: reasoning as a thought part, text, then function calls,
 *   each with the thought signature it came with (from `provider_data.gemini`);
 * - tool results become `functionResponse` parts; Gemini matches them by function name, which is
 *   looked up from the tool call id in the assistant turn that made the call. Consecutive results
 *   share one turn, as Gemini expects for parallel calls.
 *
 * @module
 */
import type { Content, Part } from '@google/genai';
import {
  InvalidRequestError,
  UnsupportedParameterError,
  type AssistantMessage,
  type ChatMessage,
  type ContentPart,
  type RefusalContentPart,
  type TextContentPart,
} from '../../src/plugins/index.js';
import { readSignatures } from './provider-data.js';

/** The converted conversation. */
export interface GeminiConversation {
  contents: Content[];
  systemInstruction?: Content;
}

/** MIME types by file extension, for URLs and files that do not say theirs. */
const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  wav: 'audio/wav',
  mp3: 'audio/mp3',
  mp4: 'video/mp4',
};

/**
 * Converts OpenAI messages to Gemini contents.
 *
 * @example
 * ```ts
 * convertMessages([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], 'gemini');
 * // { systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }
 * ```
 */
export function convertMessages(messages: readonly ChatMessage[], provider: string): GeminiConversation {
  const contents: Content[] = [];
  const system: Part[] = [];
  const toolNames = new Map<string, string>();
  let toolTurn: Part[] | undefined;

  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    if ('name' in message && message.name !== undefined) {
      throw new UnsupportedParameterError(`${at}.name`, provider, 'Gemini has no per-message participant names.');
    }
    if (message.role !== 'tool') toolTurn = undefined;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textParts(message.content));
        return;
      case 'user':
        contents.push({ role: 'user', parts: userParts(message.content, at, provider) });
        return;
      case 'assistant':
        contents.push({ role: 'model', parts: modelParts(message, at, toolNames, provider) });
        return;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw invalid(
            `Invalid request: '${at}.tool_call_id' ('${message.tool_call_id}') matches no tool call of an earlier assistant message; Gemini needs the function's name.`,
            provider,
          );
        }
        const part: Part = { functionResponse: { name, response: toolResponse(joinText(message.content)) } };
        if (toolTurn) toolTurn.push(part);
        else {
          toolTurn = [part];
          contents.push({ role: 'user', parts: toolTurn });
        }
        return;
      }
      default:
        throw invalid(`Invalid request: '${at}.role' is not a role Gemini understands.`, provider);
    }
  });

  const conversation: GeminiConversation = { contents };
  if (system.length > 0) conversation.systemInstruction = { parts: system };
  return conversation;
}

function invalid(message: string, provider: string): InvalidRequestError {
  return new InvalidRequestError(message, { provider, code: 'invalid_request' });
}

/** The text of a message; a refusal part of an earlier assistant turn is what the model said. */
function joinText(content: string | readonly (TextContentPart | RefusalContentPart)[]): string {
  return typeof content === 'string' ? content : content.map((part) => (part.type === 'refusal' ? part.refusal : part.text)).join('');
}

function textParts(content: string | readonly TextContentPart[]): Part[] {
  return typeof content === 'string' ? [{ text: content }] : content.map((part) => ({ text: part.text }));
}

/** A tool's result as Gemini's `response` object: a JSON object as is, anything else under `content`. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: plain text.
  }
  return { content: text };
}

function userParts(content: string | readonly ContentPart[], at: string, provider: string): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, j) => contentPart(part, `${at}.content[${j}]`, provider));
}

function contentPart(part: ContentPart, at: string, provider: string): Part {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image_url': {
      const converted = mediaFromUrl(part.image_url.url, `${at}.image_url.url`, 'image/jpeg', provider);
      const detail = part.image_url.detail;
      if (detail === 'low' || detail === 'high') {
        converted.mediaResolution = { level: detail === 'low' ? 'MEDIA_RESOLUTION_LOW' : 'MEDIA_RESOLUTION_HIGH' } as Part['mediaResolution'];
      }
      return converted;
    }
    case 'file':
      return filePart(part.file, at, provider);
    case 'input_audio':
      return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
    default:
      throw invalid(`Invalid request: '${at}.type' is not a content part Gemini accepts.`, provider);
  }
}

function filePart(file: { file_data?: string; file_id?: string; filename?: string }, at: string, provider: string): Part {
  const guessed = file.filename ? mimeFromPath(file.filename) : undefined;
  if (file.file_data !== undefined) {
    if (file.file_data.startsWith('data:')) return mediaFromUrl(file.file_data, `${at}.file.file_data`, guessed, provider);
    if (!guessed) {
      throw invalid(
        `Invalid request: '${at}.file.file_data' must be a data URL (data:<mime>;base64,...) or come with a filename whose extension gives its type.`,
        provider,
      );
    }
    return { inlineData: { mimeType: guessed, data: file.file_data } };
  }
  if (file.file_id !== undefined) {
    // A Gemini Files API URI (or a gs:// / https URL the API can fetch).
    const fileData: { fileUri: string; mimeType?: string } = { fileUri: file.file_id };
    if (guessed) fileData.mimeType = guessed;
    return { fileData };
  }
  throw invalid(`Invalid request: '${at}.file' needs file_data or file_id.`, provider);
}

/** A data URL → inline bytes; an http(s) or gs:// URL → a file reference Gemini fetches itself. */
function mediaFromUrl(url: string, at: string, fallbackMime: string | undefined, provider: string): Part {
  const data = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (data) {
    if (!data[2].split(';').includes('base64')) {
      throw invalid(`Invalid request: '${at}' must be a base64 data URL (data:<mime>;base64,...).`, provider);
    }
    return { inlineData: { mimeType: data[1], data: data[3] } };
  }
  if (/^(https?|gs):\/\//i.test(url)) {
    const mimeType = mimeFromPath(url) ?? fallbackMime;
    return { fileData: mimeType ? { fileUri: url, mimeType } : { fileUri: url } };
  }
  throw invalid(`Invalid request: '${at}' must be a data URL or an https URL.`, provider);
}

function mimeFromPath(path: string): string | undefined {
  const clean = path.split(/[?#]/)[0];
  const extension = /\.([a-z0-9]+)$/i.exec(clean)?.[1]?.toLowerCase();
  return extension ? MIME_BY_EXTENSION[extension] : undefined;
}

function modelParts(message: AssistantMessage, at: string, toolNames: Map<string, string>, provider: string): Part[] {
  const signatures = readSignatures(message.provider_data);
  const parts: Part[] = [];
  if (typeof message.reasoning === 'string' && message.reasoning !== '') {
    parts.push(withSignature({ text: message.reasoning, thought: true }, signatures.reasoning_signature));
  }
  const text = message.content === undefined || message.content === null ? '' : joinText(message.content);
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  if (text !== '' || refusal !== '' || signatures.text_signature !== undefined) {
    // An empty text part is how Gemini itself carries a signature that belongs to no text.
    parts.push(withSignature({ text: text || refusal }, signatures.text_signature));
  }
  (message.tool_calls ?? []).forEach((call, j) => {
    // convertParams has refused custom tool calls.
    if (call.type !== 'function') throw new UnsupportedParameterError(`${at}.tool_calls[${j}]`, provider);
    toolNames.set(call.id, call.function.name);
    const args = parseArguments(call.function.arguments, `${at}.tool_calls[${j}].function.arguments`, provider);
    parts.push(withSignature({ functionCall: { name: call.function.name, args } }, signatures.tool_call_signatures?.[call.id]));
  });
  if (parts.length === 0) parts.push({ text: '' });
  return parts;
}

function withSignature(part: Part, signature: string | undefined): Part {
  return signature === undefined ? part : { ...part, thoughtSignature: signature };
}

function parseArguments(text: string, at: string, provider: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`Invalid request: '${at}' is not valid JSON.`, provider);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`Invalid request: '${at}' must be a JSON object.`, provider);
  }
  return value as Record<string, unknown>;
}
