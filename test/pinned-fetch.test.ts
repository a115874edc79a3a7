/**
 * The fetch proxy's upstream pins DNS: one lookup per fetch, every address checked, the connection
 * made to the checked address (a rebinding resolver cannot redirect it), internal addresses
 * refused before any connection, TLS verified for the name, bodies streamed and abortable.
 * Servers count their TCP connections, so "no connection was made" is observed, not assumed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLMError } from 'anyllm';
import { refusalOf } from 'anyllm/internal/host/address-policy.js';
import { createPinnedFetch, type ResolvedAddress } from 'anyllm/internal/host/pinned-fetch.js';

/** An HTTP(S) server on `host` that counts connections and records requests. */
class CountingServer {
  connections = 0;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string; servername?: string }[] = [];
  readonly server: Server;
  constructor(server: Server, handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = server;
    server.on('connection', () => this.connections++);
    server.on('secureConnection', () => this.connections++);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const servername = (req.socket as { servername?: string }).servername;
        this.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), servername });
        handler(req, res);
      });
    });
  }
  static async listen(host: string, port: number, handler: (req: IncomingMessage, res: ServerResponse) => void, server: Server = createServer()) {
    const counting = new CountingServer(server, handler);
    server.listen(port, host);
    await once(server, 'listening');
    return counting;
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Called when a `/hang` response is closed by its client. */
const hangClosures: (() => void)[] = [];

const routes = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/redirect') return res.writeHead(302, { location: '/elsewhere' }).end();
  if (req.url === '/gzip') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('decoded text'));
  if (req.url === '/empty') return res.writeHead(204).end();
  if (req.url === '/hang') {
    res.on('close', () => hangClosures.splice(0).forEach((done) => done()));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first part');
    return; // never ends
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'ok' });
  res.end(`served ${req.method} ${req.url}`);
};

/** A "public" server (127.0.0.2 stands for a public address) and an internal one (127.0.0.1), same port. */
let publicServer: CountingServer;
let internal: CountingServer;
let port: number;

beforeAll(async () => {
  publicServer = await CountingServer.listen('127.0.0.2', 0, (_req, res) => res.end('public'));
  port = publicServer.port;
  internal = await CountingServer.listen('127.0.0.1', port, routes);
  // Long enough that a kept-alive socket holding a process open would be seen (the script test).
  internal.server.keepAliveTimeout = 60_000;
});

afterAll(async () => {
  await publicServer.close();
  await internal.close();
});

/** A resolver answering each lookup with the next list of `answers` (the last one repeats), counting lookups. */
function resolver(...answers: string[][]) {
  const lookups: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    const answer = answers[Math.min(lookups.length, answers.length - 1)];
    lookups.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookups, resolve };
}

/** The real policy, except that 127.0.0.2 counts as public (it plays the public address). */
const refuseBut = (...publicAddresses: string[]) => (address: string) => (publicAddresses.includes(address) ? undefined : refusalOf(address));

const denied = async (promise: Promise<unknown>): Promise<AnyLLMError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AnyLLMError);
  expect(error).toMatchObject({ code: 'network_denied' });
  return error as AnyLLMError;
};

