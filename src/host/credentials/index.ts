/**
 * Credentials that are not a static key, resolved in the host (see docs/SECURITY.md, "Credentials"):
 * the manifest's `credentials` names the mechanism, `resolveCredentials` finds the secret at
 * `AnyLLM.create` (the environment, `~/.aws`, a service-account file), and the broker answers the
 * plugin's `auth` requests with headers for one request at a time: a short-lived token or a SigV4
 * signature. The secret never crosses to the plugin, whatever its tier.
 *
 * @module
 */
import { homedir } from 'node:os';
import { AuthenticationError, InvalidRequestError } from '../../errors.js';

import { checkAuthRequest, type AuthRequest, type AuthResult } from '../../protocol/methods.js';
import type { ResolvedNetwork } from '../network-options.js';
import { resolveAws } from './aws.js';
import { resolveGoogle } from './google.js';
import { tokenFetch, type TokenFetch } from './host-fetch.js';
import { resolveIbm } from './ibm.js';
import type { CredentialSpec } from './spec.js';
import type { Authoriser, CredentialOptions, ResolveContext } from './types.js';

export type { CredentialOptions } from './types.js';
export type { CredentialSpec } from './spec.js';

/** Authorises one client's upstream requests (the plugin session routes its `auth` requests here). */
export interface CredentialBroker {
  /** What kind of credential it holds (never the secret). */
  readonly describe: string;
  /** The headers for one request, when its origin is one this client may reach. */
  authorise(request: AuthRequest): Promise<AuthResult>;
}

/** What `resolveCredentials` gives `resolveOptions`. */
export interface ResolvedCredentials {
  /** The broker, authorising requests to `origins` only (the client's base URL's and the manifest's). */
  broker(origins: readonly string[]): CredentialBroker;
  /** The base URL from the region or location, used when the caller gave none. */
  apiBase: string | undefined;
  /** Client options the plugin gets unless the caller set them. */
  clientDefaults: Record<string, unknown>;
}

const OPTION_NAMES: readonly (keyof CredentialOptions)[] = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'profile', 'region', 'file', 'tokenUrl'];

/** Checks the `credentials` option: an object of the known string fields. */
export function checkCredentialOptions(value: unknown, provider: string): CredentialOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError("Option 'credentials' must be an object like { profile: 'work' }.", { provider });
  }
  for (const [name, field] of Object.entries(value)) {
    if (!OPTION_NAMES.includes(name as keyof CredentialOptions)) {
      throw new InvalidRequestError(`Option 'credentials.${name}' is not an option (known: ${OPTION_NAMES.join(', ')}).`, { provider });
    }
    if (field !== undefined && (typeof field !== 'string' || field === '')) {
      throw new InvalidRequestError(`Option 'credentials.${name}' must be a non-empty string.`, { provider });
    }
  }
  return value as CredentialOptions;
}

/**
 * Resolves a manifest's `credentials` for one client. Reads files now (a missing or broken one
 * fails `AnyLLM.create`); exchanges tokens lazily, on the plugin's first request.
 *
 * @throws MissingApiKeyError when nothing supplies credentials, InvalidRequestError for bad ones.
 * @example
 * ```ts
 * const resolved = resolveCredentials(spec, { provider: 'bedrock', apiKey: undefined, options: {}, clientOptions: {},
 *   env: process.env, ambient: true, network });
 * const broker = resolved.broker([new URL(resolved.apiBase!).origin]);
 * ```
 */
export function resolveCredentials(
  spec: CredentialSpec,
  input: Omit<ResolveContext, 'post' | 'home'> & { network: ResolvedNetwork; home?: string; post?: TokenFetch },
): ResolvedCredentials {
  const context: ResolveContext = { ...input, home: input.home ?? homedir(), post: input.post ?? tokenFetch(input.provider, input.network) };
  const resolved = spec.type === 'aws-sigv4' ? resolveAws(spec, context) : spec.type === 'google-oauth' ? resolveGoogle(spec, context) : resolveIbm(spec, context);
  return {
    broker: (origins) => createBroker(input.provider, resolved.authoriser, origins),
    apiBase: resolved.apiBase,
    clientDefaults: resolved.clientDefaults ?? {},
  };
}

function createBroker(provider: string, authoriser: Authoriser, origins: readonly string[]): CredentialBroker {
  const allowed = new Set(origins.filter((origin) => URL.canParse(origin)).map((origin) => new URL(origin).origin));
  const authorise = async (request: AuthRequest): Promise<AuthResult> => {
    const problem = checkAuthRequest(request);
    if (problem !== undefined) throw new InvalidRequestError(`Plugin '${provider}' sent ${problem}.`, { provider });
    const url = new URL(request.url);
    // The credentials are the client's for its own endpoint: a plugin may not borrow them for another host.
    if (!allowed.has(url.origin)) {
      throw new AuthenticationError(
        `The host does not authorise '${provider}' requests to ${url.origin}: only to ${[...allowed].join(', ') || 'no origin'}.`,
        { provider, code: 'auth_origin_denied' },
      );
    }
    return authoriser.authorise(request, url);
  };
  return {
    describe: authoriser.describe,
    authorise,
  };
}
