/**
 * Counts the HTTP requests each call makes and remembers the origin of the last one, so a
 * connection error can say where it went and how many retries the SDK made (SDKs retry silently
 * and keep neither in their error). Works for every SDK on the global `fetch`, whatever its retry
 * policy, and for every tier (the sandbox's `fetch` included, which is wrapped like any other).
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What one call's requests did so far. */
export interface FetchAttempts {
  /** Requests started (the first attempt and every retry). */
  count: number;
  /** Origin of the last request, `scheme://host:port`. */
  origin: string | undefined;
}

const calls = new AsyncLocalStorage<FetchAttempts>();

/**
 * Runs `call` with a fresh attempt record that the wrapped `fetch` fills in.
 *
 * @example
 * ```ts
 * await trackFetchAttempts(() => provider.completion(params, ctx));
 * currentFetchAttempts(); // inside the call: { count: 3, origin: 'https://api.openai.com' }
 * ```
 */
export function trackFetchAttempts<T>(call: () => Promise<T>): Promise<T> {
  return calls.run({ count: 0, origin: undefined }, call);
}

/**
 * The current call's attempt record, or `undefined` outside a tracked call.
 *
 * @example
 * ```ts
 * const attempts = currentFetchAttempts();
 * if (attempts) console.log(`${attempts.count - 1} retries to ${attempts.origin}`);
 * ```
 */
export function currentFetchAttempts(): FetchAttempts | undefined {
  return calls.getStore();
}

/**
 * Wraps the global `fetch` (whatever it is now: undici's, or the sandbox's) so each request is
 * counted in the current call's record. Install it before the SDK client is built: SDKs read the
 * global `fetch` when they are constructed.
 *
 * @example
 * ```ts
 * installFetchAttempts();
 * await provider.init(init); // the SDK client picks up the counting fetch
 * ```
 */
export function installFetchAttempts(): void {
  const base = globalThis.fetch;
  if (typeof base !== 'function' || (base as { [COUNTING]?: true })[COUNTING]) return;
  const counting = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const record = calls.getStore();
    if (record) {
      record.count++;
      record.origin = originOf(input) ?? record.origin;
    }
    return base(input, init);
  };
  globalThis.fetch = Object.assign(counting, { [COUNTING]: true as const }) as typeof fetch;
}

const COUNTING = Symbol('anyllm.countingFetch');

function originOf(input: string | URL | Request): string | undefined {
  try {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return new URL(href).origin;
  } catch {
    return undefined;
  }
}
