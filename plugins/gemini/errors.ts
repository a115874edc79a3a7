/**
 * `@google/genai` errors → AnyLLM's error classes. The SDK's `ApiError` carries the HTTP status and,
 * as its message, Google's JSON error body (`{ error: { code, message, status, details } }`); the
 * wait a 429 asks for is in a `google.rpc.RetryInfo` detail, not a header.
 *
 * @module
 */
import {
  AnyLLMError,
  AuthenticationError,
  createAbortError,
  errorForStatus,
  isAbortError,
  TimeoutError,
  mapSdkError,
} from '../../src/plugins/index.js';

/** Google's error body. */
interface GoogleErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; retryDelay?: string; reason?: string }[];
}

/**
 * Reads Google's error body out of an `ApiError` message (`{...}` or `got status: X. {...}`).
 *
 * @example
 * ```ts
 * parseGoogleError('{"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED"}}')?.status; // 'RESOURCE_EXHAUSTED'
 * ```
 */
export function parseGoogleError(message: string): GoogleErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: unknown };
    const body = parsed.error;
    return typeof body === 'object' && body !== null ? (body as GoogleErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `google.protobuf.Duration` string ("34.4s") → milliseconds.
 *
 * @example
 * ```ts
 * parseRetryDelay('34.4s'); // 34400
 * ```
 */
export function parseRetryDelay(delay: string | undefined): number | undefined {
  const match = delay === undefined ? null : /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/**
 * Turns whatever the Gemini SDK threw into an AnyLLM error. `timedOut` says the SDK's own timeout
 * (not the caller) aborted the request.
 *
 * @example
 * ```ts
 * try { await ai.models.generateContent(request); }
 * catch (error) { throw mapGeminiError(error, 'gemini', false); }
 * ```
 */
export function mapGeminiError(error: unknown, provider: string, timedOut: boolean): Error {
  if (error instanceof AnyLLMError) return error;
  if (isAbortError(error)) return timedOut ? new TimeoutError('The request to Gemini timed out.', { provider }) : createAbortError();
  const { name, status, message } = error as { name?: unknown; status?: unknown; message?: unknown };
  if (name !== 'ApiError' || typeof status !== 'number' || typeof message !== 'string') return mapSdkError(error, provider);
  const body = parseGoogleError(message);
  const text = body?.message ?? message;
  const options = {
    provider,
    code: body?.status,
    cause: error,
    retryAfterMs: parseRetryDelay(body?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay),
  };
  // Gemini answers a bad key with 400 INVALID_ARGUMENT and an ErrorInfo reason.
  if (body?.details?.some((detail) => detail.reason === 'API_KEY_INVALID')) return new AuthenticationError(text, { ...options, status });
  return errorForStatus(status, text, options);
}
