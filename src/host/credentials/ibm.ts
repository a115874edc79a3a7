/**
 * IBM Cloud IAM, in the host: the API key (`apiKey`, or the manifest's `apiKeyEnv`) is exchanged
 * at the IAM endpoint for a bearer token of about an hour, refreshed before it expires. The plugin
 * gets only the token.
 *
 * @module
 */
import { InvalidRequestError, MissingApiKeyError } from '../../errors.js';
import { expiryOf } from './host-fetch.js';
import type { IbmCredentialSpec } from './spec.js';
import { TokenCache } from './token-cache.js';
import type { ResolveContext, ResolvedCredential } from './types.js';

/**
 * Resolves an IBM Cloud API key into a token source.
 *
 * @throws MissingApiKeyError when no key is given or set.
 * @example
 * ```ts
 * const { authoriser } = resolveIbm(spec, context);
 * ```
 */
export function resolveIbm(spec: IbmCredentialSpec, ctx: ResolveContext): ResolvedCredential {
  const apiKey = ctx.apiKey ?? (ctx.ambient && ctx.env[spec.apiKeyEnv] ? ctx.env[spec.apiKeyEnv] : undefined);
  if (apiKey === undefined) throw new MissingApiKeyError(ctx.provider, spec.apiKeyEnv);
  const configured = ctx.options.tokenUrl ?? (spec.tokenUrlEnv && ctx.ambient && ctx.env[spec.tokenUrlEnv] ? ctx.env[spec.tokenUrlEnv] : undefined) ?? spec.tokenUrl;
  if (!URL.canParse(configured) || !/^https?:$/.test(new URL(configured).protocol)) {
    throw new InvalidRequestError(`The IAM endpoint (option 'credentials.tokenUrl'${spec.tokenUrlEnv ? ` or ${spec.tokenUrlEnv}` : ''}) must be an http(s) URL.`, { provider: ctx.provider });
  }
  // IBM's SDKs take the IAM origin (`https://iam.cloud.ibm.com`) and add the token path themselves.
  const tokenUrl = /\/identity\/token\/?$/.test(new URL(configured).pathname) ? configured : `${configured.replace(/\/+$/, '')}/identity/token`;
  const cache = new TokenCache(async () => {
    const answer = await ctx.post(tokenUrl, { grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: apiKey });
    return { value: answer.access_token as string, expiresAt: expiryOf(answer) };
  });
  return {
    authoriser: {
      describe: 'IBM Cloud IAM',
      authorise: async () => {
        const token = await cache.get();
        return { headers: [['authorization', `Bearer ${token.value}`]], expiresAt: token.expiresAt };
      },
    },
  };
}
