/**
 * Retries in the host: which failures are worth another attempt, how long to wait before it, and
 * the `retry` option that sets both. The host retries the whole call (a crashed plugin, a 429, a
 * 5xx); the SDKs inside plugins are told not to retry, so the two never multiply.
 *
 * @module
 */
import {
  ConnectionError,
  InvalidRequestError,
  isAbortError,
  PluginCrashedError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from '../errors.js';
import type { RetryOptions } from '../types.js';

export type { RetryOptions };

/** A retry policy with every default filled in; `maxAttempts: 1` when retries are off. */
export type RetryPolicy = Required<RetryOptions>;

export const RETRY_DEFAULTS: Readonly<RetryPolicy> = {
  maxAttempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

/** No retries: what `retry: false` means. */
export const NO_RETRY: Readonly<RetryPolicy> = { ...RETRY_DEFAULTS, maxAttempts: 1 };

/**
 * Checks a `retry` option and fills in the defaults; `base` is what the client set (a per-call
 * `retry` overrides the client's field by field).
 *
 * @throws InvalidRequestError naming the field that is wrong.
 * @example
 * ```ts
 * resolveRetry({ maxAttempts: 5 }).initialDelayMs; // 500
 * resolveRetry(false).maxAttempts;                 // 1
 * ```
 */
export function resolveRetry(value: unknown, base: RetryPolicy = RETRY_DEFAULTS, provider?: string): RetryPolicy {
  if (value === undefined) return { ...base };
  if (value === false) return { ...NO_RETRY };
  if (value === true) return { ...RETRY_DEFAULTS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`Option 'retry' must be an object or false.`, { provider });
  }
  const resolved: RetryPolicy = { ...base };
  for (const [name, raw] of Object.entries(value)) {
    if (raw === undefined) continue;
    if (!Object.hasOwn(RETRY_DEFAULTS, name)) {
      throw new InvalidRequestError(`Option 'retry.${name}' is unknown (known: ${Object.keys(RETRY_DEFAULTS).join(', ')}).`, { provider });
    }
    const key = name as keyof RetryPolicy;
    const [min, max, integer] = LIMITS[key];
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min || raw > max || (integer && !Number.isInteger(raw))) {
      const what = integer ? 'an integer' : 'a number';
      throw new InvalidRequestError(`Option 'retry.${name}' must be ${what} from ${min} to ${max}.`, { provider });
    }
    resolved[key] = raw;
  }
  if (resolved.initialDelayMs > resolved.maxDelayMs) {
    throw new InvalidRequestError(`Option 'retry.initialDelayMs' (${resolved.initialDelayMs}) is above 'retry.maxDelayMs' (${resolved.maxDelayMs}).`, { provider });
  }
  return resolved;
}

/** [min, max, integer] of each field. */
const LIMITS: Record<keyof RetryPolicy, [number, number, boolean]> = {
  maxAttempts: [1, 100, true],
  initialDelayMs: [0, 3_600_000, false],
  maxDelayMs: [0, 3_600_000, false],
  factor: [1, 100, false],
  jitter: [0, 1, false],
};

/**
 * Whether a failed attempt may be tried again: rate limits, overloaded and 5xx provider errors,
 * connection errors, an SDK's request timeout, and a plugin that crashed or hung under the call.
 * Never an abort, a timeout the caller set, or another 4xx.
 *
 * @example
 * ```ts
 * isRetryable(new RateLimitError('slow down', { status: 429 })); // true
 * isRetryable(new AuthenticationError('bad key'));                // false
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (isAbortError(error)) return false;
  if (error instanceof RateLimitError || error instanceof ConnectionError || error instanceof PluginCrashedError) return true;
  // An SDK's own request timeout or a slow handshake; never the caller's `timeoutMs` / `idleTimeoutMs`.
  if (error instanceof TimeoutError) return error.code !== 'timeout' && error.code !== 'idle_timeout';
  if (error instanceof ProviderError) {
    const status = error.status;
    // An overloaded provider (Anthropic's 529, `overloaded_error`) or a server error; a ProviderError without a status is the plugin's own failure.
    return (status !== undefined && status >= 500) || error.code === 'overloaded' || error.code === 'overloaded_error';
  }
  return false;
}

/**
 * The wait before retry number `retry` (1 for the first retry), or undefined when none should be
 * made: the attempts are used up, the error is not retryable, or the provider asked for a longer
 * wait than `maxDelayMs`. A provider's `retry-after` is waited exactly; otherwise exponential
 * backoff with jitter. `random` is injectable for tests.
 *
 * @example
 * ```ts
 * retryDelay(new RateLimitError('x', { retryAfterMs: 1200 }), 1, RETRY_DEFAULTS); // 1200
 * retryDelay(new ProviderError('x', { status: 503 }), 2, { ...RETRY_DEFAULTS, jitter: 0 }); // 1000
 * ```
 */
export function retryDelay(error: unknown, retry: number, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (retry >= policy.maxAttempts || !isRetryable(error)) return undefined;
  const asked = error instanceof RateLimitError ? error.retryAfterMs : undefined;
  if (asked !== undefined && Number.isFinite(asked) && asked >= 0) return asked <= policy.maxDelayMs ? asked : undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (retry - 1));
  return Math.round(backoff * (1 - policy.jitter * random()));
}