describe('DNS pinning', () => {
  it('looks a name up once and connects to the address it checked, though the resolver rebinds to loopback', async () => {
    const dns = resolver(['127.0.0.2'], ['127.0.0.1']);
    const fetch = createPinnedFetch({ resolve: dns.resolve, refuse: refuseBut('127.0.0.2') });
    const before = { public: publicServer.connections, internal: internal.connections };
    const response = await fetch(`http://rebind.example:${port}/v1/models`, { redirect: 'manual' });
    expect(await response.text()).toBe('public');
    expect(dns.lookups).toEqual(['rebind.example']);
    expect(publicServer.connections - before.public).toBe(1);
    expect(internal.connections).toBe(before.internal);
    expect(publicServer.requests.at(-1)?.headers.host).toBe(`rebind.example:${port}`);
    // The next fetch looks up again, gets loopback, and is refused before connecting.
    const error = await denied(fetch(`http://rebind.example:${port}/v1/models`, { redirect: 'manual' }));
    expect(error.message).toContain('rebind.example resolves to 127.0.0.1, a loopback address (127.0.0.0/8)');
    expect(dns.lookups).toHaveLength(2);
    expect(internal.connections).toBe(before.internal);
  });

  it.each<[string, string[], string]>([
    ['loopback', ['127.0.0.1'], '127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['cloud metadata', ['169.254.169.254'], '169.254.169.254, a cloud metadata address (169.254.169.254/32)'],
    ['AWS IPv6 metadata', ['fd00:ec2::254'], 'fd00:ec2::254, a cloud metadata address (fd00:ec2::254/128)'],
    ['a private address', ['10.0.0.5'], '10.0.0.5, a private address (10.0.0.0/8)'],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1'], '::ffff:127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['IPv6 loopback', ['::1'], '::1, a loopback address (::1/128)'],
    ['a public and a loopback address', ['127.0.0.2', '127.0.0.1'], '127.0.0.1, a loopback address (127.0.0.0/8)'],
  ])('refuses a name resolving to %s, naming the address and why, without connecting', async (_what, addresses, why) => {
    const before = internal.connections + publicServer.connections;
    const fetch = createPinnedFetch({ resolve: resolver(addresses).resolve, refuse: refuseBut('127.0.0.2') });
    const error = await denied(fetch(`http://evil.example:${port}/`, { redirect: 'manual' }));
    expect(error.message).toBe(
      `The fetch proxy refused to connect to http://evil.example:${port}: evil.example resolves to ${why}. ` +
        'A declared name must resolve to public addresses only; declare a local server by its IP address or as localhost.',
    );
    expect(internal.connections + publicServer.connections).toBe(before);
  });

  it('connects to an origin declared as an IP address without a lookup, but never to a metadata address', async () => {
    const dns = resolver(['127.0.0.2']);
    const fetch = createPinnedFetch({ resolve: dns.resolve });
    expect(await (await fetch(`http://127.0.0.1:${port}/direct`, { redirect: 'manual' })).text()).toBe('served GET /direct');
    const error = await denied(fetch('http://169.254.169.254/latest/meta-data/', { redirect: 'manual' }));
    expect(error.message).toContain('169.254.169.254 is a cloud metadata address (169.254.169.254/32)');
    await denied(fetch('http://[::ffff:a9fe:a9fe]/latest/meta-data/', { redirect: 'manual' }));
    expect(dns.lookups).toEqual([]);
  });

  it('connects to localhost (a local server chosen knowingly) on loopback, without asking any resolver', async () => {
    const dns = resolver(['10.0.0.1']);
    const fetch = createPinnedFetch({ resolve: dns.resolve });
    const before = internal.connections;
    expect(await (await fetch(`http://localhost:${port}/local`, { redirect: 'manual' })).text()).toBe('served GET /local');
    expect(internal.requests.at(-1)?.headers.host).toBe(`localhost:${port}`);
    expect(internal.connections).toBeGreaterThan(before);
    expect(dns.lookups).toEqual([]);
  });

  it('reports a name that does not resolve as a network failure, as fetch does', async () => {
    const fetch = createPinnedFetch({ resolve: async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })) });
    await expect(fetch('http://missing.example/', { redirect: 'manual' })).rejects.toThrow(new TypeError('fetch failed: getaddrinfo ENOTFOUND missing.example'));
    await expect(createPinnedFetch({ resolve: async () => [] })('http://none.example/', { redirect: 'manual' })).rejects.toThrow(/none\.example has no address/);
  });
});

