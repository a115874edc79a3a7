/**
 * The fetch the host exchanges credentials with (Google's and IBM's token endpoints): through the
 * client's `proxy`, trusting its `ca`, never following redirects. The endpoint comes from the
 * caller's own configuration (a service-account file, an option), so private addresses are allowed.
 *
 * @module
 */
import { AuthenticationError, ConnectionError, ProviderError } from '../../errors.js';
import type { ResolvedNetwork } from '../network-options.js';
import { proxyFor } from '../proxy-settings.js';

/** A token endpoint's answer, parsed. */
export type TokenFetch = (url: string, form: Record<string, string>) => Promise<Record<string, unknown>>;

const TOKEN_TIMEOUT_MS = 30_000;

/**
 * A function that POSTs a form to a token endpoint and returns its JSON answer; a refusal becomes
 * `AuthenticationError` quoting the endpoint's `error_description`.
 *
 * @example
 * ```ts
 * const post = tokenFetch('vertexai', resolved.network);
 * const answer = await post('https://oauth2.googleapis.com/token', { grant_type: 'refresh_token', ... });
 * ```
 */
export function tokenFetch(provider: string, network: ResolvedNetwork): TokenFetch {
  // Loaded on the first exchange: `import('anyllm')` does not pay for node:http, node:https and node:dns.
  let upstream: Promise<(input: string, init: import('../pinned-fetch.js').PinnedRequestInit) => Promise<Response>> | undefined;
  return async (url, form) => {
    upstream ??= import('../pinned-fetch.js').then(({ createPinnedFetch }) =>
      createPinnedFetch({ ca: network.ca, proxy: (target) => proxyFor(network.proxy, target), refuse: () => undefined, keepAlive: false }),
    );
    let response: Response;
    try {
      response = await (await upstream)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ConnectionError(`Could not reach the token endpoint ${new URL(url).origin} for '${provider}': ${(error as Error).message}`, {
        provider,
        cause: error,
      });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      // Reported below with the status.
    }
    if (!response.ok) {
      const detail = [body.error, body.error_description, body.errorMessage].filter((part) => typeof part === 'string').join(': ') || text.slice(0, 200);
      const ErrorClass = response.status >= 500 ? ProviderError : AuthenticationError;
      throw new ErrorClass(`The token endpoint ${new URL(url).origin} refused '${provider}' credentials (HTTP ${response.status}): ${detail}`, {
        provider,
        status: response.status,
        code: 'token_exchange_failed',
      });
    }
    if (typeof body.access_token !== 'string') {
      throw new AuthenticationError(`The token endpoint ${new URL(url).origin} answered '${provider}' without an access_token.`, { provider, code: 'token_exchange_failed' });
    }
    return body;
  };
}

/** When a token answer expires: `expires_in` seconds from now, else `expiration` (epoch seconds), else an hour. */
export function expiryOf(body: Record<string, unknown>, now: number = Date.now()): number {
  if (typeof body.expires_in === 'number' && body.expires_in > 0) return now + body.expires_in * 1000;
  if (typeof body.expiration === 'number' && body.expiration > 0) return body.expiration * 1000;
  return now + 3600_000;
}
