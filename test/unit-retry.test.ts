// The retry policy: which failures are tried again, how long the host waits, and the option's checks.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  InvalidRequestError,
  PluginCrashedError,
  PluginUnavailableError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from '../src/errors.js';
import { createAbortError } from '../src/errors.js';
import { isRetryable, resolveRetry, retryDelay, RETRY_DEFAULTS } from '../src/host/retry.js';

const exact = { ...RETRY_DEFAULTS, jitter: 0 };

describe('isRetryable', () => {
  it.each([
    ['a rate limit', new RateLimitError('slow down', { status: 429 })],
    ['a 500', new ProviderError('boom', { status: 500 })],
    ['a 503', new ProviderError('unavailable', { status: 503 })],
    ["Anthropic's 529 overloaded", new ProviderError('overloaded', { status: 529, code: 'overloaded_error' })],
    ['an overloaded code without a status', new ProviderError('overloaded', { code: 'overloaded' })],
    ['a connection error', new ConnectionError('refused', { code: 'ECONNREFUSED' })],
    ['a crashed plugin', new PluginCrashedError('exited')],
    ["an SDK's own request timeout", new TimeoutError('Request timed out.')],
  ])('retries %s', (_what, error) => {
    expect(isRetryable(error)).toBe(true);
  });

  it.each([
    ['an abort', createAbortError()],
    ["the caller's timeoutMs", new TimeoutError('late', { code: 'timeout' })],
    ["the caller's idleTimeoutMs", new TimeoutError('silent', { code: 'idle_timeout' })],
    ['a bad key', new AuthenticationError('bad key', { status: 401 })],
    ['a bad request', new InvalidRequestError('bad', { status: 400 })],
    ['a 499 provider error', new ProviderError('client closed', { status: 499 })],
    ["the plugin's own failure (no status)", new ProviderError('plugin failed to load')],
    ['a spent crash budget', new PluginUnavailableError('crashed 3 times', { code: 'crash_budget' })],
    ['something that is not an error', 'oops'],
  ])('does not retry %s', (_what, error) => {
    expect(isRetryable(error)).toBe(false);
  });
});

describe('retryDelay', () => {
  it('waits exactly what the provider asked for in retry-after', () => {
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: 1200 }), 1, RETRY_DEFAULTS)).toBe(1200);
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: 0 }), 1, RETRY_DEFAULTS)).toBe(0);
  });

  it('does not retry when the provider asks for longer than maxDelayMs (the call fails or falls back)', () => {
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: 30_001 }), 1, RETRY_DEFAULTS)).toBeUndefined();
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: 30_000 }), 1, RETRY_DEFAULTS)).toBe(30_000);
  });

  it('backs off exponentially from initialDelayMs by factor, capped at maxDelayMs', () => {
    const error = new ProviderError('x', { status: 503 });
    const policy = { ...exact, maxAttempts: 10, initialDelayMs: 100, factor: 3, maxDelayMs: 2_000 };
    expect([1, 2, 3, 4, 5].map((retry) => retryDelay(error, retry, policy))).toEqual([100, 300, 900, 2_000, 2_000]);
  });

  it('takes up to `jitter` of each backoff off at random', () => {
    const error = new ProviderError('x', { status: 503 });
    const policy = { ...RETRY_DEFAULTS, initialDelayMs: 1_000, jitter: 0.5 };
    expect(retryDelay(error, 1, policy, () => 0)).toBe(1_000);
    expect(retryDelay(error, 1, policy, () => 0.5)).toBe(750);
    expect(retryDelay(error, 1, policy, () => 0.999)).toBe(500);
    // A provider's own retry-after is never jittered.
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: 800 }), 1, policy, () => 0.999)).toBe(800);
  });

  it('stops after maxAttempts attempts in all', () => {
    const error = new ProviderError('x', { status: 500 });
    expect(retryDelay(error, 2, { ...exact, maxAttempts: 3 })).toBe(1_000);
    expect(retryDelay(error, 3, { ...exact, maxAttempts: 3 })).toBeUndefined();
    expect(retryDelay(error, 1, { ...exact, maxAttempts: 1 })).toBeUndefined();
  });

  it('never retries what is not retryable', () => {
    expect(retryDelay(new AuthenticationError('no', { status: 401 }), 1, exact)).toBeUndefined();
  });
});

