/**
 * The host's credential modules (src/host/credentials/): SigV4 as AWS's own signer computes it, the
 * token cache's refresh rule, where AWS credentials and Google files are looked for, and the
 * broker's refusal to authorise another origin.
 */
import { generateKeyPairSync, createHash, createVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { signRequest } from 'anyllm/internal/host/credentials/sigv4.js';
import { TokenCache } from 'anyllm/internal/host/credentials/token-cache.js';
import { parseIni } from 'anyllm/internal/host/credentials/aws.js';
import { resolveCredentials } from 'anyllm/internal/host/credentials/index.js';
import { serviceAccountAssertion } from 'anyllm/internal/host/credentials/google.js';
import { AuthenticationError, InvalidRequestError, MissingApiKeyError } from 'anyllm/internal/errors.js';
import { parseManifest } from 'anyllm/internal/host/manifest.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const home = mkdtempSync(join(tmpdir(), 'anyllm-creds-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const network = { proxy: undefined, ca: undefined };

/** A query bag as smithy's HttpRequest holds it: repeated keys as arrays. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

/** What AWS's own signer makes of the same request, at the same instant. */
async function awsSignature(url: URL, method: string, headers: Record<string, string>, body: string, date: Date, keys: typeof KEYS | Omit<typeof KEYS, 'sessionToken'>): Promise<string> {
  const signer = new SignatureV4({ service: 'bedrock', region: 'eu-west-3', credentials: keys, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const signed = await signer.sign(
    { method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query: queryOf(url), headers: { host: url.host, ...headers }, body },
    { signingDate: date },
  );
  return String(signed.headers.authorization);
}

describe('signRequest (SigV4)', () => {
  const date = new Date('2026-11-30T12:34:56Z');
  it.each([
    ['a Converse call with a model id holding ":" (double-encoded path)', 'https://bedrock-runtime.eu-west-3.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse', KEYS],
    ['a query string, sorted and escaped', 'https://bedrock-runtime.eu-west-3.amazonaws.com/model/m/converse?b=2&a=x%20y&a=1', KEYS],
    ['a port, and no session token', 'http://127.0.0.1:8123/model/amazon.nova-lite-v1%3A0/converse-stream', { accessKeyId: KEYS.accessKeyId, secretAccessKey: KEYS.secretAccessKey }],
  ])('matches @smithy/signature-v4 for %s', async (_what, href, keys) => {
    const url = new URL(href);
    const body = '{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}';
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    const ours = signRequest(keys, { method: 'POST', url, headers: Object.entries(headers), bodySha256: sha(body), region: 'eu-west-3', service: 'bedrock', date });
    const authorization = ours.find(([name]) => name === 'authorization')?.[1];
    expect(authorization).toBe(await awsSignature(url, 'POST', { ...headers, 'x-amz-date': '20261130T123456Z', ...('sessionToken' in keys ? { 'x-amz-security-token': keys.sessionToken } : {}) }, body, date, keys));
    expect(Object.fromEntries(ours)['x-amz-security-token']).toBe('sessionToken' in keys ? keys.sessionToken : undefined);
  });

  it('leaves user-agent and authorization out of the signature', () => {
    const url = new URL('https://bedrock-runtime.eu-west-3.amazonaws.com/model/m/converse');
    const signed = signRequest(KEYS, { method: 'POST', url, headers: [['user-agent', 'x'], ['content-type', 'application/json']], bodySha256: sha(''), region: 'eu-west-3', service: 'bedrock', date });
    expect(Object.fromEntries(signed).authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,');
  });
});

describe('TokenCache', () => {
  it('exchanges once, reuses the token, refreshes it 5 minutes before expiry, and does not cache a failure', async () => {
    let now = 1_000_000;
    let exchanges = 0;
    let fail = false;
    const cache = new TokenCache(async () => {
      exchanges++;
      if (fail) throw new Error('endpoint down');
      return { value: `t${exchanges}`, expiresAt: now + 3600_000 };
    }, () => now);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a.value, b.value, exchanges]).toEqual(['t1', 't1', 1]);
    now += 3600_000 - 5 * 60_000 - 1;
    expect((await cache.get()).value).toBe('t1');
    now += 2;
    fail = true;
    await expect(cache.get()).rejects.toThrow('endpoint down');
    fail = false;
    expect((await cache.get()).value).toBe('t3');
  });
});

describe('AWS credential resolution', () => {
  const aws = { type: 'aws-sigv4' as const, service: 'bedrock', bearerEnv: 'AWS_BEARER_TOKEN_BEDROCK', regionalBaseUrl: 'https://bedrock-runtime.{region}.amazonaws.com' };
  const resolve = (env: NodeJS.ProcessEnv, options = {}, ambient = true, apiKey?: string) =>
    resolveCredentials(aws, { provider: 'bedrock', apiKey, options, clientOptions: {}, env, ambient, network, home });

  it('reads the profile of AWS_PROFILE from the shared credentials file, and its region from the config file', async () => {
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n\n[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = s2\n');
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = us-west-2\n[profile work]\nregion = ap-south-1\n');
    const resolved = resolve({ AWS_PROFILE: 'work' });
    expect(resolved.apiBase).toBe('https://bedrock-runtime.ap-south-1.amazonaws.com');
    const broker = resolved.broker(['https://bedrock-runtime.ap-south-1.amazonaws.com']);
    const { headers } = await broker.authorise({ client: 'c1', url: 'https://bedrock-runtime.ap-south-1.amazonaws.com/model/m/converse', method: 'POST' });
    expect(Object.fromEntries(headers).authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAWORK\/\d{8}\/ap-south-1\/bedrock\/aws4_request, /);
  });

  it('prefers the bearer key, and the environment over the files', async () => {
    const bearer = resolve({ AWS_BEARER_TOKEN_BEDROCK: 'bedrock-key', AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's' }).broker(['https://bedrock-runtime.us-west-2.amazonaws.com']);
    expect((await bearer.authorise({ client: 'c1', url: 'https://bedrock-runtime.us-west-2.amazonaws.com/x', method: 'POST' })).headers).toEqual([['authorization', 'Bearer bedrock-key']]);
    const env = resolve({ AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-central-1' });
    expect(env.apiBase).toBe('https://bedrock-runtime.eu-central-1.amazonaws.com');
    expect(env.broker([env.apiBase!]).describe).toBe('AWS SigV4 (AWS_ACCESS_KEY_ID)');
  });

  it('refuses to authorise a request to another origin than the client’s', async () => {
    const broker = resolve({}, { accessKeyId: 'AKIA', secretAccessKey: 's' }).broker(['https://bedrock-runtime.us-east-1.amazonaws.com']);
    const error = await broker.authorise({ client: 'c1', url: 'https://attacker.example/collect', method: 'POST' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('https://attacker.example');
  });

  it('without ambient access (a community plugin) ignores the environment and the files', () => {
    const error = (() => {
      try {
        resolve({ AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's', AWS_BEARER_TOKEN_BEDROCK: 'k' }, {}, false);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect((error as Error).message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('says how to export SSO credentials instead of failing vaguely', () => {
    writeFileSync(join(home, '.aws', 'config'), '[profile sso]\nsso_session = corp\nsso_account_id = 1\n');
    expect(() => resolve({ AWS_PROFILE: 'sso' })).toThrow(/aws configure export-credentials --profile sso/);
  });

  it('parses INI comments, spacing and sections', () => {
    expect(parseIni('# c\n[default]\n aws_access_key_id=A \n; x\n[profile b]\nREGION = r\n')).toEqual({ default: { aws_access_key_id: 'A' }, 'profile b': { region: 'r' } });
  });
});

describe('Google credential resolution', () => {
  const google = { type: 'google-oauth' as const, scopes: ['https://www.googleapis.com/auth/cloud-platform'], regionalBaseUrl: 'https://{location}-aiplatform.googleapis.com' };
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

  it('signs an RS256 assertion the public key verifies, for the file’s token_uri and the scopes', () => {
    const jwt = serviceAccountAssertion({ client_email: 'sa@p.iam.gserviceaccount.com', private_key: privateKey, token_uri: 'http://127.0.0.1:1/token' }, google.scopes, 1_800_000_000);
    const [header, claims, signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: 'sa@p.iam.gserviceaccount.com', scope: google.scopes[0], aud: 'http://127.0.0.1:1/token', iat: 1_800_000_000, exp: 1_800_003_600,
    });
    expect(createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('takes the project from the file and the location from the environment; keeps an API key in the host; refuses unknown file types', async () => {
    const file = join(home, 'sa.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', project_id: 'proj-1', client_email: 'sa@x', private_key: privateKey, token_uri: 'http://127.0.0.1:1/token' }));
    const ctx = { provider: 'vertexai', apiKey: undefined, options: {}, clientOptions: {}, env: { GOOGLE_APPLICATION_CREDENTIALS: file, GOOGLE_CLOUD_LOCATION: 'europe-west4' }, ambient: true, network, home };
    const resolved = resolveCredentials(google, ctx);
    expect(resolved.clientDefaults).toEqual({ project: 'proj-1', location: 'europe-west4' });
    expect(resolved.apiBase).toBe('https://europe-west4-aiplatform.googleapis.com');
    const keyed = resolveCredentials(google, { ...ctx, apiKey: 'k' }).broker(['https://europe-west4-aiplatform.googleapis.com']);
    await expect(keyed.authorise({ client: 'c1', url: 'https://europe-west4-aiplatform.googleapis.com/v1/x', method: 'POST' })).resolves.toEqual({ headers: [['x-goog-api-key', 'k']] });
    expect(() => resolveCredentials(google, { ...ctx, clientOptions: { location: '../evil' } })).toThrow(InvalidRequestError);
    writeFileSync(file, JSON.stringify({ type: 'external_account' }));
    expect(() => resolveCredentials(google, ctx)).toThrow(/"external_account"/);
    expect(() => resolveCredentials(google, { ...ctx, env: {} })).toThrow(MissingApiKeyError);
  });
});

describe('Google authorized-user files (gcloud ADC)', () => {
  it('exchanges the refresh token at the token endpoint once, and hands out the access token', async () => {
    const file = join(home, '.config', 'gcloud', 'application_default_credentials.json');
    mkdirSync(join(home, '.config', 'gcloud'), { recursive: true });
    writeFileSync(file, JSON.stringify({ type: 'authorized_user', client_id: 'cid', client_secret: 'cs', refresh_token: 'rt', quota_project_id: 'quota-p' }));
    const posts: [string, Record<string, string>][] = [];
    const post = async (url: string, form: Record<string, string>) => {
      posts.push([url, form]);
      return { access_token: 'ya29.user', expires_in: 3600 };
    };
    const google = { type: 'google-oauth' as const, scopes: ['https://www.googleapis.com/auth/cloud-platform'] };
    const resolved = resolveCredentials(google, { provider: 'vertexai', apiKey: undefined, options: {}, clientOptions: {}, env: {}, ambient: true, network, home, post });
    expect(resolved.clientDefaults).toEqual({ project: 'quota-p', location: 'us-central1' });
    const broker = resolved.broker(['https://us-central1-aiplatform.googleapis.com']);
    const url = 'https://us-central1-aiplatform.googleapis.com/v1/x';
    const [a, b] = await Promise.all([broker.authorise({ client: 'c1', url, method: 'POST' }), broker.authorise({ client: 'c1', url, method: 'POST' })]);
    expect(a.headers).toEqual([['authorization', 'Bearer ya29.user']]);
    expect(b.headers).toEqual(a.headers);
    expect(posts).toEqual([['https://oauth2.googleapis.com/token', { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'cs', refresh_token: 'rt' }]]);
  });
});

describe('the credentials option', () => {
  it('is refused, not ignored, for a provider that takes a key', async () => {
    const { AnyLLM } = await import('anyllm');
    await expect(AnyLLM.create('openai', { apiKey: 'k', credentials: { profile: 'work' } })).rejects.toThrow(/Option 'credentials' applies to providers whose credentials the host resolves/);
    await expect(AnyLLM.create('bedrock', { credentials: { profle: 'work' } as never })).rejects.toThrow(/'credentials.profle' is not an option/);
  });
});

describe('manifest credentials and builtOn', () => {
  const base = { provider: 'acme', entry: './index.js', apiKeyEnv: null };
  it('parses each credential type and refuses a key variable beside it, an unknown type, or a bad builtOn', () => {
    expect(parseManifest({ ...base, credentials: { type: 'ibm-iam', apiKeyEnv: 'ACME_API_KEY', tokenUrl: 'https://iam.example/identity/token' } }, 'm').credentials).toEqual({
      type: 'ibm-iam', apiKeyEnv: 'ACME_API_KEY', tokenUrl: 'https://iam.example/identity/token', tokenUrlEnv: undefined,
    });
    expect(() => parseManifest({ ...base, env: ['ACME_API_KEY'], apiKeyEnv: 'ACME_API_KEY', credentials: { type: 'aws-sigv4', service: 'bedrock' } }, 'm')).toThrow(/'apiKeyEnv' must be null/);
    expect(() => parseManifest({ ...base, credentials: { type: 'kerberos' } }, 'm')).toThrow(/'credentials.type' must be/);
    expect(() => parseManifest({ ...base, credentials: { type: 'google-oauth', scopes: [] } }, 'm')).toThrow(/'credentials.scopes'/);
    expect(() => parseManifest({ ...base, credentials: { type: 'aws-sigv4', service: 'bedrock', regionalBaseUrl: 'https://fixed.example' } }, 'm')).toThrow(/holding \{region\}/);
    expect(() => parseManifest({ ...base, builtOn: ['../gemini'] }, 'm')).toThrow(/'builtOn'/);
    expect(parseManifest({ ...base, builtOn: ['gemini'] }, 'm').builtOn).toEqual(['gemini']);
  });
});
