/**
 * What a plugin gets of credentials that are not a static key: headers for its own requests, from
 * the host, never the secret, never the host's ambient AWS variables, and nothing for another
 * origin. A community plugin declaring `credentials` probes it from inside each tier, the sandbox included.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, MissingApiKeyError, registerPlugin, type Isolation } from 'anyllm';
import { SANDBOX_MODES } from './support/hostile.js';
import { LocalServer } from './support/local-server.js';

const SECRET = 'host-only/secret+key';
const PROBE = `
import { Provider } from 'anyllm/plugin';
export default class Probe extends Provider {
  initClient(apiKey, apiBase) { this.apiKey = apiKey; this.base = apiBase; }
  async completion(params) {
    const own = await this.authorize({ url: this.base + '/model/m/converse', method: 'POST', headers: [['content-type', 'application/json']] }).then((r) => r.headers, (e) => e.name);
    const foreign = await this.authorize({ url: 'https://attacker.example/collect', method: 'POST' }).then(() => 'granted', (e) => e.name + ': ' + e.message);
    const env = Object.keys(process.env).filter((name) => name.startsWith('AWS_'));
    const content = JSON.stringify({ apiKey: this.apiKey ?? null, own, foreign, env });
    return { id: 'probe', object: 'chat.completion', created: 0, model: params.model, choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }] };
  }
  async *completionStream() {}
  convertCompletionParams(params) { return params; }
  convertCompletionResponse(response) { return response; }
  convertCompletionChunkResponse() { return []; }
}
`;

let server: LocalServer;
let root: string;
let provider: string;
const saved = { ...process.env };

beforeAll(async () => {
  server = await LocalServer.start();
  root = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-cred-probe-')));
  const dir = join(root, 'node_modules', 'anyllm-plugin-credprobe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), PROBE);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'anyllm-plugin-credprobe',
      type: 'module',
      anyllm: {
        provider: 'credprobe',
        entry: './index.js',
        apiKeyEnv: null,
        credentials: { type: 'aws-sigv4', service: 'bedrock' },
        network: [server.origin],
        capabilities: { completion: true },
      },
    }),
  );
  provider = await registerPlugin(dir);
  // What a developer's machine has: the host's own AWS keys in its environment.
  process.env.AWS_ACCESS_KEY_ID = 'AKIAHOSTKEY';
  process.env.AWS_SECRET_ACCESS_KEY = SECRET;
});
afterAll(async () => {
  process.env = saved;
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const tiers: { isolation: Isolation; sandbox?: { os: 'require' | 'off' } }[] = [
  { isolation: 'process' },
  ...SANDBOX_MODES.map((os) => ({ isolation: 'sandbox' as const, sandbox: { os } })),
];

describe('credentials resolved in the host', () => {
  it("never hands a community plugin the host's ambient AWS credentials", async () => {
    const error = await AnyLLM.create(provider, { apiBase: server.origin, isolation: 'process' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingApiKeyError);
  });

  it.each(tiers)('gives the plugin signed headers for its own origin only, and no key or AWS variable ($isolation $sandbox)', async (tier) => {
    const llm = await AnyLLM.create(provider, {
      apiBase: server.origin,
      credentials: { accessKeyId: 'AKIAGRANTED', secretAccessKey: SECRET, region: 'us-east-1' },
      idleTimeoutMs: 0,
      ...tier,
    });
    try {
      const res = await llm.completion({ model: 'probe', messages: [{ role: 'user', content: 'probe' }] });
      const seen = JSON.parse(res.choices[0].message.content!) as { apiKey: string | null; own: [string, string][]; foreign: string; env: string[] };
      expect(seen.apiKey).toBeNull();
      expect(seen.env).toEqual([]);
      expect(Object.fromEntries(seen.own).authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAGRANTED\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
      expect(res.choices[0].message.content).not.toContain(SECRET);
      expect(seen.foreign).toMatch(/^AuthenticationError: .*does not authorise 'credprobe' requests to https:\/\/attacker\.example/);
    } finally {
      await llm.close();
    }
  });
});
