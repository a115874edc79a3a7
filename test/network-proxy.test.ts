// Proxies in every tier: the environment's (a host run with NODE_USE_ENV_PROXY=1) and the `proxy`
// option, seen by a forward proxy on 127.0.0.1; NO_PROXY hosts bypass it.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, registerPlugin, type Isolation } from 'anyllm';
import { ForwardProxy } from './support/forward-proxy.js';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { createTestCa, type TestCa } from './support/test-ca.js';

const run = promisify(execFile);
const hostScript = fileURLToPath(new URL('./scripts/network-host.mjs', import.meta.url));
const messages = [{ role: 'user' as const, content: 'hi' }];
const TIERS: Isolation[] = ['worker', 'process', 'sandbox'];

let proxy: ForwardProxy;
let server: LocalServer;
let bypassed: LocalServer;
let secure: LocalServer;
let ca: TestCa;
let plugin: PluginCopy;

const serve = (local: LocalServer, name: string) => onChat(local, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(completionBody(`from ${name}`)));
});

beforeAll(async () => {
  ca = createTestCa();
  [proxy, server, bypassed, secure] = await Promise.all([ForwardProxy.start(), LocalServer.start(), LocalServer.start(), LocalServer.start({ key: ca.key, cert: ca.cert })]);
  serve(server, 'server');
  serve(bypassed, 'bypassed');
  serve(secure, 'secure');
  // The sandboxed plugin declares every origin the tests use; the proxy decides how they are reached.
  plugin = copyPlugin(resolve('examples/community-plugin'), [server.origin, bypassed.origin, secure.origin]);
  await registerPlugin(plugin.dir);
});

afterAll(async () => {
  await Promise.all([proxy.close(), server.close(), bypassed.close(), secure.close()]);
  plugin.remove();
  ca.remove();
});

/** Which provider runs in `tier`: the built-in openai plugin, or the community one for the sandbox. */
const providerFor = (tier: Isolation) => (tier === 'sandbox' ? 'acme' : 'openai');

async function complete(tier: Isolation, apiBase: string, options: Record<string, unknown> = {}): Promise<string | null> {
  const llm = await AnyLLM.create(providerFor(tier), { apiKey: 'test-key', apiBase, isolation: tier, retry: false, ...options });
  try {
    return (await llm.completion({ model: 'm', messages })).choices[0].message.content;
  } finally {
    await llm.close();
  }
}

function hostWithEnv(env: Record<string, string>, calls: { provider: string; options: Record<string, unknown> }[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(https?_proxy|no_proxy|node_use_env_proxy)$/i.test(name)));
  return run(process.execPath, [hostScript, JSON.stringify({ plugin: plugin.dir, calls })], { env: { ...clean, ...env }, timeout: 60_000 }).then(
    ({ stdout }) => JSON.parse(stdout) as { isolation: string; content?: string; error?: string }[],
  );
}

