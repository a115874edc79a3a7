// A request that gets no response fails with a ConnectionError that names the origin, the cause
// (ECONNREFUSED, ENOTFOUND) and how many retries the SDK made, in every tier and for every SDK:
// not `Connection error.` after silent retries.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AnyLLMError, ConnectionError, ProviderError } from 'anyllm';
import { fromWireError, toWireError } from 'anyllm/internal/errors.js';
import { mapSdkError } from 'anyllm/plugin';

let closedPort: number;
let selfSigned: Server;
let selfSignedOrigin: string;
const clients: AnyLLM[] = [];
const messages = [{ role: 'user' as const, content: 'Hi' }];

beforeAll(async () => {
  // A port that was just free: bind it, then close it, so nothing listens there.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  // An HTTPS server whose certificate nobody trusts (self-signed, made here).
  const dir = mkdtempSync(join(tmpdir(), 'anyllm-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  selfSigned = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
  rmSync(dir, { recursive: true, force: true });
  selfSigned.listen(0, '127.0.0.1');
  await once(selfSigned, 'listening');
  selfSignedOrigin = `https://127.0.0.1:${(selfSigned.address() as { port: number }).port}`;
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  selfSigned.closeAllConnections();
  selfSigned.close();
});

async function client(provider: string, apiBase: string, isolation: 'worker' | 'process', maxRetries: number): Promise<AnyLLM> {
  // The SDK's own retries, counted in the message: the host's are off.
  const llm = await AnyLLM.create(provider, { apiKey: 'k', apiBase, isolation, maxRetries, retry: false });
  clients.push(llm);
  return llm;
}

async function failure(call: Promise<unknown>): Promise<ConnectionError> {
  const error = await call.then(
    () => new Error('the call succeeded'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toBeInstanceOf(AnyLLMError);
  return error as ConnectionError;
}

describe.each(['worker', 'process'] as const)('in the %s tier', (isolation) => {
  it('a closed port: origin, ECONNREFUSED and the retries made', async () => {
    const origin = `http://127.0.0.1:${closedPort}`;
    const llm = await client('openai', `${origin}/v1`, isolation, 1);
    const error = await failure(llm.completion({ model: 'gpt-4o-mini', messages }));
    expect(error.message).toBe(
      `Could not connect to ${origin} after 1 retry: connection refused (nothing listens there): connect ECONNREFUSED 127.0.0.1:${closedPort}.`,
    );
    expect(error).toMatchObject({ provider: 'openai', code: 'ECONNREFUSED', origin, retries: 1, status: undefined });
  });

  it('an unresolvable name: origin, ENOTFOUND and the retries made, for a stream too', async () => {
    const llm = await client('openai', 'http://anyllm-test.invalid/v1', isolation, 0);
    const error = await failure(
      (async () => {
        for await (const _ of llm.completionStream({ model: 'gpt-4o-mini', messages }));
      })(),
    );
    expect(error.message).toContain('Could not connect to http://anyllm-test.invalid after 0 retries: host name not found (DNS)');
    expect(error.message).toContain('ENOTFOUND');
    expect(error).toMatchObject({ code: 'ENOTFOUND', origin: 'http://anyllm-test.invalid', retries: 0 });
  });

  it('an untrusted certificate: the TLS check that failed', async () => {
    const llm = await client('openai', `${selfSignedOrigin}/v1`, isolation, 0);
    const error = await failure(llm.completion({ model: 'gpt-4o-mini', messages }));
    expect(error.message).toContain(`Could not connect to ${selfSignedOrigin} after 0 retries: TLS certificate rejected: self-signed certificate`);
    expect(error.message).toContain('(DEPTH_ZERO_SELF_SIGNED_CERT).');
    expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', origin: selfSignedOrigin });
  });
});

describe.each([
  ['anthropic', ''],
  ['gemini', ''],
])('the %s SDK', (provider, path) => {
  it('reports the same', async () => {
    const origin = `http://127.0.0.1:${closedPort}`;
    const llm = await client(provider, `${origin}${path}`, 'worker', 1);
    const error = await failure(llm.completion({ model: 'm', messages }));
    expect(error).toMatchObject({ provider, code: 'ECONNREFUSED', origin });
    expect(error.message).toContain(`Could not connect to ${origin}`);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('mapSdkError', () => {
  it('keeps an error without a response but without a network cause a plain ProviderError', () => {
    const error = mapSdkError(Object.assign(new Error('unexpected end of JSON'), { code: 'EACCES' }), 'acme');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(ConnectionError);
  });

  it('a ConnectionError crosses the wire with its origin and retries', () => {
    const sent = new ConnectionError('Could not connect', { provider: 'acme', code: 'ECONNREFUSED', origin: 'http://127.0.0.1:1', retries: 2 });
    const rebuilt = fromWireError(JSON.parse(JSON.stringify(toWireError(sent))) as ReturnType<typeof toWireError>);
    expect(rebuilt).toBeInstanceOf(ConnectionError);
    expect(rebuilt).toMatchObject({ message: 'Could not connect', provider: 'acme', code: 'ECONNREFUSED', origin: 'http://127.0.0.1:1', retries: 2 });
  });
});