describe('resolveRetry', () => {
  it('fills in the defaults, field by field over a base', () => {
    expect(resolveRetry(undefined)).toEqual({ maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 });
    expect(resolveRetry({ maxAttempts: 5 })).toEqual({ ...RETRY_DEFAULTS, maxAttempts: 5 });
    const base = resolveRetry({ maxAttempts: 5, initialDelayMs: 10 });
    expect(resolveRetry({ factor: 3 }, base)).toEqual({ ...RETRY_DEFAULTS, maxAttempts: 5, initialDelayMs: 10, factor: 3 });
    expect(resolveRetry(undefined, base)).toEqual(base);
  });

  it('false turns retries off; true is the defaults', () => {
    expect(resolveRetry(false).maxAttempts).toBe(1);
    expect(resolveRetry(true, resolveRetry(false))).toEqual(RETRY_DEFAULTS);
  });

  it.each([
    ['a string', 'yes', "Option 'retry' must be an object or false."],
    ['an array', [], "Option 'retry' must be an object or false."],
    ['an unknown field', { maxRetries: 2 }, "Option 'retry.maxRetries' is unknown"],
    ['zero attempts', { maxAttempts: 0 }, "Option 'retry.maxAttempts' must be an integer from 1 to 100."],
    ['a fractional attempt count', { maxAttempts: 2.5 }, "'retry.maxAttempts' must be an integer"],
    ['a negative delay', { initialDelayMs: -1 }, "'retry.initialDelayMs' must be a number from 0"],
    ['an infinite delay', { maxDelayMs: Infinity }, "'retry.maxDelayMs' must be a number"],
    ['a factor below 1', { factor: 0.5 }, "'retry.factor' must be a number from 1 to 100."],
    ['jitter above 1', { jitter: 1.5 }, "'retry.jitter' must be a number from 0 to 1."],
    ['a first delay above the cap', { initialDelayMs: 5_000, maxDelayMs: 1_000 }, "'retry.initialDelayMs' (5000) is above 'retry.maxDelayMs' (1000)"],
  ])('refuses %s with InvalidRequestError', (_what, value, message) => {
    expect(() => resolveRetry(value, RETRY_DEFAULTS, 'openai')).toThrow(InvalidRequestError);
    expect(() => resolveRetry(value, RETRY_DEFAULTS, 'openai')).toThrow(message);
  });
});

describe('resolveRetry at the limits', () => {
  it('names the provider on every refusal', () => {
    for (const value of ['yes', { maxRetries: 2 }, { maxAttempts: 0 }, { initialDelayMs: 5_000, maxDelayMs: 1_000 }]) {
      expect(() => resolveRetry(value, RETRY_DEFAULTS, 'openai')).toThrow(expect.objectContaining({ provider: 'openai' }));
    }
  });

  it('lists the known fields', () => {
    expect(() => resolveRetry({ maxRetries: 2 })).toThrow("Option 'retry.maxRetries' is unknown (known: maxAttempts, initialDelayMs, maxDelayMs, factor, jitter).");
  });

  it('refuses null, a numeric string and NaN', () => {
    expect(() => resolveRetry(null)).toThrow("Option 'retry' must be an object or false.");
    expect(() => resolveRetry({ factor: '2' })).toThrow("Option 'retry.factor' must be a number from 1 to 100.");
    expect(() => resolveRetry({ jitter: Number.NaN })).toThrow("Option 'retry.jitter' must be a number from 0 to 1.");
  });

  it('accepts each limit itself, and an undefined field as unset', () => {
    expect(resolveRetry({ maxAttempts: 1, factor: 100, jitter: 0 })).toMatchObject({ maxAttempts: 1, factor: 100, jitter: 0 });
    expect(resolveRetry({ maxAttempts: 100, factor: 1, jitter: 1 })).toMatchObject({ maxAttempts: 100, factor: 1, jitter: 1 });
    expect(resolveRetry({ initialDelayMs: 0, maxDelayMs: 3_600_000 })).toMatchObject({ initialDelayMs: 0, maxDelayMs: 3_600_000 });
    expect(resolveRetry({ initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 })).toMatchObject({ initialDelayMs: 3_600_000 });
    expect(() => resolveRetry({ maxDelayMs: 3_600_001 })).toThrow("'retry.maxDelayMs' must be a number from 0 to 3600000.");
    expect(() => resolveRetry({ maxDelayMs: -1 })).toThrow("'retry.maxDelayMs' must be a number from 0 to 3600000.");
    expect(resolveRetry({ initialDelayMs: 1_000, maxDelayMs: 1_000 })).toMatchObject({ initialDelayMs: 1_000, maxDelayMs: 1_000 });
    expect(resolveRetry({ maxAttempts: undefined }, { ...RETRY_DEFAULTS, maxAttempts: 7 }).maxAttempts).toBe(7);
  });
});

describe('isRetryable and retryDelay, the edges', () => {
  it("retries Anthropic's overloaded_error code without a status, and not a non-provider error with a 5xx status", () => {
    expect(isRetryable(new ProviderError('overloaded', { code: 'overloaded_error' }))).toBe(true);
    expect(isRetryable(new InvalidRequestError('odd', { status: 500 }))).toBe(false);
  });

  it('backs off as usual when retry-after is negative or infinite', () => {
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: -5 }), 1, exact)).toBe(500);
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: Infinity }), 1, exact)).toBe(500);
    expect(retryDelay(new RateLimitError('x', { retryAfterMs: Number.NaN }), 1, exact)).toBe(500);
  });
});