describe('the proxy option', () => {
  it.each(TIERS)('sends a %s plugin\'s plain HTTP request to the proxy in absolute form', async (tier) => {
    const before = proxy.seen.length;
    expect(await complete(tier, `${server.origin}/v1`, { proxy: proxy.url })).toBe('from server');
    expect(proxy.seen.slice(before)).toEqual([`POST ${server.origin}/v1/chat/completions`]);
  });

  it.each(TIERS)('tunnels a %s plugin\'s HTTPS request with CONNECT, checking the origin\'s certificate', async (tier) => {
    const before = proxy.seen.length;
    expect(await complete(tier, `${secure.origin}/v1`, { proxy: proxy.url, ca: ca.caPem })).toBe('from secure');
    expect(proxy.seen.slice(before)).toEqual([`CONNECT ${new URL(secure.origin).host}`]);
  });

  it.each(TIERS)('sends a %s plugin\'s proxy credentials from the URL, never the plugin\'s own', async (tier) => {
    const before = proxy.auth.length;
    const withAuth = proxy.url.replace('http://', 'http://user:p%40ss@');
    expect(await complete(tier, `${server.origin}/v1`, { proxy: withAuth })).toBe('from server');
    expect(proxy.auth.slice(before)).toEqual([`Basic ${Buffer.from('user:p@ss').toString('base64')}`]);
  });

  it.each(TIERS)('lets a %s plugin reach a noProxy host directly', async (tier) => {
    const before = proxy.seen.length;
    const served = bypassed.requests.length;
    expect(await complete(tier, `${bypassed.origin}/v1`, { proxy: proxy.url, noProxy: [new URL(bypassed.origin).host] })).toBe('from bypassed');
    expect(proxy.seen.slice(before)).toEqual([]);
    expect(bypassed.requests.length).toBe(served + 1);
  });

  it('is checked, naming the field', async () => {
    await expect(AnyLLM.create('openai', { apiKey: 'k', proxy: 'socks5://127.0.0.1:1080' })).rejects.toThrow(InvalidRequestError);
    await expect(AnyLLM.create('openai', { apiKey: 'k', proxy: 'socks5://127.0.0.1:1080' })).rejects.toThrow(/Option 'proxy' must be an http/);
    await expect(AnyLLM.create('openai', { apiKey: 'k', proxy: 'http://proxy:8080/path' })).rejects.toThrow(/Option 'proxy' .*no path/);
    await expect(AnyLLM.create('openai', { apiKey: 'k', noProxy: ['x'] })).rejects.toThrow(/Option 'noProxy' applies to the 'proxy' option only/);
    await expect(AnyLLM.create('openai', { apiKey: 'k', proxy: proxy.url, noProxy: 'a,b' as unknown as string[] })).rejects.toThrow(/Option 'noProxy' must be an array/);
  });
});

describe('a host run with NODE_USE_ENV_PROXY=1', () => {
  const callsTo = (apiBase: string) => TIERS.map((tier) => ({ provider: providerFor(tier), options: { apiBase, isolation: tier } }));

  it('proxies every tier through HTTP_PROXY, as Node proxies its own fetch', async () => {
    const before = proxy.seen.length;
    const outcomes = await hostWithEnv({ NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxy.url }, callsTo(`${server.origin}/v1`));
    expect(outcomes).toEqual(TIERS.map((isolation) => ({ isolation, content: 'from server' })));
    expect(proxy.seen.slice(before)).toEqual(TIERS.map(() => `POST ${server.origin}/v1/chat/completions`));
  });

  it('goes direct to a NO_PROXY host (matched with its port) and through the proxy to the others', async () => {
    const before = proxy.seen.length;
    const served = bypassed.requests.length;
    const outcomes = await hostWithEnv(
      { NODE_USE_ENV_PROXY: '1', http_proxy: proxy.url, NO_PROXY: `internal.example, ${new URL(bypassed.origin).host}` },
      [...callsTo(`${bypassed.origin}/v1`), ...callsTo(`${server.origin}/v1`)],
    );
    expect(outcomes.map((o) => o.content)).toEqual([...TIERS.map(() => 'from bypassed'), ...TIERS.map(() => 'from server')]);
    expect(proxy.seen.slice(before)).toEqual(TIERS.map(() => `POST ${server.origin}/v1/chat/completions`));
    expect(bypassed.requests.length).toBe(served + TIERS.length);
  });

  it('is overridden by the proxy option (false: no proxy at all)', async () => {
    const before = proxy.seen.length;
    const outcomes = await hostWithEnv(
      { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: 'http://127.0.0.1:9' },
      TIERS.map((tier) => ({ provider: providerFor(tier), options: { apiBase: `${server.origin}/v1`, isolation: tier, proxy: false } })),
    );
    expect(outcomes.map((o) => o.content)).toEqual(TIERS.map(() => 'from server'));
    expect(proxy.seen.slice(before)).toEqual([]);
  });

  it('without NODE_USE_ENV_PROXY, HTTP_PROXY alone changes nothing (as for Node)', async () => {
    const before = proxy.seen.length;
    const outcomes = await hostWithEnv({ HTTP_PROXY: proxy.url }, callsTo(`${server.origin}/v1`));
    expect(outcomes.map((o) => o.content)).toEqual(TIERS.map(() => 'from server'));
    expect(proxy.seen.slice(before)).toEqual([]);
  });
});
