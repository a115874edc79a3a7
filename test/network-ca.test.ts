// Trusted CAs in every tier: an HTTPS server whose certificate a test CA signed is refused by
// default, and reached with the `ca` option or with NODE_EXTRA_CA_CERTS on the host.
// And the sandbox serves its caller's own apiBase origin, but still no undeclared one.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, registerPlugin, type Isolation } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { createTestCa, type TestCa } from './support/test-ca.js';
import { attack } from './support/hostile.js';

const run = promisify(execFile);
const hostScript = fileURLToPath(new URL('./scripts/network-host.mjs', import.meta.url));
const messages = [{ role: 'user' as const, content: 'hi' }];
const TIERS: Isolation[] = ['worker', 'process', 'sandbox'];
const providerFor = (tier: Isolation) => (tier === 'sandbox' ? 'acme' : 'openai');

let ca: TestCa;
let secure: LocalServer;
let chosen: LocalServer;
let undeclared: LocalServer;
let plugin: PluginCopy;

beforeAll(async () => {
  ca = createTestCa();
  [secure, chosen, undeclared] = await Promise.all([LocalServer.start({ key: ca.key, cert: ca.cert }), LocalServer.start(), LocalServer.start()]);
  for (const [local, name] of [[secure, 'secure'], [chosen, 'chosen'], [undeclared, 'undeclared']] as const) {
    onChat(local, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completionBody(`from ${name}`)));
    });
  }
  // Declares the HTTPS server only: `chosen` is reachable only as the caller's apiBase.
  plugin = copyPlugin(resolve('examples/community-plugin'), [secure.origin]);
  await registerPlugin(plugin.dir);
});

afterAll(async () => {
  await Promise.all([secure.close(), chosen.close(), undeclared.close()]);
  plugin.remove();
  ca.remove();
});

async function complete(tier: Isolation, options: Record<string, unknown>): Promise<string | null> {
  const llm = await AnyLLM.create(providerFor(tier), { apiKey: 'test-key', isolation: tier, retry: false, ...options });
  try {
    return (await llm.completion({ model: 'm', messages })).choices[0].message.content;
  } finally {
    await llm.close();
  }
}

describe.each(TIERS)('a %s plugin and a server signed by a test CA', (tier) => {
  it('is refused without the CA', async () => {
    await expect(complete(tier, { apiBase: `${secure.origin}/v1` })).rejects.toThrow(/certificate/);
  });

  it('is reached with the ca option', async () => {
    expect(await complete(tier, { apiBase: `${secure.origin}/v1`, ca: [ca.caPem] })).toBe('from secure');
  });

  it('is reached with NODE_EXTRA_CA_CERTS on the host', async () => {
    const host = (env: Record<string, string>) =>
      run(process.execPath, [hostScript, JSON.stringify({ plugin: plugin.dir, calls: [{ provider: providerFor(tier), options: { apiBase: `${secure.origin}/v1`, isolation: tier } }] })], {
        env: { ...process.env, ...env },
        timeout: 60_000,
      }).then(({ stdout }) => JSON.parse(stdout) as { content?: string; error?: string }[]);
    expect(await host({ NODE_EXTRA_CA_CERTS: ca.caFile })).toEqual([{ isolation: tier, content: 'from secure' }]);
  });
});

describe('the ca option', () => {
  it('is checked, naming the field', async () => {
    await expect(AnyLLM.create('openai', { apiKey: 'k', ca: 'not a certificate' })).rejects.toThrow(InvalidRequestError);
    await expect(AnyLLM.create('openai', { apiKey: 'k', ca: [ca.caPem, 42 as unknown as string] })).rejects.toThrow(/Option 'ca' must hold PEM certificates .*\(entry 1\)/);
    const broken = ca.caPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    await expect(AnyLLM.create('openai', { apiKey: 'k', ca: broken })).rejects.toThrow(/Option 'ca' has a certificate that does not parse/);
  });
});

describe("a sandboxed plugin and its caller's apiBase", () => {
  it('reaches the origin its caller chose, though its manifest does not declare it', async () => {
    expect(await complete('sandbox', { apiBase: `${chosen.origin}/v1` })).toBe('from chosen');
  });

  it('still may not reach an origin nobody declared or chose', async () => {
    // The hostile plugin fetches whatever URL it is told to; its manifest declares an unused port only.
    const hostile = copyPlugin(resolve('test/fixtures/plugins/hostile'), ['http://127.0.0.1:9']);
    try {
      await registerPlugin(hostile.dir);
      const llm = await AnyLLM.create('hostile', { apiKey: 'test-key', apiBase: `${chosen.origin}/v1`, idleTimeoutMs: 0 });
      try {
        const served = undeclared.requests.length;
        expect(await attack(llm, 'fetch', { url: `${chosen.origin}/v1/models` })).toMatchObject({ allowed: true, value: '404' });
        expect(await attack(llm, 'fetch', { url: `${undeclared.origin}/` })).toMatchObject({ allowed: false });
        expect(undeclared.requests.length).toBe(served);
      } finally {
        await llm.close();
      }
    } finally {
      hostile.remove();
    }
  });
});
