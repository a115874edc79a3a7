/**
 * The `credentials` field of a manifest: how a provider authenticates when its credential is not a
 * static key in one environment variable. The manifest only names the mechanism; the host resolves
 * it (env, files, token exchange) and the plugin asks for headers per request (`Method.auth`).
 *
 * @module
 */

/** AWS Signature V4 for one service, or a Bedrock-style bearer key in `bearerEnv`. */
export interface AwsCredentialSpec {
  type: 'aws-sigv4';
  /** The SigV4 signing name (`bedrock`, `sagemaker`). */
  service: string;
  /** A variable holding a bearer key that replaces signing (`AWS_BEARER_TOKEN_BEDROCK`). */
  bearerEnv?: string;
  /** The base URL for a region: `{region}` is replaced (`https://bedrock-runtime.{region}.amazonaws.com`). */
  regionalBaseUrl?: string;
}

/** Google OAuth 2 access tokens from Application Default Credentials or a service-account file. */
export interface GoogleCredentialSpec {
  type: 'google-oauth';
  scopes: string[];
  /** The base URL for a location: `{location}` is replaced (`https://{location}-aiplatform.googleapis.com`). */
  regionalBaseUrl?: string;
}

/** IBM Cloud IAM: an API key exchanged for a bearer token that lasts about an hour. */
export interface IbmCredentialSpec {
  type: 'ibm-iam';
  /** The variable holding the IBM Cloud API key (read in the host only). */
  apiKeyEnv: string;
  /** The IAM token endpoint. */
  tokenUrl: string;
  /** A variable that may name another IAM endpoint (`WATSONX_AI_AUTH_URL`, as IBM's SDKs read it). */
  tokenUrlEnv?: string;
}

/** What a manifest's `credentials` may say. */
export type CredentialSpec = AwsCredentialSpec | GoogleCredentialSpec | IbmCredentialSpec;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a manifest's `credentials`, calling `fail(field, problem)` for the first wrong part.
 *
 * @example
 * ```ts
 * parseCredentialSpec({ type: 'aws-sigv4', service: 'bedrock' }, fail); // { type: 'aws-sigv4', service: 'bedrock' }
 * ```
 */
export function parseCredentialSpec(value: unknown, fail: (field: string, problem: string) => never): CredentialSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('credentials', 'must be an object');
  const raw = value as Record<string, unknown>;
  const url = (name: string, placeholder?: string): string | undefined => {
    const text = raw[name];
    if (text === undefined) return undefined;
    if (typeof text !== 'string' || !URL.canParse(text.replace(/\{\w+\}/g, 'x')) || (placeholder && !text.includes(placeholder))) {
      return fail(`credentials.${name}`, `must be an http(s) URL${placeholder ? ` holding ${placeholder}` : ''}`);
    }
    return text;
  };
  switch (raw.type) {
    case 'aws-sigv4': {
      if (typeof raw.service !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(raw.service)) fail('credentials.service', 'must be an AWS signing name like "bedrock"');
      if (raw.bearerEnv !== undefined && (typeof raw.bearerEnv !== 'string' || !ENV_NAME.test(raw.bearerEnv))) fail('credentials.bearerEnv', 'must be an environment variable name');
      return { type: 'aws-sigv4', service: raw.service as string, bearerEnv: raw.bearerEnv as string | undefined, regionalBaseUrl: url('regionalBaseUrl', '{region}') };
    }
    case 'google-oauth': {
      const scopes = raw.scopes;
      if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((scope) => typeof scope !== 'string' || !URL.canParse(scope))) {
        fail('credentials.scopes', 'must be a non-empty array of OAuth scope URLs');
      }
      return { type: 'google-oauth', scopes: scopes as string[], regionalBaseUrl: url('regionalBaseUrl', '{location}') };
    }
    case 'ibm-iam': {
      if (typeof raw.apiKeyEnv !== 'string' || !ENV_NAME.test(raw.apiKeyEnv)) fail('credentials.apiKeyEnv', 'must be an environment variable name');
      const tokenUrl = url('tokenUrl') ?? fail('credentials.tokenUrl', 'must be the IAM token endpoint URL');
      if (raw.tokenUrlEnv !== undefined && (typeof raw.tokenUrlEnv !== 'string' || !ENV_NAME.test(raw.tokenUrlEnv))) fail('credentials.tokenUrlEnv', 'must be an environment variable name');
      return { type: 'ibm-iam', apiKeyEnv: raw.apiKeyEnv as string, tokenUrl, tokenUrlEnv: raw.tokenUrlEnv as string | undefined };
    }
    default:
      return fail('credentials.type', "must be 'aws-sigv4', 'google-oauth' or 'ibm-iam'");
  }
}
