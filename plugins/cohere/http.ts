/**
 * Cohere's HTTP API through `fetch` (the sandbox's fetch where the plugin is sandboxed): bearer
 * auth, JSON bodies, retries of 408/429/5xx and of failed connections with the server's
 * `retry-after` or a backoff, and Cohere's error bodies (`{ "message": ... }`) as AnyLLM errors.
 *
 * @module
 */
import { AuthenticationError, createAbortError, parseRetryAfter, mapSdkError } from '../../src/plugins/index.js';

export interface CohereHttpOptions {
  provider: string;
  apiKey: string | undefined;
  /** The origin (and any path prefix) the `/v2/...` and `/v1/...` paths go under. */
  baseUrl: string;
  /** Retries after the first attempt (default 2, as Cohere's SDK). */
  maxRetries: number;
  headers: Record<string, string>;
}

const RETRY_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);
const MAX_DELAY_MS = 8_000;

/**
 * Sends one request, retried as Cohere's SDK would, and returns the successful response (its body
 * unread). Anything else is thrown as an AnyLLM error.
 *
 * @example
 * ```ts
 * const res = await cohereFetch(options, 'POST', '/v2/chat', body, signal);
 * const answer = await res.json();
 * ```
 */
export async function cohereFetch(options: CohereHttpOptions, method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  const url = `${options.baseUrl}${path}`;
  const headers: Record<string, string> = { accept: body === undefined ? 'application/json' : 'application/json, text/event-stream', ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (signal.aborted) throw createAbortError();
      if (attempt >= options.maxRetries) throw mapSdkError(error, options.provider, { origin: new URL(url).origin });
      await sleep(backoff(attempt), signal);
      continue;
    }
    if (response.ok) return response;
    if (attempt < options.maxRetries && RETRY_STATUSES.has(response.status)) {
      await response.body?.cancel().catch(() => {});
      await sleep(Math.min(parseRetryAfter(response.headers) ?? backoff(attempt), MAX_DELAY_MS), signal);
      continue;
    }
    throw await httpError(response, options.provider);
  }
}

/** Cohere's error response as an AnyLLM error: its `message`, status, and `retry-after`. */
async function httpError(response: Response, provider: string): Promise<Error> {
  const text = await response.text().catch(() => '');
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
    if (typeof parsed.message === 'string') message = parsed.message;
    else if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not JSON (a proxy's page): the text is the message.
  }
  if (message === '') message = `The provider answered with HTTP status ${response.status} and no message.`;
  // 498 is Cohere's "invalid token".
  if (response.status === 498) return new AuthenticationError(message, { provider, status: 498 });
  return mapSdkError({ status: response.status, headers: response.headers, message }, provider);
}

function backoff(attempt: number): number {
  return Math.min(500 * 2 ** attempt, MAX_DELAY_MS) * (0.75 + Math.random() / 4);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(createAbortError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(createAbortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
