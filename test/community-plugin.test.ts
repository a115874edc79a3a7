import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnyLLM, AnyLLMError, InvalidRequestError, RateLimitError, registerPlugin, UnsupportedParameterError } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError, streamChunks, syntheticStream } from './support/openai-wire.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const example = resolve('examples/community-plugin');
const messages = [{ role: 'user' as const, content: 'hi' }];

let server: LocalServer;
let elsewhere: LocalServer;
let plugin: PluginCopy;

beforeAll(async () => {
  server = await LocalServer.start();
  elsewhere = await LocalServer.start();
  onChat(server, (req, res) => {
    const body = req.body as { stream?: boolean; model: string };
    if (body.model === 'limited') return sendOpenAIError(res, 429, 'slow down', { type: 'rate_limit', headers: { 'retry-after': '7' } });
    if (body.model === 'slow') return streamChunks(res, syntheticStream(200), { delayMs: 20 });
    if (body.stream) return streamChunks(res, syntheticStream(3000));
    sendJson(res, 200, completionBody(`acme says hi to ${body.model}`));
  });
  server.on('GET', '/v1/models', (_req, res) => sendJson(res, 200, { object: 'list', data: [{ id: 'acme-1', object: 'model', created: 1, owned_by: 'acme' }] }));
  // A declared origin that redirects to an undeclared one.
  server.on('POST', '/redirect/chat/completions', (_req, res) => {
    res.writeHead(307, { location: `${elsewhere.origin}/v1/chat/completions` });
    res.end();
  });
  onChat(elsewhere, (_req, res) => sendJson(res, 200, completionBody('you reached an undeclared origin')));
  // Installed as a package outside this repository, declaring the local server as its one origin.
  plugin = copyPlugin(example, [server.origin]);
});

afterAll(async () => {
  await server.close();
  await elsewhere.close();
  plugin.remove();
});

describe('a community manifest', () => {
  it("may not claim a built-in's folder with builtOn (the sandbox grants those to built-ins only)", async () => {
    const copy = copyPlugin(example, [server.origin], (manifest) => {
      manifest.builtOn = ['anthropic'];
    });
    try {
      const error = await registerPlugin(copy.dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ code: 'invalid_manifest' });
      expect((error as Error).message).toMatch(/'builtOn' is for built-in providers/);
    } finally {
      copy.remove();
    }
  });
});

