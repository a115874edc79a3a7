/**
 * Google's Gemini API wire format on a LocalServer: `POST /v1beta/models/{model}:generateContent`
 * (JSON), `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (one `data:` event per
 * response chunk, no `[DONE]`), `GET /v1beta/models` (paged), and errors in Google's shape
 * `{ error: { code, message, status, details } }`, with `google.rpc.RetryInfo` on 429.
 */
import type { ServerResponse } from 'node:http';
import { fixtureJson } from './fixtures.js';
import { sendJson, sendSse, type Handler, type LocalServer, type SseOptions } from './local-server.js';

export const GEMINI_VERSION = 'v1beta';

/** The path of a model method, e.g. `/v1beta/models/gemini-2.5-flash:generateContent`. */
export function modelPath(model: string, method: 'generateContent' | 'streamGenerateContent'): string {
  return `/${GEMINI_VERSION}/models/${model}:${method}`;
}

/** Serves `generateContent` for `model`. */
export function onGenerate(server: LocalServer, model: string, handler: Handler): void {
  server.on('POST', modelPath(model, 'generateContent'), handler);
}

/** Serves `streamGenerateContent` for `model`. */
export function onStream(server: LocalServer, model: string, handler: Handler): void {
  server.on('POST', modelPath(model, 'streamGenerateContent'), handler);
}

/** Streams Gemini response chunks (objects) as SSE `data:` events, as `alt=sse` does. */
export function streamEvents(res: ServerResponse, events: readonly unknown[], options?: SseOptions): Promise<void> {
  return sendSse(res, events.map((event) => `data: ${JSON.stringify(event)}`), options);
}

/** Google's canonical status name for an HTTP status. */
export function googleStatus(code: number): string {
  const names: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ABORTED',
    429: 'RESOURCE_EXHAUSTED',
    499: 'CANCELLED',
    500: 'INTERNAL',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return names[code] ?? 'UNKNOWN';
}

/** Google's error body. */
export function googleErrorBody(code: number, message: string, details: unknown[] = []): Record<string, unknown> {
  return { error: { code, message, status: googleStatus(code), details } };
}

/** A `google.rpc.RetryInfo` detail asking the client to wait `seconds`. */
export function retryInfo(seconds: number): Record<string, unknown> {
  return { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` };
}

/** Sends an error in Google's shape. */
export function sendGoogleError(res: ServerResponse, code: number, message: string, details: unknown[] = []): void {
  sendJson(res, code, googleErrorBody(code, message, details));
}

export interface ResponseOptions {
  finishReason?: string;
  usage?: Record<string, number>;
  responseId?: string;
  modelVersion?: string;
}

/** One `generateContent` response (or stream event) with a single candidate. */
export function geminiResponse(parts: unknown[], options: ResponseOptions = {}): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { role: 'model', parts }, index: 0 };
  if (options.finishReason) candidate.finishReason = options.finishReason;
  const body: Record<string, unknown> = {
    candidates: [candidate],
    modelVersion: options.modelVersion ?? 'gemini-2.5-flash',
    responseId: options.responseId ?? 'resp-test',
  };
  if (options.usage) body.usageMetadata = options.usage;
  return body;
}

/** Serves `GET /v1beta/models`, one page per `nextPageToken`. */
export function onListModels(server: LocalServer, pages: readonly { name: string; displayName?: string }[][]): void {
  server.on('GET', `/${GEMINI_VERSION}/models`, (req, res) => {
    const page = Number(req.query.get('pageToken') ?? '0');
    const body: Record<string, unknown> = { models: pages[page] ?? [] };
    if (page + 1 < pages.length) body.nextPageToken = String(page + 1);
    sendJson(res, 200, body);
  });
}

/** One recorded interaction of a js-genai replay file. */
export interface GenaiInteraction {
  request: { method: string; url: string; bodySegments: unknown[] };
  response: { statusCode: number; bodySegments: unknown[] };
}

/** The interactions of a js-genai replay recording (test/fixtures/recorded/js-genai/). */
export function genaiRecording(name: string): GenaiInteraction[] {
  return fixtureJson<{ interactions: GenaiInteraction[] }>(`js-genai/${name}.json`).interactions;
}