describe('the pinned fetch as a fetch', () => {
  const fetch = createPinnedFetch({ resolve: resolver(['127.0.0.1']).resolve, refuse: refuseBut('127.0.0.1') });
  const url = (path: string) => `http://api.example:${port}${path}`;

  it('sends method, headers and body, and returns status, headers and body', async () => {
    const response = await fetch(url('/echo?q=1'), {
      method: 'post',
      headers: [['content-type', 'application/json'], ['authorization', 'Bearer k']],
      body: new TextEncoder().encode('{"a":1}'),
      redirect: 'manual',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-served-by')).toBe('ok');
    expect(await response.text()).toBe('served POST /echo?q=1');
    const sent = internal.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(sent.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer k', 'content-length': '7' });
  });

  it('returns a redirect as it is, without following it', async () => {
    const before = internal.requests.length;
    const response = await fetch(url('/redirect'), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(internal.requests.length - before).toBe(1);
    await expect(fetch(url('/redirect'), { redirect: 'follow' })).rejects.toThrow(/never follows redirects/);
  });

  it('decodes a gzip body, and gives a 204 no body', async () => {
    expect(await (await fetch(url('/gzip'), { redirect: 'manual' })).text()).toBe('decoded text');
    const empty = await fetch(url('/empty'), { redirect: 'manual' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('aborts mid-body: the read rejects with an AbortError and the server sees the connection close', async () => {
    const controller = new AbortController();
    const response = await fetch(url('/hang'), { redirect: 'manual', signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first part');
    const closed = new Promise<void>((done) => hangClosures.push(done));
    controller.abort();
    const error = await reader.read().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('aborts while the name is being resolved', async () => {
    const controller = new AbortController();
    const hanging = createPinnedFetch({ resolve: () => new Promise(() => {}) });
    const pending = hanging('http://slow.example/', { redirect: 'manual', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an abort in any turn between the lookup and the request is never lost: no request goes out', async () => {
    // The fetch proxy aborts a plugin's fetch when its call ends, which may be a few promise turns
    // after the fetch began: an abort landing after the lookup settled must still stop it.
    for (const target of [url('/hang'), `http://127.0.0.1:${port}/hang`]) {
      for (let turns = 0; turns < 12; turns++) {
        const before = internal.requests.length;
        const controller = new AbortController();
        const pending = fetch(target, { redirect: 'manual', signal: controller.signal });
        for (let i = 0; i < turns; i++) await Promise.resolve();
        controller.abort();
        const outcome = await pending.then((response) => (void response.body?.cancel(), 'answered'), (e: unknown) => (e as Error).name);
        expect({ target, turns, outcome }).toEqual({ target, turns, outcome: 'AbortError' });
        await new Promise((done) => setTimeout(done, 5));
        expect(internal.requests.length).toBe(before);
      }
    }
  });
});

describe('HTTPS', () => {
  let dir: string;
  let tls: CountingServer;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'anyllm-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=api.pinned.test', '-addext', 'subjectAltName=DNS:api.pinned.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert });
    tls = await CountingServer.listen('127.0.0.1', 0, (_req, res) => res.end('secure'), server as unknown as Server);
  });

  afterAll(async () => {
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to the checked address and verifies the certificate for the name (SNI = the name)', async () => {
    const fetch = createPinnedFetch({ resolve: resolver(['127.0.0.1']).resolve, refuse: refuseBut('127.0.0.1'), ca: cert });
    const response = await fetch(`https://api.pinned.test:${tls.port}/v1`, { redirect: 'manual' });
    expect(await response.text()).toBe('secure');
    expect(tls.requests.at(-1)).toMatchObject({ servername: 'api.pinned.test', headers: { host: `api.pinned.test:${tls.port}` } });
  });

  it('refuses a certificate that is not for the name it connected for', async () => {
    const fetch = createPinnedFetch({ resolve: resolver(['127.0.0.1']).resolve, refuse: refuseBut('127.0.0.1'), ca: cert });
    const error = await fetch(`https://other.pinned.test:${tls.port}/v1`, { redirect: 'manual' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^fetch failed: Hostname\/IP does not match certificate's altnames/);
  });
});

describe('idle connections', () => {
  it('do not keep a process alive: a script that fetched returns and exits while the server holds the connection open', async () => {
    const script = resolvePath('test/scripts/pinned-fetch-exits.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [script, String(port)], { timeout: 20_000 });
    expect(stdout).toBe('served GET /once\n');
  });
});
