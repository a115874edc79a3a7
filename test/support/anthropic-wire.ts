/**
 * Anthropic's Messages API wire format on a LocalServer: `POST /v1/messages` answered with a JSON
 * message or server-sent events (`event: <type>` + `data: <json>`), `GET /v1/models` with
 * Anthropic's cursor pagination, and errors as Anthropic sends them
 * (`{ type: 'error', error: { type, message } }`, with `retry-after` on 429).
 */
import type { ServerResponse } from 'node:http';
import { chunkLines } from './fixtures.js';
import { sendJson, sendSse, type LocalServer, type RecordedRequest, type SseOptions } from './local-server.js';

/** One Anthropic stream event: its `type` and whatever that type carries. */
export type WireEvent = { type: string; [field: string]: unknown };

export type MessagesHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A content block of a response message. */
export type WireBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface WireUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  output_tokens_details?: { thinking_tokens: number };
}

/** A non-streaming response body. */
export interface WireMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: WireUsage;
}

/** Anthropic's error type for each status it sends. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Serves `POST /v1/messages` with `handler`; `prefix` puts it under a path (Foundry's `/anthropic`). */
export function onMessages(server: LocalServer, handler: MessagesHandler, prefix = ''): void {
  server.on('POST', `${prefix}/v1/messages`, handler);
}

/** The SSE text of one Anthropic event: its type on the `event:` line, the JSON on `data:`. */
export function sseEvent(event: WireEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}`;
}

/** Streams Anthropic events (objects) as server-sent events. */
export function streamEvents(res: ServerResponse, events: readonly WireEvent[], options?: SseOptions): Promise<void> {
  return sendSse(res, events.map(sseEvent), options);
}

/** A vercel-ai `anthropic-*.chunks.txt` recording (one JSON event per line) as SSE event texts. */
export function recordedEvents(path: string): string[] {
  return chunkLines<WireEvent>(path).map(sseEvent);
}

/**
 * Sends an error as Anthropic does; the type follows the status unless given.
 */
export function sendAnthropicError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { type?: string; headers?: Record<string, string> } = {},
): void {
  const type = extra.type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: 'req_test' }, {
    'request-id': 'req_test',
    ...extra.headers,
  });
}

/** A response message with the given blocks. */
export function wireMessage(content: WireBlock[], extra: Partial<WireMessage> = {}): WireMessage {
  const hasTool = content.some((block) => block.type === 'tool_use');
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5',
    content,
    stop_reason: hasTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    ...extra,
  };
}

/** Splits text into pieces of at most `size` characters (at least one piece). */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/**
 * The events Anthropic streams for `message`: message_start (empty content, input usage), each
 * block as start / deltas in small fragments / stop, message_delta (stop reason, output usage), message_stop.
 */
export function eventsFor(message: WireMessage, fragment = 7): WireEvent[] {
  const { content, stop_reason, stop_sequence, usage, ...head } = message;
  const events: WireEvent[] = [
    { type: 'message_start', message: { ...head, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } },
  ];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const text of pieces(block.text, fragment)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    } else if (block.type === 'thinking') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const thinking of pieces(block.thinking, fragment)) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });
      }
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
    } else if (block.type === 'redacted_thinking') {
      events.push({ type: 'content_block_start', index, content_block: block });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
      for (const partial_json of ['', ...(json ? pieces(json, fragment) : [])]) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason, stop_sequence }, usage: { output_tokens: usage.output_tokens, ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}) } });
  events.push({ type: 'message_stop' });
  return events;
}

/**
 * Answers every `POST /v1/messages` with `message`: as JSON, or streamed when the request asks.
 * `options.prefix` serves it under a path (Foundry's `/anthropic`).
 */
export function serveMessage(server: LocalServer, message: WireMessage, options?: SseOptions & { prefix?: string }): void {
  onMessages(
    server,
    (req, res) => {
      if ((req.body as { stream?: boolean }).stream) return streamEvents(res, eventsFor(message), options);
      sendJson(res, 200, message);
    },
    options?.prefix,
  );
}

export interface WireModel {
  id: string;
  display_name: string;
  created_at: string;
}

/** Serves `GET /v1/models` from `models`, `pageSize` at a time, following `after_id` cursors. */
export function serveModels(server: LocalServer, models: readonly WireModel[], pageSize = 20): void {
  server.on('GET', '/v1/models', (req, res) => {
    const after = req.query.get('after_id');
    const limit = Number(req.query.get('limit') ?? pageSize) || pageSize;
    const start = after ? models.findIndex((m) => m.id === after) + 1 : 0;
    const page = models.slice(start, start + Math.min(limit, pageSize));
    sendJson(res, 200, {
      data: page.map((m) => ({ type: 'model', ...m })),
      has_more: start + page.length < models.length,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  });
}

