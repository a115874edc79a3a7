/**
 * The error hierarchy, and how errors cross the plugin boundary.
 *
 * A plugin throws one of these classes (or an SDK error it maps to one); `toWireError` turns it into
 * a JSON-RPC error with `data: { type, status, retryAfterMs, provider, code }`, and the host rebuilds
 * the same class with `fromWireError`, so `instanceof` works on the host side.
 *
 * @module
 */
import type { ChatCompletion, FinishReason, StandardSchemaIssue } from './types.js';

/** Fields every AnyLLM error may carry. */
export interface AnyLLMErrorOptions {
  provider?: string;
  status?: number;
  code?: string;
  cause?: unknown;
}

/**
 * Base class of every error AnyLLM raises.
 *
 * @example
 * ```ts
 * try { await llm.completion(params); }
 * catch (err) { if (err instanceof AnyLLMError) console.error(err.provider, err.status, err.message); }
 * ```
 */
export class AnyLLMError extends Error {
  /** The provider the error concerns, when there is one. */
  readonly provider: string | undefined;
  /** The upstream HTTP status, when the error came from an HTTP response. */
  readonly status: number | undefined;
  /** A machine-readable code (the provider's error code or type), when known. */
  readonly code: string | undefined;

  constructor(message: string, options: AnyLLMErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.provider = options.provider;
    this.status = options.status;
    this.code = options.code;
  }
}

/** No API key was given and the provider's environment variable is not set. */
export class MissingApiKeyError extends AnyLLMError {
  /** The environment variable that would have supplied the key. */
  readonly envVar: string;
  /** @param detail why the variable cannot supply it (a community plugin's variable that is not granted) */
  constructor(provider: string, envVar: string, detail?: string) {
    super(
      detail === undefined
        ? `No API key for provider '${provider}': pass { apiKey } or set the ${envVar} environment variable.`
        : `No API key for provider '${provider}': pass { apiKey }, or ${detail}.`,
      { provider, code: 'missing_api_key' },
    );
    this.envVar = envVar;
  }
}

/** The provider name is not a built-in provider nor a registered plugin. */
export class UnsupportedProviderError extends AnyLLMError {
  /** The providers that are known. */
  readonly known: readonly string[];
  constructor(provider: string, known: readonly string[]) {
    super(`Unknown provider '${provider}'. Known providers: ${known.join(', ')}.`, {
      provider,
      code: 'unsupported_provider',
    });
    this.known = known;
  }
}

/** A parameter the provider cannot honour; it is never dropped silently. */
export class UnsupportedParameterError extends AnyLLMError {
  /** The parameter's name. */
  readonly parameter: string;
  constructor(parameter: string, provider: string | undefined, detail?: string) {
    super(
      `Provider '${provider ?? 'unknown'}' does not support the parameter '${parameter}'${detail ? `: ${detail}` : '.'}`,
      { provider, code: 'unsupported_parameter' },
    );
    this.parameter = parameter;
  }
}

