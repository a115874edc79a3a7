/**
 * One cached token per client, fetched on first use and refreshed before it expires. Concurrent
 * callers share one exchange; a failed exchange is not cached (the next call tries again).
 *
 * @module
 */

/** A token and when it stops working (ms since the epoch). */
export interface Token {
  value: string;
  expiresAt: number;
}

/** Refresh this long before expiry at most (a quarter of the lifetime for short tokens). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Caches the result of `exchange`.
 *
 * @example
 * ```ts
 * const cache = new TokenCache(() => exchangeApiKey(key));
 * const { value } = await cache.get(); // exchanges once, then reuses until 5 minutes before expiry
 * ```
 */
export class TokenCache {
  readonly #exchange: () => Promise<Token>;
  readonly #now: () => number;
  #token: Token | undefined;
  #issuedAt = 0;
  #pending: Promise<Token> | undefined;

  constructor(exchange: () => Promise<Token>, now: () => number = Date.now) {
    this.#exchange = exchange;
    this.#now = now;
  }

  /** A token good for a while yet: the cached one, or a fresh exchange. */
  get(): Promise<Token> {
    const token = this.#token;
    if (token) {
      const margin = Math.min(REFRESH_MARGIN_MS, (token.expiresAt - this.#issuedAt) / 4);
      if (token.expiresAt - this.#now() > margin) return Promise.resolve(token);
    }
    this.#pending ??= this.#exchange().then(
      (fresh) => {
        this.#pending = undefined;
        this.#token = fresh;
        this.#issuedAt = this.#now();
        return fresh;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }
}
