/**
 * Google credentials, resolved in the host: a service-account key file (a JWT signed here,
 * exchanged at the file's `token_uri`) or an authorized-user file (gcloud's ADC, a refresh token),
 * from the `credentials.file` option, `GOOGLE_APPLICATION_CREDENTIALS`, or gcloud's default file.
 * The plugin gets only the access token, refreshed before it expires. Workload identity
 * federation, impersonation and the GCE metadata server are not followed.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InvalidRequestError, MissingApiKeyError } from '../../errors.js';
import { expiryOf } from './host-fetch.js';
import type { GoogleCredentialSpec } from './spec.js';
import { TokenCache } from './token-cache.js';
import type { ResolveContext, ResolvedCredential } from './types.js';

const MAX_FILE_BYTES = 1024 * 1024;
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_LIFETIME_S = 3600;

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
// `node:crypto` costs milliseconds to load: only a client with a service-account file pays for it.
const load = createRequire(import.meta.url ?? `file://${process.cwd()}/noop.js`);
// `node:fs` through require too: its ESM facade costs milliseconds of `import('anyllm')` (this module is in the host bundle).
const fs = load('node:fs') as typeof import('node:fs');

/**
 * A signed JWT assertion for the service-account flow (RFC 7523), RS256.
 *
 * @example
 * ```ts
 * const assertion = serviceAccountAssertion(file, ['https://www.googleapis.com/auth/cloud-platform']);
 * ```
 */
export function serviceAccountAssertion(
  account: { client_email: string; private_key: string; private_key_id?: string; token_uri: string },
  scopes: readonly string[],
  nowS: number = Math.floor(Date.now() / 1000),
): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
  const claims = { iss: account.client_email, scope: scopes.join(' '), aud: account.token_uri, iat: nowS, exp: nowS + JWT_LIFETIME_S };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = (load('node:crypto') as typeof import('node:crypto')).createSign('RSA-SHA256').update(unsigned).sign(account.private_key);
  return `${unsigned}.${base64url(signature)}`;
}

function readJson(path: string, provider: string): Record<string, unknown> {
  let text: string;
  try {
    const buffer = fs.readFileSync(path);
    if (buffer.byteLength > MAX_FILE_BYTES) throw new Error(`it is larger than ${MAX_FILE_BYTES} bytes`);
    text = buffer.toString('utf8');
  } catch (error) {
    throw new InvalidRequestError(`Cannot read the Google credentials file ${path} for '${provider}': ${(error as Error).message}`, { provider, code: 'invalid_credentials' });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Below.
  }
  throw new InvalidRequestError(`The Google credentials file ${path} for '${provider}' is not a JSON object.`, { provider, code: 'invalid_credentials' });
}

/**
 * Resolves Google credentials for a provider whose manifest declares `google-oauth`, and Vertex's
 * project (option, `GOOGLE_CLOUD_PROJECT`, the file's `project_id`) and location (option,
 * `GOOGLE_CLOUD_LOCATION`, `us-central1`).
 *
 * With `apiKey`, the key is sent as `x-goog-api-key` instead (and no file is read).
 *
 * @throws MissingApiKeyError when no file is found; InvalidRequestError for a file of another kind.
 * @example
 * ```ts
 * const { authoriser, clientDefaults } = resolveGoogle(spec, context); // clientDefaults: { project, location }
 * ```
 */
