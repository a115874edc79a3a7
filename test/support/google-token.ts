/**
 * A Google OAuth token endpoint on a LocalServer, and a service-account key file naming it as its
 * `token_uri`: the endpoint checks the JWT bearer assertion (RS256 against the file's public key,
 * issuer, audience, scope) as Google's does, and answers `{ access_token, expires_in }`.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendJson, type LocalServer } from './local-server.js';

export interface TokenEndpoint {
  /** Tokens issued so far (`ya29.test-1`, `ya29.test-2`, ...). */
  issued: string[];
  /** The newest token. */
  current(): string | undefined;
  /** Seconds each new token lives. */
  lifetimeS: number;
  /** When set, the endpoint refuses with this OAuth error. */
  refuse: string | undefined;
}

/** Writes a service-account file in `dir` whose `token_uri` is `server`'s `/token`, and serves it. */
export function serviceAccount(server: LocalServer, dir: string, project = 'sa-project'): { file: string; email: string; endpoint: TokenEndpoint } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const email = `anyllm-test@${project}.iam.gserviceaccount.com`;
  const tokenUri = `${server.origin}/token`;
  const file = join(dir, `${project}-key.json`);
  writeFileSync(file, JSON.stringify({ type: 'service_account', project_id: project, private_key_id: 'kid-1', private_key: privateKey, client_email: email, token_uri: tokenUri }));
  const endpoint: TokenEndpoint = { issued: [], current: () => endpoint.issued.at(-1), lifetimeS: 3600, refuse: undefined };
  server.on('POST', '/token', (req, res) => {
    const form = new URLSearchParams(String(req.body));
    const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
    const decoded = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString() || '{}') as Record<string, unknown>;
    const valid =
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      JSON.parse(Buffer.from(header ?? '', 'base64url').toString() || '{}').alg === 'RS256' &&
      createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature ?? '', 'base64url')) &&
      decoded.iss === email &&
      decoded.aud === tokenUri &&
      String(decoded.scope).split(' ').includes('https://www.googleapis.com/auth/cloud-platform');
    if (endpoint.refuse || !valid) {
      return sendJson(res, 400, { error: endpoint.refuse ?? 'invalid_grant', error_description: valid ? 'Invalid JWT Signature.' : 'The assertion is not valid.' });
    }
    const token = `ya29.test-${endpoint.issued.length + 1}`;
    endpoint.issued.push(token);
    sendJson(res, 200, { access_token: token, expires_in: endpoint.lifetimeS, token_type: 'Bearer' });
  });
  return { file, email, endpoint };
}
