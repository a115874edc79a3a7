// Errors cross the plugin boundary as JSON-RPC errors and come back as the same class.
// (A pure unit test of src/errors.ts: classes and functions come from the same module.)
import { describe, expect, it } from 'vitest';
import {
  AnyLLMError,
  AuthenticationError,
  ContentFilterError,
  ContextLengthExceededError,
  InvalidRequestError,
  MissingApiKeyError,
  ModelNotFoundError,
  PluginCrashedError,
  PluginProtocolError,
  PluginUnavailableError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  UnsupportedParameterError,
  errorForStatus,
  fromWireError,
  parseRetryAfter,
  toWireError,
} from '../src/errors.js';

const roundTrip = (error: unknown) => fromWireError(JSON.parse(JSON.stringify(toWireError(error, 'acme'))), 'acme');

describe('wire round trip', () => {
  it.each([
    InvalidRequestError,
    AuthenticationError,
    ModelNotFoundError,
    ContextLengthExceededError,
    ContentFilterError,
    ProviderError,
    TimeoutError,
  ])('%o keeps its class, message, status and code', (ErrorClass) => {
    const back = roundTrip(new ErrorClass('it broke', { provider: 'acme', status: 418, code: 'teapot' }));
    expect(back).toBeInstanceOf(ErrorClass);
    expect(back).toBeInstanceOf(AnyLLMError);
    expect(back).toMatchObject({ message: 'it broke', provider: 'acme', status: 418, code: 'teapot', name: ErrorClass.name });
  });

  it("bounds a plugin's retryAfterMs to an hour and drops one that is not a wait", () => {
    const wire = (retryAfterMs: unknown) =>
      fromWireError({ code: -32000, message: 'slow down', data: { type: 'RateLimitError', status: 429, retryAfterMs } }, 'acme') as RateLimitError;
    expect(wire(1e15).retryAfterMs).toBe(3_600_000);
    expect(wire(-5).retryAfterMs).toBeUndefined();
    expect(wire(Number.NaN).retryAfterMs).toBeUndefined();
    expect(wire(250).retryAfterMs).toBe(250);
  });

  it("drops a plugin's status or retry count that is not a plausible integer", () => {
    const wire = (data: Record<string, unknown>) =>
      fromWireError({ code: -32000, message: 'no', data: { type: 'ProviderError', ...data } }, 'acme') as ProviderError & { retries?: number };
    for (const status of [1e308, -1, 401.5, 99, 600]) expect(wire({ status }).status, String(status)).toBeUndefined();
    expect(wire({ status: 503 }).status).toBe(503);
    for (const retries of [-1, 1.5, 1e9]) expect(wire({ retries }).retries, String(retries)).toBeUndefined();
  });

  it('RateLimitError keeps retryAfterMs', () => {
    const back = roundTrip(new RateLimitError('slow down', { status: 429, retryAfterMs: 1500 }));
    expect(back).toBeInstanceOf(RateLimitError);
    expect(back).toMatchObject({ retryAfterMs: 1500, status: 429, provider: 'acme' });
  });

  it('UnsupportedParameterError keeps the parameter name', () => {
    const back = roundTrip(new UnsupportedParameterError('logit_bias', 'acme'));
    expect(back).toBeInstanceOf(UnsupportedParameterError);
    expect(back).toMatchObject({ parameter: 'logit_bias', provider: 'acme' });
    expect(back.message).toContain('logit_bias');
  });

  it.each([PluginCrashedError, PluginUnavailableError, PluginProtocolError])(
    '%o, which only the host raises, is never rebuilt from what a plugin sends: it arrives as a ProviderError',
    (ErrorClass) => {
      const back = roundTrip(new ErrorClass('a fake crash', { provider: 'acme', code: 'crash_budget' }));
      expect(back).not.toBeInstanceOf(ErrorClass);
      expect(back).toBeInstanceOf(ProviderError);
      expect(back).toMatchObject({ name: 'ProviderError', message: 'a fake crash', provider: 'acme' });
    },
  );

  it('a MissingApiKeyError from a plugin (only the host resolves keys) arrives as a ProviderError', () => {
    const back = roundTrip(new MissingApiKeyError('acme', 'OPENAI_API_KEY'));
    expect(back).not.toBeInstanceOf(MissingApiKeyError);
    expect(back).toBeInstanceOf(ProviderError);
  });

  it('the provider is the one the host knows the connection by, not the one the plugin claims', () => {
    const back = fromWireError({ code: -32000, message: 'x', data: { type: 'ProviderError', provider: 'openai' } }, 'acme');
    expect(back).toMatchObject({ provider: 'acme' });
  });

  it('an abort comes back as an AbortError', () => {
    expect(roundTrip(new DOMException('aborted', 'AbortError')).name).toBe('AbortError');
  });

  it('a plain Error becomes a ProviderError with its message', () => {
    const back = roundTrip(new TypeError('undefined is not a function'));
    expect(back).toBeInstanceOf(ProviderError);
    expect(back.message).toBe('undefined is not a function');
  });

  it('an unknown type on the wire becomes a ProviderError, not an arbitrary class', () => {
    const back = fromWireError({ code: -32000, message: 'x', data: { type: 'constructor' } });
    expect(back).toBeInstanceOf(ProviderError);
  });
});

describe('errorForStatus', () => {
  it.each([
    [400, InvalidRequestError],
    [401, AuthenticationError],
    [403, AuthenticationError],
    [404, ModelNotFoundError],
    [422, InvalidRequestError],
    [429, RateLimitError],
    [500, ProviderError],
    [529, ProviderError],
  ] as const)('%i → %o', (status, ErrorClass) => {
    expect(errorForStatus(status, 'msg')).toBeInstanceOf(ErrorClass);
  });

  it('recognises a context-length 400', () => {
    const error = errorForStatus(400, "This model's maximum context length is 128000 tokens.");
    expect(error).toBeInstanceOf(ContextLengthExceededError);
    expect(error).toBeInstanceOf(InvalidRequestError);
  });
});

describe('parseRetryAfter', () => {
  const headers = (values: Record<string, string>) => new Headers(values);
  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    const date = parseRetryAfter(headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }));
    expect(date).toBeGreaterThan(50_000);
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});
