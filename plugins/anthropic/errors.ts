/**
 * Errors from Anthropic that carry no HTTP status: an `event: error` in the middle of a stream
 * (the SDK raises it without a status), mapped to AnyLLM's classes by Anthropic's error type.
 *
 * @module
 */
import { mapSdkError } from '../../src/plugins/index.js';

/** Anthropic's error types and the HTTP status each one is sent with. */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * Maps what the Anthropic SDK threw to an AnyLLM error, with Anthropic's own message (not the
 * SDK's "status + JSON body" text). A mid-stream error, which has no HTTP status, gets the status
 * its Anthropic error type stands for: a streamed `overloaded_error` is a `ProviderError` with 529.
 *
 * @example
 * ```ts
 * try { return await client.messages.create(body, { signal }); }
 * catch (error) { throw mapAnthropicError(error, 'anthropic'); }
 * ```
 */
export function mapAnthropicError(error: unknown, provider: string): Error {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    error?: { error?: { type?: unknown; message?: unknown } } | null;
  };
  const type = shape.error?.error?.type;
  const apiMessage = shape.error?.error?.message;
  const status = typeof shape.status === 'number' ? shape.status : typeof type === 'string' ? STATUS_BY_TYPE[type] : undefined;
  if (status === undefined || typeof apiMessage !== 'string') return mapSdkError(error, provider);
  return mapSdkError(error, provider, { status, message: apiMessage });
}