describe.each(SANDBOX_MODES)('the example community plugin, sandboxed (OS boundary: %s)', (mode) => {
  it('registers by folder and by installed package name, and runs sandboxed by default', async () => {
    expect(await registerPlugin(plugin.dir)).toBe('acme');
    const cwd = process.cwd();
    process.chdir(join(plugin.dir, '..', '..'));
    try {
      expect(await registerPlugin('anyllm-plugin-acme')).toBe('acme');
    } finally {
      process.chdir(cwd);
    }
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/v1` });
    expect(llm.isolation).toBe('sandbox');
    await llm.close();
  });

  it('gets its own key from ACME_API_KEY by default (its prefix is nobody else\'s)', async () => {
    await registerPlugin(plugin.dir);
    process.env.ACME_API_KEY = 'acme-key-from-env';
    try {
      const llm = await AnyLLM.create('acme', { apiBase: `${server.origin}/v1` });
      try {
        const before = server.requests.length;
        await llm.completion({ model: 'acme-1', messages });
        expect(server.requests[before].headers.authorization).toBe('Bearer acme-key-from-env');
      } finally {
        await llm.close();
      }
    } finally {
      delete process.env.ACME_API_KEY;
    }
  });

  it('completes through the host fetch proxy, sending its key to the declared origin', async () => {
    await registerPlugin(plugin.dir);
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/v1` });
    try {
      const before = server.requests.length;
      const res = await llm.completion({ model: 'acme-1', messages });
      expect(res.choices[0].message.content).toBe('acme says hi to acme-1');
      const sent = server.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0].headers.authorization).toBe('Bearer acme-key');
      expect(sent[0].body).toMatchObject({ model: 'acme-1', messages, stream: false });
      expect((await llm.listModels()).map((model) => model.id)).toEqual(['acme-1']);
    } finally {
      await llm.close();
    }
  });

  it('streams a 3,000-chunk response (past the credit window) through the proxy intact and in order', async () => {
    await registerPlugin(plugin.dir);
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/v1` });
    try {
      let text = '';
      let usage: unknown;
      for await (const chunk of llm.completionStream({ model: 'acme-1', messages })) {
        text += chunk.choices[0]?.delta.content ?? '';
        usage ??= chunk.usage ?? undefined;
      }
      const expected = syntheticStream(3000)
        .map((chunk) => (chunk as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
        .join('');
      expect(text).toBe(expected);
      expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 3000, total_tokens: 3005 });
    } finally {
      await llm.close();
    }
  });

  it('closes the upstream request when the caller leaves a stream early', async () => {
    await registerPlugin(plugin.dir);
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/v1` });
    try {
      const aborted = server.nextAbort();
      let seen = 0;
      for await (const _chunk of llm.completionStream({ model: 'slow', messages })) {
        if (++seen === 3) break;
      }
      await aborted;
    } finally {
      await llm.close();
    }
  });

  it('keeps error classes across the sandbox: a 429 is a RateLimitError with its Retry-After', async () => {
    await registerPlugin(plugin.dir);
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/v1` });
    try {
      const error = await llm.completion({ model: 'limited', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ provider: 'acme', status: 429, retryAfterMs: 7000 });
      await expect(llm.completion({ model: 'acme-1', messages, seed: 1 })).rejects.toBeInstanceOf(UnsupportedParameterError);
    } finally {
      await llm.close();
    }
  });

  it('cannot reach an origin its manifest does not declare and its caller did not choose', async () => {
    await registerPlugin(plugin.dir);
    // No apiBase: the plugin's own default (https://api.acme.example) is not in this copy's network list.
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key' });
    try {
      const error = await llm.completion({ model: 'acme-1', messages }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnyLLMError);
      expect((error as Error).message).toMatch(/not in the network list/);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await llm.close();
    }
  });

  it('does not follow a redirect from a declared origin to an undeclared one', async () => {
    await registerPlugin(plugin.dir);
    const llm = await AnyLLM.create('acme', { sandbox: { os: mode }, apiKey: 'acme-key', apiBase: `${server.origin}/redirect` });
    try {
      const error = await llm.completion({ model: 'acme-1', messages }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/redirect.*not in the network list/);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await llm.close();
    }
  });
});

describe('community plugin manifests', () => {
  const valid = {
    provider: 'widget',
    entry: './index.js',
    env: ['WIDGET_API_KEY'],
    network: ['https://api.widget.example'],
    capabilities: { completion: true, streaming: true },
  };
  let root: string;
  let count = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'anyllm-manifests-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Writes a plugin folder whose package.json has `anyllm` = `manifest` (or raw text). */
  const pluginWith = (manifest: unknown, raw?: string): string => {
    const dir = join(root, `p${count++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.js'), 'export default class {}\n');
    writeFileSync(join(dir, 'package.json'), raw ?? JSON.stringify({ name: 'x', type: 'module', anyllm: manifest }));
    return dir;
  };

  it('accepts a valid manifest and returns its provider name', async () => {
    expect(await registerPlugin(pluginWith(valid))).toBe('widget');
  });

  const bad: [string, unknown, RegExp][] = [
    ['no anyllm field', undefined, /'anyllm' must be an object/],
    ['anyllm is an array', [], /'anyllm' must be an object/],
    ['no provider', { ...valid, provider: undefined }, /'provider' must be a lowercase name/],
    ['an upper-case provider', { ...valid, provider: 'Widget' }, /'provider' must be a lowercase name/],
    ['a provider with a colon', { ...valid, provider: 'wid:get' }, /'provider' must be a lowercase name/],
    ['no entry', { ...valid, entry: undefined }, /'entry' must be a relative path/],
    ['an absolute entry', { ...valid, entry: '/etc/passwd' }, /'entry' must be a path inside the plugin folder/],
    ['an entry outside the folder', { ...valid, entry: '../other/index.js' }, /'entry' must be a path inside the plugin folder/],
    ['an entry URL', { ...valid, entry: 'https://evil.example/x.js' }, /'entry' must be a path inside the plugin folder/],
    ['an entry that does not exist', { ...valid, entry: './missing.js' }, /'entry' \.\/missing\.js does not exist/],
    ['env that is not an array', { ...valid, env: 'WIDGET_API_KEY' }, /'env' must be an array of environment variable names/],
    ['env with a bad name', { ...valid, env: ['WIDGET API KEY'] }, /'env' must be an array of environment variable names/],
    ['apiKeyEnv not in env', { ...valid, apiKeyEnv: 'WIDGET_TOKEN' }, /'apiKeyEnv' must be null or one of the names in env/],
    ['baseUrlEnv not in env', { ...valid, baseUrlEnv: 'WIDGET_BASE_URL' }, /'baseUrlEnv' must be one of the names in env/],
    ['a defaultBaseUrl that is not http(s)', { ...valid, defaultBaseUrl: 'ftp://widget.example' }, /'defaultBaseUrl' must be an http\(s\) URL/],
    ['network that is not an array', { ...valid, network: 'https://api.widget.example' }, /'network' must be an array of origins/],
    ['network with a non-URL', { ...valid, network: ['api.widget.example'] }, /'network' has 'api.widget.example', which is not an http\(s\) origin/],
    ['network with a path', { ...valid, network: ['https://api.widget.example/v1'] }, /'network' has 'https:\/\/api.widget.example\/v1': give an origin only/],
    ['network with credentials', { ...valid, network: ['https://user@api.widget.example'] }, /give an origin only/],
    ['capabilities that are not an object', { ...valid, capabilities: ['completion'] }, /'capabilities' must be an object of booleans/],
    ['an unknown capability', { ...valid, capabilities: { telepathy: true } }, /'capabilities.telepathy' is not a capability/],
    ['a capability that is not boolean', { ...valid, capabilities: { streaming: 'yes' } }, /'capabilities.streaming' must be true or false/],
    ['an unknown isolation', { ...valid, isolation: 'vm' }, /'isolation' must be one of worker, process, sandbox/],
    ['a plugin choosing to leave the sandbox', { ...valid, isolation: 'worker' }, /'isolation' cannot be 'worker' for a community plugin/],
    ['an sdk that is not a string', { ...valid, sdk: 42 }, /'sdk' must be an npm package name/],
    ['an sdk that climbs out of node_modules', { ...valid, sdk: '../../../../proc/self/cwd' }, /'sdk' must be an npm package name/],
    ['an sdk that is an absolute path', { ...valid, sdk: '/etc' }, /'sdk' must be an npm package name/],
    ['a scoped sdk with ..', { ...valid, sdk: '@scope/..' }, /'sdk' must be an npm package name/],
    ['an sdk with a full-width look-alike letter', { ...valid, sdk: '\uff4fpenai' }, /'sdk' must be an npm package name/],
  ];
  it.each(bad)('refuses %s, naming the field', async (_what, manifest, message) => {
    const error = await registerPlugin(pluginWith(manifest)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('package.json');
  });

  const badDependencies: [string, Record<string, unknown>, RegExp][] = [
    ['a dependency named ../..', { dependencies: { '../..': '*' } }, /'dependencies' has "\.\.\/\.\.", which is not an npm package name/],
    ['a scoped dependency climbing out', { dependencies: { '@x/../../etc': '*' } }, /'dependencies' has "@x\/\.\.\/\.\.\/etc"/],
    ['an optional dependency that is an absolute path', { optionalDependencies: { '/proc/self/cwd': '*' } }, /'optionalDependencies' has "\/proc\/self\/cwd"/],
    ['a dependency with a backslash', { dependencies: { '..\\..': '*' } }, /not an npm package name/],
    ['dependencies that are not an object', { dependencies: ['openai'] }, /'dependencies' must be an object of package names/],
  ];
  it.each(badDependencies)('refuses %s in package.json before any path is built', async (_what, fields, message) => {
    const dir = pluginWith(valid);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, ...fields }));
    const error = await registerPlugin(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
  });

  it('takes the env list as a request: another provider\'s key is not refused, not granted, and said so', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(await registerPlugin(pluginWith({ ...valid, provider: 'sprocket', env: ['SPROCKET_API_KEY', 'OPENAI_API_KEY'] }))).toBe('sprocket');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/OPENAI_API_KEY is not granted to the community plugin 'sprocket'.*allowEnv: \['OPENAI_API_KEY'\]/);
      expect(warn.mock.calls[0][1]).toMatchObject({ code: 'ANYLLM_ENV_WITHHELD' });
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a bad allowEnv option, and variables that configure the plugin\'s Node', async () => {
    const dir = pluginWith({ ...valid, provider: 'gizmo', env: [] });
    for (const [allowEnv, message] of [
      ['GIZMO_REGION', /must be an array/],
      [['GIZMO REGION'], /"GIZMO REGION", which is not an environment variable name/],
      [[42], /42, which is not an environment variable name/],
      [['NODE_OPTIONS'], /'NODE_OPTIONS', which configures the plugin's Node runtime/],
      [['LD_PRELOAD'], /'LD_PRELOAD', which configures/],
    ] as const) {
      const error = await registerPlugin(dir, { allowEnv } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await registerPlugin(dir, { allowEnv: ['GIZMO_REGION'] })).toBe('gizmo');
  });

  it('refuses a package.json that is not JSON', async () => {
    await expect(registerPlugin(pluginWith(undefined, '{ "anyllm": '))).rejects.toThrow(/Cannot read plugin manifest .*package.json/);
  });

  it('refuses a folder without package.json, and a name that is neither a folder nor an installed package', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(registerPlugin(empty)).rejects.toThrow(/Cannot read plugin manifest/);
    await expect(registerPlugin('anyllm-plugin-that-is-not-installed')).rejects.toThrow(/no such folder, and no installed package/);
    await expect(registerPlugin('')).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('refuses a plugin that claims a built-in provider name or a name registered from elsewhere', async () => {
    await expect(registerPlugin(pluginWith({ ...valid, provider: 'openai', env: [] }))).rejects.toThrow(/'openai', which is a built-in provider/);
    await registerPlugin(pluginWith({ ...valid, provider: 'gadget', env: [] }));
    await expect(registerPlugin(pluginWith({ ...valid, provider: 'gadget', env: [] }))).rejects.toThrow(/'gadget' is already registered from/);
  });
});
