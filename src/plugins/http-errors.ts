/**
 * Maps the errors SDKs throw (openai, @anthropic-ai/sdk, @google/genai ...) to AnyLLM's classes.
 * Duck-typed on `status` and `headers`, so it needs none of the SDKs.
 *
 * @module
 */
import {
  AnyLLMError,
  createAbortError,
  errorForStatus,
  isAbortError,
  parseRetryAfter,
  ProviderError,
  TimeoutError,
} from '../errors.js';

interface HeadersLike {
  get(name: string): string | null;
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  code?: unknown;
  headers?: unknown;
  error?: unknown;
}

function headersOf(value: unknown): HeadersLike | undefined {
  if (value && typeof (value as HeadersLike).get === 'function') return value as HeadersLike;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return { get: (name) => (typeof record[name] === 'string' ? (record[name] as string) : null) };
  }
  return undefined;
}

/** The provider's own error code or type, from the SDK error or the response body it carries. */
function codeOf(error: SdkErrorShape): string | undefined {
  if (typeof error.code === 'string') return error.code;
  const body = error.error as { type?: unknown; code?: unknown; error?: { type?: unknown; status?: unknown } } | undefined;
  if (body && typeof body === 'object') {
    if (typeof body.code === 'string') return body.code;
    if (typeof body.type === 'string' && body.type !== 'error') return body.type;
    if (body.error && typeof body.error.type === 'string') return body.error.type;
    if (body.error && typeof body.error.status === 'string') return body.error.status;
  }
  return undefined;
}

/**
 * Turns anything a provider SDK threw into an AnyLLM error class with `status` and `provider`.
 * `override` supplies what a provider knows better than the SDK's error (its own message, the
 * status of a mid-stream error that has none); the SDK's error stays the `cause`.
 *
 * @example
 * ```ts
 * try { return await client.chat.completions.create(body, { signal }); }
 * catch (error) { throw mapSdkError(error, 'openai'); }
 * ```
 */
export function mapSdkError(error: unknown, provider: string, override: { status?: number; message?: string } = {}): Error {
  // A sandbox network denial explains itself better than the SDK's 'Connection error.' wrapping it.
  const denial = networkDenial(error);
  if (denial) return denial;
  if (error instanceof AnyLLMError) return error;
  if (isAbortError(error)) return createAbortError();
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const message = override.message ?? (typeof shape.message === 'string' ? shape.message : String(error));
  const status = override.status ?? shape.status;
  if (name === 'APIUserAbortError') return createAbortError();
  if (name === 'APIConnectionTimeoutError') return new TimeoutError(message, { provider, cause: error });
  if (typeof status === 'number') {
    return errorForStatus(status, message, {
      provider,
      code: codeOf(shape),
      retryAfterMs: parseRetryAfter(headersOf(shape.headers)),
      cause: error,
    });
  }
  return new ProviderError(message, { provider, cause: error });
}

/** The host's refusal of a sandboxed request (code `network_denied`) somewhere in `error`'s cause chain. */
function networkDenial(error: unknown): AnyLLMError | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof AnyLLMError && current.code === 'network_denied') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
