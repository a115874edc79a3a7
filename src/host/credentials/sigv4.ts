/**
 * AWS Signature Version 4 for one request, in the host: the secret key never leaves it, the plugin
 * gets the signed headers of the one request it described.
 *
 * @module
 */
import { createRequire } from 'node:module';

// `node:crypto` costs milliseconds to load: only a client that signs pays for it (as network-options.ts does for `ca`).
const load = createRequire(import.meta.url ?? `file://${process.cwd()}/noop.js`);
const crypto = (): typeof import('node:crypto') => load('node:crypto') as typeof import('node:crypto');

/** Static or temporary AWS credentials. */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What is signed: the request as it goes on the wire. */
export interface SignInput {
  method: string;
  url: URL;
  /** Headers the signature covers besides `host` and `x-amz-*` added here (`content-type`). */
  headers: [string, string][];
  /** Hex SHA-256 of the body. */
  bodySha256: string;
  region: string;
  service: string;
  /** Signing time (default now). */
  date?: Date;
}

// Never signed: proxies and clients may change them on the way.
const UNSIGNED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'expect', 'connection', 'content-length', 'transfer-encoding']);

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves `!'()*`). */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path as sent, normalised and escaped once more (every service but S3 signs it double-encoded). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escape(normalised).replace(/%2F/g, '/');
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([key, value]) => [escape(key), escape(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

const hmac = (key: string | Buffer, data: string): Buffer => crypto().createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The headers to add to the request: `authorization`, `x-amz-date`, and `x-amz-security-token` for
 * temporary credentials.
 *
 * @example
 * ```ts
 * const headers = signRequest(keys, { method: 'POST', url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse'),
 *   headers: [['content-type', 'application/json']], bodySha256, region: 'us-east-1', service: 'bedrock' });
 * ```
 */
export function signRequest(keys: AwsKeys, input: SignInput): [string, string][] {
  const iso = (input.date ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const amzDate = iso; // yyyyMMddTHHmmssZ
  const day = amzDate.slice(0, 8);
  const added: [string, string][] = [['x-amz-date', amzDate]];
  if (keys.sessionToken) added.push(['x-amz-security-token', keys.sessionToken]);

  const signed = new Map<string, string>([['host', input.url.host]]);
  for (const [name, value] of [...input.headers, ...added]) {
    const key = name.toLowerCase();
    if (UNSIGNED.has(key) || key === 'host') continue;
    const clean = value.trim().replace(/\s+/g, ' ');
    signed.set(key, signed.has(key) ? `${signed.get(key)},${clean}` : clean);
  }
  const names = [...signed.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(input.url.pathname),
    canonicalQuery(input.url),
    names.map((name) => `${name}:${signed.get(name)}\n`).join(''),
    signedHeaders,
    input.bodySha256,
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, crypto().createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = crypto().createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return [
    ...added,
    ['authorization', `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`],
  ];
}
