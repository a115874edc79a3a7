/**
 * OpenAI's Chat Completions wire format on a LocalServer: streamed chunks as `data:` events ending
 * in `data: [DONE]`, JSON bodies, and error bodies as OpenAI sends them.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, type LocalServer, type RecordedRequest, type SseOptions } from './local-server.js';

export type ChatHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** Serves `POST {prefix}/chat/completions` with `handler`. */
export function onChat(server: LocalServer, handler: ChatHandler, prefix = '/v1'): void {
  server.on('POST', `${prefix}/chat/completions`, handler);
}

/** Streams OpenAI chunks (objects) as SSE, then `[DONE]`. */
export function streamChunks(res: ServerResponse, chunks: unknown[], options?: SseOptions): Promise<void> {
  return sendSse(res, [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}`), 'data: [DONE]'], options);
}

/** Sends an OpenAI-style error. */
export function sendOpenAIError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { type?: string; code?: string | null; headers?: Record<string, string> } = {},
): void {
  sendJson(
    res,
    status,
    { error: { message, type: extra.type ?? 'invalid_request_error', param: null, code: extra.code ?? null } },
    extra.headers,
  );
}

/** A text chunk in OpenAI's shape. */
export function textChunk(content: string, index = 0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [{ index, delta: { content }, logprobs: null, finish_reason: null }],
    ...extra,
  };
}

/** `n` text chunks, a finish chunk and a usage chunk: a synthetic stream of a given length. */
export function syntheticStream(n: number): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) chunks.push(textChunk(`t${i} `));
  chunks.push({ ...textChunk(''), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  chunks.push({ ...textChunk(''), choices: [], usage: { prompt_tokens: 5, completion_tokens: n, total_tokens: n + 5 } });
  return chunks;
}

/** A non-streaming completion in OpenAI's shape. */
export function completionBody(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    ...extra,
  };
}

/** Streams a text chunk every `everyMs` until `count` were sent (then `[DONE]`) or the client goes away. */
export async function trickle(res: ServerResponse, everyMs: number, count = Infinity): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < count && !res.destroyed; i++) {
    res.write(`data: ${JSON.stringify(textChunk(`w${i} `))}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  if (!res.destroyed) res.end('data: [DONE]\n\n');
}
