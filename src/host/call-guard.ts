/**
 * The per-call limits: an `AbortSignal`, an overall `timeoutMs` and an `idleTimeoutMs` that every
 * piece of data from the plugin resets. A guard fails its call once, with the right error class.
 *
 * @module
 */
import { createAbortError, InvalidRequestError, TimeoutError } from '../errors.js';
import type { CallOptions } from '../types.js';
import { checkFallbacks } from './fallbacks.js';
import { resolveRetry, RETRY_DEFAULTS } from './retry.js';

/**
 * Checks per-call options before anything is sent.
 *
 * @throws InvalidRequestError naming the bad option.
 * @example
 * ```ts
 * validateCallOptions({ timeoutMs: 30_000 }, 'openai');
 * ```
 */
export function validateCallOptions(options: unknown, provider: string): CallOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new InvalidRequestError('Call options must be an object.', { provider });
  const { signal, timeoutMs, idleTimeoutMs } = options as CallOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidRequestError(`Call option 'signal' must be an AbortSignal.`, { provider });
  }
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['idleTimeoutMs', idleTimeoutMs],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new InvalidRequestError(`Call option '${name}' must be a positive number of milliseconds.`, { provider });
    }
  }
  const { retry, fallbacks } = options as CallOptions;
  if (retry !== undefined) resolveRetry(retry, RETRY_DEFAULTS, provider);
  if (fallbacks !== undefined) checkFallbacks(fallbacks, provider);
  return options as CallOptions;
}

/**
 * Arms a call's abort listener and timers; calls `fail` at most once. The overall timeout counts
 * from the call's start; the idle timeout from the first `touch()`, when the request goes to the
 * plugin, so a plugin's cold start is never taken for a silent provider.
 *
 * @example
 * ```ts
 * const guard = new CallGuard(options, 'openai', (error) => reject(error));
 * // request sent, and on each chunk: guard.touch();  when done: guard.dispose();
 * ```
 */
export class CallGuard {
  readonly #signal: AbortSignal | undefined;
  readonly #fail: (error: Error) => void;
  readonly #onAbort: (() => void) | undefined;
  readonly #idleTimeoutMs: number | undefined;
  readonly #provider: string;
  #overall: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #disposed = false;
  #idlePaused = false;

  constructor(options: CallOptions, provider: string, fail: (error: Error) => void) {
    this.#fail = fail;
    this.#provider = provider;
    const { signal, timeoutMs, idleTimeoutMs } = options;
    this.#idleTimeoutMs = idleTimeoutMs;
    if (signal) {
      this.#signal = signal;
      this.#onAbort = () => this.#trip(createAbortError(signal.reason));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (timeoutMs !== undefined) {
      this.#overall = setTimeout(
        () => this.#trip(new TimeoutError(`The call did not finish within ${timeoutMs} ms.`, { provider, code: 'timeout' })),
        timeoutMs,
      );
    }
  }

  /** The request went out, data arrived, or the plugin may send again: (re)start the idle timer. */
  touch(): void {
    this.#idlePaused = false;
    if (this.#disposed || this.#idleTimeoutMs === undefined) return;
    if (this.#idle) {
      this.#idle.refresh();
      return;
    }
    const idleTimeoutMs = this.#idleTimeoutMs;
    this.#idle = setTimeout(
      () =>
        // While paused the timer lapses harmlessly; `touch()` re-arms it (refresh revives a fired timer).
        this.#idlePaused ||
        this.#trip(
          new TimeoutError(`No data from the provider for ${idleTimeoutMs} ms.`, { provider: this.#provider, code: 'idle_timeout' }),
        ),
      idleTimeoutMs,
    );
  }

  /** The host is holding the plugin back (buffer full): waiting is not the plugin's fault. */
  pauseIdle(): void {
    this.#idlePaused = true;
  }

  /** The host let the plugin go on (credit granted): from now its silence counts again. */
  resumeIdle(): void {
    if (this.#idlePaused) this.touch();
  }

  /** Removes the listener and timers. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#overall);
    clearTimeout(this.#idle);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  #trip(error: Error): void {
    if (this.#disposed) return;
    this.dispose();
    this.#fail(error);
  }
}

/** Whether `error` is the caller's own limit (`timeoutMs`, `idleTimeoutMs`), not a provider's or an SDK's timeout. */
export function isGuardTimeout(error: unknown): boolean {
  return error instanceof TimeoutError && (error.code === 'timeout' || error.code === 'idle_timeout');
}
