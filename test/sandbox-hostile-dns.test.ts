/**
 * DNS pinning through the public API (issue 8, class 8). The plugin's author controls the DNS of
 * the names its manifest declares; here the test plays that DNS server with the pinned fetch's
 * test-only resolver hook (setResolverForTests: an internal module of the host, not exported by
 * the package and out of reach of a plugin, which runs in another process). A declared name that
 * resolves to loopback or to the metadata address is refused with `network_denied` and the local
 * server behind that address sees no request; an origin declared as `localhost` still works.
 */
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, registerPlugin } from 'anyllm';
import { setResolverForTests, type ResolvedAddress } from 'anyllm/internal/host/pinned-fetch.js';
import { attack, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const world = new HostileWorld();
const NAME = 'api.rebind.test';
/** The hostile plugin declaring a name (whose DNS the test controls), and the example plugin declaring localhost. */
let byName: PluginCopy;
let byLocalhost: PluginCopy;
let port: number;
/** What the "attacker's DNS" answers for NAME, and which names were looked up. */
let answer: ResolvedAddress[] = [];
const lookups: string[] = [];

beforeAll(async () => {
  await world.setUp();
  port = Number(new URL(world.declared.origin).port);
  byName = copyPlugin(resolve('test/fixtures/plugins/hostile'), [`http://${NAME}:${port}`], (manifest) => {
    manifest.provider = 'hostile-dns';
    manifest.env = [];
  });
  byLocalhost = copyPlugin(resolve('examples/community-plugin'), [`http://localhost:${port}`], (manifest) => {
    manifest.provider = 'acme-local';
    manifest.env = ['ACME_LOCAL_API_KEY'];
    manifest.apiKeyEnv = 'ACME_LOCAL_API_KEY';
    delete manifest.baseUrlEnv;
  });
  await registerPlugin(byName.dir);
  await registerPlugin(byLocalhost.dir);
  setResolverForTests(async (hostname) => {
    lookups.push(hostname);
    if (hostname === NAME) return answer;
    throw Object.assign(new Error(`no such name ${hostname}`), { code: 'ENOTFOUND' });
  });
});

afterEach(() => world.closeClients());

afterAll(async () => {
  setResolverForTests(undefined);
  await world.tearDown();
  byName.remove();
  byLocalhost.remove();
});

describe.each(SANDBOX_MODES)('a declared name the plugin\'s author resolves (OS boundary: %s)', (mode) => {
  it.each<[string, ResolvedAddress[], string]>([
    ['loopback, where the declared local server listens', [{ address: '127.0.0.1', family: 4 }], '127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['IPv4-mapped loopback', [{ address: '::ffff:127.0.0.1', family: 6 }], '::ffff:127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['the cloud metadata address', [{ address: '169.254.169.254', family: 4 }], '169.254.169.254, a cloud metadata address'],
  ])('cannot lead the fetch proxy to %s', async (_what, addresses, why) => {
    answer = addresses;
    const before = world.declared.requests.length;
    const lookedUp = lookups.length;
    const result = await world.whileAnotherPluginStreams(mode, async () => {
      const hostile = await world.client('hostile-dns', mode);
      return attack<Attempt>(hostile, 'fetch', { url: `http://${NAME}:${port}/v1/models` });
    });
    expect(result.allowed).toBe(false);
    expect(result.message).toContain(`The fetch proxy refused to connect to http://${NAME}:${port}: ${NAME} resolves to ${why}`);
    expect(lookups.slice(lookedUp)).toEqual([NAME]);
    // The benign plugin's stream reached the same server meanwhile; the hostile fetch did not.
    expect(world.declared.requests.slice(before).filter((request) => request.path === '/v1/models')).toEqual([]);
  });

  it('still serves a plugin whose declared origin is localhost (a local server the caller chose)', async () => {
    const llm = await AnyLLM.create('acme-local', { apiKey: 'k', apiBase: `http://localhost:${port}/v1`, idleTimeoutMs: 0, sandbox: { os: mode } });
    try {
      const before = world.declared.requests.length;
      const res = await llm.completion({ model: 'acme-1', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0].message.content).toBe('ok');
      expect(world.declared.requests.slice(before)).toHaveLength(1);
      // localhost is resolved by the system, not by the plugin author's DNS.
      expect(lookups).not.toContain('localhost');
    } finally {
      await llm.close();
    }
  });
});