/** The request is malformed (raised in the host before anything is sent, or by the provider: 400). */
export class InvalidRequestError extends AnyLLMError {}
/** The key was rejected (401, 403). */
export class AuthenticationError extends AnyLLMError {}
/** The model does not exist or is not available to this key (404). */
export class ModelNotFoundError extends AnyLLMError {}
/** The provider's rate limit was hit (429). */
export class RateLimitError extends AnyLLMError {
  /** How long the provider asked to wait, from `retry-after` / `retry-after-ms`. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: AnyLLMErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
/** The prompt is longer than the model's context window. */
export class ContextLengthExceededError extends InvalidRequestError {}
/** The provider refused the content. */
export class ContentFilterError extends AnyLLMError {}
/** Any other upstream failure (5xx, an unexpected response; `ConnectionError` when no response came). */
export class ProviderError extends AnyLLMError {}

/** Options of a `ConnectionError`. */
export interface ConnectionErrorOptions extends AnyLLMErrorOptions {
  /** The origin (`scheme://host:port`) that could not be reached. */
  origin?: string;
  /** How many times the request was retried before giving up. */
  retries?: number;
}

/**
 * The provider could not be reached: no HTTP response came back (connection refused, host not
 * found, TLS certificate rejected, proxy refused, connection reset). `status` is unset; `code` is
 * the cause's code (`ECONNREFUSED`, `ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT` ...) or
 * `connection_failed`. A `ProviderError`, so code that catches upstream failures still does.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ConnectionError) console.error(`${err.origin} unreachable (${err.code}) after ${err.retries} retries`); }
 * ```
 */
export class ConnectionError extends ProviderError {
  readonly origin: string | undefined;
  readonly retries: number | undefined;
  constructor(message: string, options: ConnectionErrorOptions = {}) {
    super(message, options);
    this.origin = options.origin;
    this.retries = options.retries;
  }
}
/** Options of a `MissingSdkError`. */
export interface MissingSdkErrorOptions extends AnyLLMErrorOptions {
  /** The npm package the provider needs (`openai`, `@anthropic-ai/sdk`). */
  packageName?: string;
}

/**
 * A package the provider needs could not be loaded: not installed (code `missing_sdk`: install it
 * with `installCommand`), or, for a community plugin, not declared in its `package.json`, so the
 * sandbox does not let it read the package (code `undeclared_dependency`). Not an upstream failure.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof MissingSdkError) console.error(`run: ${err.installCommand}`); }
 * ```
 */
export class MissingSdkError extends AnyLLMError {
  readonly packageName: string | undefined;
  /** `npm install <package>`. */
  readonly installCommand: string | undefined;
  constructor(message: string, options: MissingSdkErrorOptions = {}) {
    super(message, options);
    this.packageName = options.packageName;
    this.installCommand = options.packageName === undefined ? undefined : `npm install ${options.packageName}`;
  }
}
/** The call did not finish within its `timeoutMs`, or a plugin did not answer in time. */
export class TimeoutError extends AnyLLMError {}
/** The plugin crashed (exited, was killed, ran out of memory) while the call was in flight. */
export class PluginCrashedError extends AnyLLMError {}
/** The plugin crashed too often and is not restarted until its crash window passes, or cannot start. */
export class PluginUnavailableError extends AnyLLMError {}
/** The plugin broke the protocol (version mismatch, malformed message, forged id). */
export class PluginProtocolError extends AnyLLMError {}

/**
 * Every step of a fallback chain failed: what each one got, in order. `errors[i]` belongs to
 * `attempts[i]`; the first is the call as made.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof FallbackError) for (const [i, e] of err.errors.entries()) console.log(err.attempts[i], e.message); }
 * ```
 */
export class FallbackError extends AnyLLMError {
  readonly attempts: readonly string[];
  readonly errors: readonly unknown[];

  constructor(attempts: readonly string[], errors: readonly unknown[]) {
    const lines = attempts.map((name, i) => `${name}: ${describe(errors[i])}`);
    const last = errors[errors.length - 1];
    super(`Every provider in the fallback chain failed (${lines.join('; ')}).`, {
      status: last instanceof AnyLLMError ? last.status : undefined,
      code: 'fallbacks_exhausted',
    });
    this.attempts = attempts;
    this.errors = errors;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}


/** Why a structured-output reply was refused (`StructuredOutputError.code`). */
export type StructuredOutputFailure = 'invalid_json' | 'schema_mismatch' | 'length' | 'content_filter' | 'refusal';

/** Options of a `StructuredOutputError`. */
export interface StructuredOutputErrorOptions extends AnyLLMErrorOptions {
  code: StructuredOutputFailure;
  text: string | null;
  finishReason: FinishReason | null;
  refusal?: string | null;
  issues?: readonly StandardSchemaIssue[];
  choiceIndex?: number;
  completion?: ChatCompletion;
}

/**
 * The reply to a schema `response_format` could not be returned as `parsed`: it is not JSON
 * (`code: 'invalid_json'`), does not match the schema (`'schema_mismatch'`, with the schema's
 * `issues`), was cut off (`'length'`), filtered (`'content_filter'`) or refused (`'refusal'`).
 * Raised in the host, after the call; `text` is the raw reply and `completion` the whole result
 * (usage included), so a caller can retry or show it.
 *
 * @example
 * ```ts
 * catch (err) {
 *   if (err instanceof StructuredOutputError) console.error(err.code, err.finishReason, err.issues, err.text);
 * }
 * ```
 */
export class StructuredOutputError extends AnyLLMError {
  declare readonly code: StructuredOutputFailure;
  /** The reply's raw text (`message.content`), `null` when it had none. */
  readonly text: string | null;
  /** The choice's `finish_reason`. */
  readonly finishReason: FinishReason | null;
  /** The model's refusal text, when it refused. */
  readonly refusal: string | null;
  /** What the schema found wrong (`'schema_mismatch'`); empty otherwise. */
  readonly issues: readonly StandardSchemaIssue[];
  /** Which choice failed. */
  readonly choiceIndex: number;
  /** The whole completion, when there is one. */
  readonly completion: ChatCompletion | undefined;

