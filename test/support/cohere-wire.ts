/**
 * Cohere's v2 Chat API wire format on a LocalServer: `POST /v2/chat` answered with a JSON chat
 * response, or with `event:`/`data:` server-sent events (message-start, content-*, tool-plan-delta,
 * tool-call-*, message-end), and Cohere's error bodies (`{ id, message }`).
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, type LocalServer, type RecordedRequest, type SseOptions } from './local-server.js';

export type CohereEvent = { type: string; [field: string]: unknown };

export interface CohereUsageBody {
  billed_units: { input_tokens: number; output_tokens: number };
  tokens: { input_tokens: number; output_tokens: number };
  cached_tokens?: number;
}

/** What the model answers, before it is put into either form. */
export interface CohereAnswer {
  id?: string;
  text?: string;
  thinking?: string;
  toolPlan?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  finishReason: 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';
  usage: { input: number; output: number; cached?: number };
  /** The `delta.error` of a message-end that ends in ERROR. */
  error?: string;
}

/** Serves `POST /v2/chat` with `handler`. */
export function onCohereChat(server: LocalServer, handler: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>): void {
  server.on('POST', '/v2/chat', handler);
}

export function usageBody(usage: CohereAnswer['usage']): CohereUsageBody {
  const counts = { input_tokens: usage.input, output_tokens: usage.output };
  return { billed_units: { ...counts }, tokens: { ...counts }, ...(usage.cached !== undefined ? { cached_tokens: usage.cached } : {}) };
}

/** The non-streaming answer. */
export function chatResponse(answer: CohereAnswer): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (answer.thinking !== undefined) content.push({ type: 'thinking', thinking: answer.thinking });
  if (answer.text !== undefined) content.push({ type: 'text', text: answer.text });
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (answer.toolPlan !== undefined) message.tool_plan = answer.toolPlan;
  if (answer.toolCalls) message.tool_calls = answer.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return { id: answer.id ?? 'c0a1b2c3-conf', finish_reason: answer.finishReason, message, usage: usageBody(answer.usage) };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The streamed answer, event by event, as Cohere sends it. */
export function chatEvents(answer: CohereAnswer): CohereEvent[] {
  const events: CohereEvent[] = [
    { type: 'message-start', id: answer.id ?? 'c0a1b2c3-conf', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  ];
  let index = 0;
  for (const [kind, text] of [['thinking', answer.thinking], ['text', answer.text]] as const) {
    if (text === undefined) continue;
    events.push({ type: 'content-start', index, delta: { message: { content: { type: kind, [kind]: '' } } } });
    for (const piece of pieces(text, 5)) events.push({ type: 'content-delta', index, delta: { message: { content: { [kind]: piece } } } });
    events.push({ type: 'content-end', index });
    index++;
  }
  if (answer.toolPlan !== undefined) {
    for (const piece of pieces(answer.toolPlan, 6)) events.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: piece } } });
  }
  answer.toolCalls?.forEach((call, i) => {
    events.push({ type: 'tool-call-start', index: i, delta: { message: { tool_calls: { id: call.id, type: 'function', function: { name: call.name, arguments: '' } } } } });
    for (const piece of pieces(call.arguments, 4)) events.push({ type: 'tool-call-delta', index: i, delta: { message: { tool_calls: { function: { arguments: piece } } } } });
    events.push({ type: 'tool-call-end', index: i });
  });
  const delta: Record<string, unknown> = { finish_reason: answer.finishReason, usage: usageBody(answer.usage) };
  if (answer.error !== undefined) delta.error = answer.error;
  events.push({ type: 'message-end', delta });
  return events;
}

/** The SSE text of one event: its type on the `event:` line, the JSON on `data:`. */
export function cohereSse(event: CohereEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}`;
}

/** Streams `events`, then the terminator. */
export function streamCohere(res: ServerResponse, events: readonly CohereEvent[], options?: SseOptions): Promise<void> {
  const texts = events.map(cohereSse);
  return sendSse(res, options?.hang ? texts : [...texts, 'data: [DONE]'], options);
}

/** Answers every `POST /v2/chat` with `answer`: as JSON, or streamed when the request asks. */
export function serveCohere(server: LocalServer, answer: CohereAnswer): void {
  onCohereChat(server, (req, res) => {
    if ((req.body as { stream?: boolean }).stream) return streamCohere(res, chatEvents(answer));
    sendJson(res, 200, chatResponse(answer));
  });
}

/** Cohere's error body. */
export function sendCohereError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { id: 'err-conf', message }, headers);
}

/** `GET /v1/models`, paged `pageSize` at a time with `next_page_token`. */
export function serveCohereModels(server: LocalServer, names: readonly string[], pageSize = 20): void {
  server.on('GET', '/v1/models', (req, res) => {
    const start = Number(req.query.get('page_token') ?? '0');
    const models = names.slice(start, start + pageSize).map((name) => ({ name, endpoints: ['chat'], finetuned: false, context_length: 128000 }));
    const next = start + pageSize < names.length ? String(start + pageSize) : null;
    sendJson(res, 200, { models, ...(next ? { next_page_token: next } : {}) });
  });
}

/**
 * Serves Cohere's v2 Embed (`POST /v2/embed`) as Cohere answers it: `embeddings.float` in text
 * order, the texts echoed, `meta.billed_units.input_tokens` (`billed(texts)`, default 2 a text), no model.
 */
export function serveCohereEmbed(
  server: LocalServer,
  vectorFor: (text: string, i: number) => number[],
  billed: (texts: string[]) => number = (texts) => texts.length * 2,
): void {
  server.on('POST', '/v2/embed', (req, res) => {
    const { texts } = req.body as { texts: string[] };
    sendJson(res, 200, {
      id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
      embeddings: { float: texts.map((text, i) => vectorFor(text, i)) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: billed(texts) } },
      response_type: 'embeddings_by_type',
    });
  });
}
