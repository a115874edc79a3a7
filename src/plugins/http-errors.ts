/**
 * Maps the errors SDKs throw (openai, @anthropic-ai/sdk, @google/genai ...) to AnyLLM's classes.
 * Duck-typed on `status` and `headers`, so it needs none of the SDKs.
 *
 * @module
 */
import {
  AnyLLMError,
  ConnectionError,
  createAbortError,
  errorForStatus,
  isAbortError,
  parseRetryAfter,
  ProviderError,
  TimeoutError,
} from '../errors.js';
import { currentFetchAttempts } from './fetch-attempts.js';

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
export function mapSdkError(
  error: unknown,
  provider: string,
  override: { status?: number; message?: string; origin?: string } = {},
): Error {
  // A sandbox network denial explains itself better than the SDK's 'Connection error.' wrapping it.
  const denial = networkDenial(error) ?? sandboxDenial(error, provider);
  if (denial) return denial;
  if (error instanceof AnyLLMError) return error;
  if (isAbortError(error)) return createAbortError();
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const message = override.message ?? (typeof shape.message === 'string' ? shape.message : String(error));
  const status = override.status ?? shape.status;
  const text = typeof status === 'number' ? withoutStatus(message, status) : message;
  if (name === 'APIUserAbortError') return createAbortError();
  if (name === 'APIConnectionTimeoutError') return new TimeoutError(message, { provider, cause: error });
  if (typeof status !== 'number') {
    const failure = connectionFailure(error);
    if (failure) return connectionError(failure, provider, override.origin, error);
  }
  if (typeof status === 'number') {
    return errorForStatus(status, text, {
      provider,
      code: codeOf(shape),
      retryAfterMs: parseRetryAfter(headersOf(shape.headers)),
      cause: error,
    });
  }
  return new ProviderError(message, { provider, cause: error });
}

/**
 * The SDKs start their messages with the status (`429 Rate limit reached`, `429 status code (no
 * body)`); the status is in `error.status`, so the message says it once, in words.
 */
function withoutStatus(message: string, status: number): string {
  const rest = message.startsWith(`${status} `) ? message.slice(String(status).length + 1).trim() : message.trim();
  if (rest === '' || rest === String(status) || /^status code \(no body\)$/.test(rest)) return `The provider answered with HTTP status ${status} and no message.`;
  return detailOf(rest) ?? rest;
}

/**
 * The message of a FastAPI-style error body (`{"detail": "..."}`, or `detail` as a list of
 * `{ msg }` for a 422; Voyage answers so), which an SDK that looks only for `error.message` quotes
 * whole as JSON. Undefined for anything else.
 */
function detailOf(text: string): string | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string' && detail.trim() !== '') return detail.trim();
  if (!Array.isArray(detail)) return undefined;
  const messages = detail.map((item: unknown) => (item as { msg?: unknown } | null)?.msg).filter((msg): msg is string => typeof msg === 'string');
  return messages.length > 0 ? messages.join('; ') : undefined;
}

/** What each Node permission scope lets a plugin do, in words, for a denial's message. */
const SCOPES: Readonly<Record<string, string>> = {
  FileSystemWrite: 'write files',
  FileSystemRead: 'read this file',
  ChildProcess: 'start a process',
  WorkerThreads: 'start a worker thread',
  Net: 'open a network connection',
  Addon: 'load a native addon',
  Inspector: 'open the inspector',
  WASI: 'use WASI',
};

/**
 * Node's permission-model refusal (`ERR_ACCESS_DENIED`, "Use --allow-fs-write to manage
 * permissions", a flag the caller cannot pass) as what the plugin tried and what the sandbox allows.
 * The sandbox's own refusals (grant.ts) already say so and are left as they are.
 *
 * @example
 * ```ts
 * try { writeFileSync('/tmp/x', ''); } catch (error) { throw sandboxDenial(error, 'acme') ?? error; }
 * // "The sandbox does not let plugin 'acme' write files (/tmp/x): a sandboxed plugin may only read ..."
 * ```
 */
export function sandboxDenial(error: unknown, provider: string): ProviderError | undefined {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; permission?: unknown; resource?: unknown; message?: unknown };
  if (shape.code !== 'ERR_ACCESS_DENIED' || typeof shape.message !== 'string' || !/--allow-|has been restricted/.test(shape.message)) return undefined;
  const scope = typeof shape.permission === 'string' ? shape.permission : undefined;
  const tried = (scope && SCOPES[scope]) ?? 'use an API it is not allowed';
  const resource = typeof shape.resource === 'string' && shape.resource !== '' ? ` (${shape.resource.slice(0, 200)})` : '';
  return new ProviderError(
    `The sandbox does not let plugin '${provider}' ${tried}${resource}: a sandboxed plugin may only read its own folder and its ` +
      `declared dependencies, reach its declared hosts through fetch, and cannot write files or start processes.`,
    { provider, code: 'sandbox_denied', cause: error },
  );
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

/** Codes of a failure to reach a server (Node's socket and DNS errors, undici's, OpenSSL's certificate checks). */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed for now (DNS)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate rejected',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate rejected',
  CERT_HAS_EXPIRED: 'TLS certificate rejected',
  CERT_NOT_YET_VALID: 'TLS certificate rejected',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate rejected',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS certificate rejected',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate rejected',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate rejected',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it an HTTP port?)',
};

interface ConnectionFailure {
  /** The innermost code (`ECONNREFUSED` ...), when there is one. */
  code: string | undefined;
  /** The innermost message, the most specific one. */
  detail: string;
}

/**
 * A failure to get any response, read from `error`'s cause chain: the SDKs wrap undici's
 * `TypeError: fetch failed`, whose cause carries the socket's code. `undefined` for anything else.
 */
function connectionFailure(error: unknown): ConnectionFailure | undefined {
  let network = false;
  let code: string | undefined;
  let detail = '';
  let current = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const link = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    const message = typeof link.message === 'string' ? link.message : '';
    if (link.name === 'APIConnectionError' || (link.name === 'TypeError' && /^fetch failed|^terminated/.test(message))) network = true;
    if (typeof link.code === 'string' && Object.hasOwn(CAUSES, link.code)) network = true;
    // Below a fetch failure, any socket-, undici- or TLS-looking code is the cause's.
    if (typeof link.code === 'string' && /^E[A-Z]+$|^UND_ERR_|^ERR_(TLS|SSL)_|CERT/.test(link.code)) code = link.code;
    if (message) detail = message;
    current = link.cause;
  }
  return network ? { code, detail } : undefined;
}

/** The error for a request that got no response: where it went, why it failed, how often it was retried. */
function connectionError(failure: ConnectionFailure, provider: string, origin: string | undefined, cause: unknown): ConnectionError {
  const attempts = currentFetchAttempts();
  const where = attempts?.origin ?? origin;
  const retries = attempts && attempts.count > 0 ? attempts.count - 1 : undefined;
  const known = failure.code === undefined ? undefined : CAUSES[failure.code];
  // The innermost message names the address (`connect ECONNREFUSED 127.0.0.1:8080`) or the TLS check.
  const why = known ? `${known}: ${failure.detail}` : failure.detail || 'connection failed';
  const tries = retries === undefined ? '' : ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}`;
  const message = `Could not connect to ${where ?? `provider '${provider}'`}${tries}: ${why}${failure.code && !why.includes(failure.code) ? ` (${failure.code})` : ''}.`;
  return new ConnectionError(message, { provider, code: failure.code ?? 'connection_failed', origin: where, retries, cause });
}