  constructor(message: string, options: StructuredOutputErrorOptions) {
    super(message, options);
    this.text = options.text;
    this.finishReason = options.finishReason;
    this.refusal = options.refusal ?? null;
    this.issues = options.issues ?? [];
    this.choiceIndex = options.choiceIndex ?? 0;
    this.completion = options.completion;
  }
}

type ErrorClass = new (message: string, options?: ConnectionErrorOptions & MissingSdkErrorOptions & { retryAfterMs?: number }) => AnyLLMError;

/**
 * The classes that may be rebuilt from the wire, by name: what a provider raises. The classes only
 * the host raises (`PluginCrashedError`, `PluginUnavailableError`, `PluginProtocolError`,
 * `MissingApiKeyError`) are not here: a plugin that sends one gets a `ProviderError`, so it cannot
 * pose as its own supervisor (a fake crash, a fake crash budget, a fake key problem).
 */
const wireClasses: Record<string, ErrorClass> = {
  AnyLLMError,
  InvalidRequestError,
  AuthenticationError,
  ModelNotFoundError,
  RateLimitError,
  ContextLengthExceededError,
  ContentFilterError,
  ProviderError,
  ConnectionError,
  TimeoutError,
  MissingSdkError,
};

/** The `data` member of a JSON-RPC error sent by a plugin. */
export interface WireErrorData {
  type: string;
  provider?: string;
  status?: number;
  code?: string;
  retryAfterMs?: number;
  /** For UnsupportedParameterError. */
  parameter?: string;
  /** For MissingApiKeyError. */
  envVar?: string;
  /** For ConnectionError. */
  origin?: string;
  retries?: number;
  /** For MissingSdkError. */
  packageName?: string;
}

/** A JSON-RPC error object as AnyLLM sends it. */
export interface WireError {
  code: number;
  message: string;
  data: WireErrorData;
}

/** JSON-RPC error codes AnyLLM uses (the server-defined range). */
export const RpcErrorCode = {
  /** An AnyLLM error; `data.type` names the class. */
  providerError: -32000,
  /** The request was cancelled with `$/cancel`. */
  cancelled: -32800,
} as const;

/** Creates the error an aborted call rejects with: `name === 'AbortError'`, as `fetch` does. */
export function createAbortError(reason?: unknown): Error {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new DOMException('This operation was aborted', 'AbortError');
  if (reason !== undefined) Object.defineProperty(error, 'cause', { value: reason });
  return error;
}

/** True for errors of the `AbortError` kind, whatever realm made them. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Serialises an error for the wire. Unknown errors become a `ProviderError` with their message. */
export function toWireError(error: unknown, provider?: string): WireError {
  if (isAbortError(error)) {
    return { code: RpcErrorCode.cancelled, message: 'This operation was aborted', data: { type: 'AbortError', provider } };
  }
  if (error instanceof AnyLLMError) {
    const data: WireErrorData = { type: error.name, provider: error.provider ?? provider };
    if (error.status !== undefined) data.status = error.status;
    if (error.code !== undefined) data.code = error.code;
    if (error instanceof RateLimitError && error.retryAfterMs !== undefined) data.retryAfterMs = error.retryAfterMs;
    if (error instanceof UnsupportedParameterError) data.parameter = error.parameter;
    if (error instanceof MissingApiKeyError) data.envVar = error.envVar;
    if (error instanceof ConnectionError) {
      if (error.origin !== undefined) data.origin = error.origin;
      if (error.retries !== undefined) data.retries = error.retries;
    }
    if (error instanceof MissingSdkError && error.packageName !== undefined) data.packageName = error.packageName;
    return { code: RpcErrorCode.providerError, message: error.message, data };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: RpcErrorCode.providerError, message, data: { type: 'ProviderError', provider } };
}

/**
 * Rebuilds the error class a plugin raised from its JSON-RPC error. Host-only classes come back as
 * `ProviderError`; the provider is the one the host knows the connection by, not the one claimed.
 */
export function fromWireError(wire: { code: number; message: string; data?: unknown }, provider?: string): Error {
  const data = (typeof wire.data === 'object' && wire.data !== null ? wire.data : {}) as Partial<WireErrorData>;
  const type = typeof data.type === 'string' ? data.type : 'ProviderError';
  const owner = provider ?? (typeof data.provider === 'string' ? data.provider : undefined);
  if (type === 'AbortError' || wire.code === RpcErrorCode.cancelled) return createAbortError();
  if (type === 'UnsupportedParameterError') {
    const error = new UnsupportedParameterError(String(data.parameter ?? 'unknown'), owner);
    Object.defineProperty(error, 'message', { value: wire.message });
    return error;
  }
  const ErrorType = Object.hasOwn(wireClasses, type) ? wireClasses[type] : ProviderError;
  return new ErrorType(String(wire.message), {
    provider: owner,
    status: wireInteger(data.status, 100, 599),
    code: typeof data.code === 'string' ? data.code : undefined,
    retryAfterMs: wireRetryAfter(data.retryAfterMs),
    origin: typeof data.origin === 'string' ? data.origin : undefined,
    retries: wireInteger(data.retries, 0, 1000),
    packageName: typeof data.packageName === 'string' && isNpmName(data.packageName) ? data.packageName : undefined,
  });
}

/** A plausible npm package name (the host builds an install command from it: nothing else may pass). */
function isNpmName(name: string): boolean {
  return name.length <= 214 && /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name);
}

/** The longest wait a plugin may ask for: a caller's retry loop must never stall on 1e15 ms. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** An integer from the wire inside [min, max]; anything else (1e308, -1, 401.5) is dropped. */
function wireInteger(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function wireRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(value, MAX_RETRY_AFTER_MS);
}

/** Maps an upstream HTTP status (and the provider's error text) to the matching error class. */
export function errorForStatus(
  status: number | undefined,
  message: string,
  options: AnyLLMErrorOptions & { retryAfterMs?: number } = {},
): AnyLLMError {
  const all = { ...options, status };
  if (status === 400 || status === 413 || status === 422) {
    // OpenAI, Anthropic, Gemini ('input token count … exceeds') and the OpenAI-compatible servers.
    if (/context[_ ]length|too many tokens|maximum context|prompt is too long|context window|input token count.*exceeds|exceeds the maximum number of tokens/i.test(message)) {
      return new ContextLengthExceededError(message, all);
    }
    return new InvalidRequestError(message, all);
  }
  if (status === 401 || status === 403) return new AuthenticationError(message, all);
  if (status === 404) return new ModelNotFoundError(message, all);
  if (status === 429) return new RateLimitError(message, all);
  return new ProviderError(message, all);
}

/** Parses `retry-after-ms` / `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

// What anyllm needs from the runtime. Here, because errors.js is the one module both entries and
// every tier (the sandbox's read list included) load; kept free of newer syntax, so it parses and
// runs on the old runtimes it turns away.

/** The oldest Node.js major version anyllm supports (`engines` in package.json says the same). */
export const MIN_NODE_MAJOR = 22;

/** Built-ins anyllm calls that a runtime claiming a recent enough version could still lack (embedded Node, Electron). */
const REQUIRED_FEATURES: readonly (readonly [string, () => boolean])[] = [
  ['Promise.withResolvers', () => typeof (Promise as { withResolvers?: unknown }).withResolvers === 'function'],
  ['structuredClone', () => typeof globalThis.structuredClone === 'function'],
];

/**
 * Why this runtime cannot run anyllm, or `undefined` when it can. Names the version needed and the
 * one found.
 *
 * @example
 * ```ts
 * const problem = unsupportedRuntime(); // on Node 20: "anyllm needs Node.js 22 or newer; this is Node.js v20.20.2."
 * if (problem) throw new Error(problem);
 * ```
 */
export function unsupportedRuntime(
  version: string = globalThis.process?.versions?.node ?? 'unknown',
  has: (feature: string) => boolean = (feature) => REQUIRED_FEATURES.find(([name]) => name === feature)![1](),
): string | undefined {
  const found = `Node.js v${version}`;
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (!(major >= MIN_NODE_MAJOR)) return `anyllm needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${found}.`;
  const missing = REQUIRED_FEATURES.map(([name]) => name).filter((name) => !has(name));
  if (missing.length > 0) {
    return `anyllm needs Node.js ${MIN_NODE_MAJOR} or newer; this runtime (${found}) lacks ${missing.join(', ')}.`;
  }
  return undefined;
}

/**
 * Throws, naming the version needed and the one found, when this runtime cannot run anyllm. Each
 * entry's first import (`runtime-check.js`) calls it, so `import('anyllm')` fails at once.
 *
 * @example
 * ```ts
 * assertSupportedRuntime(); // on Node 20: Error "anyllm needs Node.js 22 or newer; this is Node.js v20.20.2."
 * ```
 */
export function assertSupportedRuntime(): void {
  const problem = unsupportedRuntime();
  if (problem !== undefined) {
    throw Object.assign(new Error(problem), { name: 'UnsupportedRuntimeError', code: 'ERR_ANYLLM_UNSUPPORTED_RUNTIME' });
  }
}