export function resolveGoogle(spec: GoogleCredentialSpec, ctx: ResolveContext): ResolvedCredential {
  const { provider, env } = ctx;
  const ambient = (name: string): string | undefined => (ctx.ambient && env[name] ? env[name] : undefined);
  const option = (name: string): string | undefined => (typeof ctx.clientOptions[name] === 'string' ? (ctx.clientOptions[name] as string) : undefined);
  const location = option('location') ?? ambient('GOOGLE_CLOUD_LOCATION') ?? 'us-central1';
  if (!/^[a-z0-9-]{1,40}$/.test(location)) {
    throw new InvalidRequestError(`The location ${JSON.stringify(location)} is not a Google Cloud region like 'us-central1'.`, { provider });
  }
  const host = location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`;
  const apiBase = spec.regionalBaseUrl?.replace('{location}-aiplatform.googleapis.com', host).replace('{location}', location);
  // A Google Cloud API key (Vertex AI's express mode, or a key bound to a service account) stays in the host too.
  if (ctx.apiKey !== undefined) {
    const key = ctx.apiKey;
    const project = option('project') ?? ambient('GOOGLE_CLOUD_PROJECT');
    return {
      authoriser: { describe: 'Google Cloud API key', authorise: async () => ({ headers: [['x-goog-api-key', key]] }) },
      apiBase,
      clientDefaults: { ...(project ? { project } : {}), location },
    };
  }
  const gcloudDir = ambient('CLOUDSDK_CONFIG') ?? (process.platform === 'win32' && env.APPDATA ? join(env.APPDATA, 'gcloud') : join(ctx.home, '.config', 'gcloud'));
  const explicit = ctx.options.file ?? ambient('GOOGLE_APPLICATION_CREDENTIALS');
  const adcFile = join(gcloudDir, 'application_default_credentials.json');
  // A named file must exist; gcloud's default file may not.
  const path = explicit ?? (ctx.ambient && fs.existsSync(adcFile) ? adcFile : undefined);
  const file = path === undefined ? undefined : readJson(path, provider);
  if (!file || !path) {
    throw new MissingApiKeyError(
      provider,
      'GOOGLE_APPLICATION_CREDENTIALS',
      'set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, run `gcloud auth application-default login`, or pass { credentials: { file } }',
    );
  }
  const where = path;
  const str = (name: string): string | undefined => (typeof file[name] === 'string' && file[name] !== '' ? (file[name] as string) : undefined);
  const bad = (problem: string): never => {
    throw new InvalidRequestError(`The Google credentials file ${where} for '${provider}' ${problem}.`, { provider, code: 'invalid_credentials' });
  };

  let exchange: () => Promise<Record<string, unknown>>;
  let describe: string;
  if (file.type === 'service_account') {
    const account = {
      client_email: str('client_email') ?? bad("has no 'client_email'"),
      private_key: str('private_key') ?? bad("has no 'private_key'"),
      private_key_id: str('private_key_id'),
      token_uri: str('token_uri') ?? GOOGLE_TOKEN_URL,
    };
    if (!URL.canParse(account.token_uri)) bad("has a 'token_uri' that is not a URL");
    // Signed now, so a broken key fails at create() rather than on the first call.
    try {
      serviceAccountAssertion(account, spec.scopes);
    } catch (error) {
      bad(`has a 'private_key' that does not sign: ${(error as Error).message}`);
    }
    describe = `service account ${account.client_email}`;
    exchange = () => ctx.post(account.token_uri, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: serviceAccountAssertion(account, spec.scopes) });
  } else if (file.type === 'authorized_user') {
    const form = {
      grant_type: 'refresh_token',
      client_id: str('client_id') ?? bad("has no 'client_id'"),
      client_secret: str('client_secret') ?? bad("has no 'client_secret'"),
      refresh_token: str('refresh_token') ?? bad("has no 'refresh_token'"),
    };
    const tokenUri = str('token_uri') ?? GOOGLE_TOKEN_URL;
    describe = 'authorized user (ADC)';
    exchange = () => ctx.post(tokenUri, form);
  } else {
    return bad(`is of type ${JSON.stringify(file.type)}; AnyLLM reads 'service_account' and 'authorized_user' files (not workload identity federation or impersonation)`);
  }

  const cache = new TokenCache(async () => {
    const answer = await exchange();
    return { value: answer.access_token as string, expiresAt: expiryOf(answer) };
  });
  const project = option('project') ?? ambient('GOOGLE_CLOUD_PROJECT') ?? str('project_id') ?? str('quota_project_id');
  return {
    authoriser: {
      describe,
      authorise: async () => {
        const token = await cache.get();
        return { headers: [['authorization', `Bearer ${token.value}`]], expiresAt: token.expiresAt };
      },
    },
    apiBase,
    clientDefaults: { ...(project ? { project } : {}), location },
  };
}
