/**
 * Issue 8, classes 3 and 6: read grants computed from attacker data, and environment by prefix.
 * Each attack is a crafted plugin folder (a copy of the hostile plugin in tmp) taken through the
 * public API: `registerPlugin`, `AnyLLM.create`, a call. Paths planted in the folder (symlinks out,
 * hard links, FIFOs, names like '../..') must make registration or launch fail at once with an
 * `InvalidRequestError` naming the path, before the plugin runs; variables must reach a community
 * plugin only by grant. A benign plugin streams beside every attack and must finish intact.
 */
import { execFile, execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnyLLM, InvalidRequestError, MissingApiKeyError, registerPlugin, type RegisterPluginOptions } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const world = new HostileWorld();
const copies: PluginCopy[] = [];
const sockets: Server[] = [];
let secretFile: string;
let count = 0;

/** Credentials of other tools in the host's environment, which the prefix rule used to hand out. */
const FOREIGN_SECRETS = {
  AZURE_OPENAI_API_KEY: 'azure-secret',
  // GitLab's, not GitHub's: 'github' is a built-in provider now, so no community plugin may take the name.
  GITLAB_TOKEN: 'glpat-secret',
  GITLAB_API_KEY: 'gitlab-api-secret',
  NODE_AUTH_TOKEN: 'npm-publish-secret',
  NODE_API_KEY: 'node-api-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_API_KEY: 'aws-api-secret',
  GOOGLE_API_KEY: 'google-secret',
  OPENAI_PROJECT_ID: 'openai-project-secret',
  ACME_REGION: 'eu-west',
} as const;

beforeAll(async () => {
  await world.setUp();
  secretFile = join(world.secrets, 'secret.txt');
  writeFileSync(secretFile, 'secret-outside-the-plugin');
  Object.assign(process.env, FOREIGN_SECRETS);
});

afterEach(() => world.closeClients());

afterAll(async () => {
  for (const name of Object.keys(FOREIGN_SECRETS)) delete process.env[name];
  for (const socket of sockets) socket.close();
  for (const copy of copies) copy.remove();
  await world.tearDown();
});

interface Crafted extends PluginCopy {
  provider: string;
  /** The `node_modules` folder the plugin is installed in (where npm hoists its dependencies). */
  modules: string;
}

/**
 * A copy of the hostile plugin as provider `provider` (unique unless given), whose entry records
 * what `initClient` received, with `manifest` merged into its manifest and `pkg` into package.json.
 */
function craft(provider = `grants-${count++}`, manifest: Record<string, unknown> = {}, pkg: Record<string, unknown> = {}): Crafted {
  const fields = { provider, env: [], entry: './recording.js', network: [world.declared.origin], ...manifest };
  // A provider name is registered from one folder only: a name crafted again reuses its folder.
  const earlier = crafted.get(provider);
  if (earlier) {
    const file = join(earlier.dir, 'package.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...json, ...pkg, anyllm: fields }, null, 2));
    return earlier;
  }
  const copy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [world.declared.origin], (m) => Object.assign(m, fields));
  copies.push(copy);
  writeFileSync(
    join(copy.dir, 'recording.js'),
    "import Hostile from './index.js';\n" +
      'export default class extends Hostile {\n' +
      '  initClient(apiKey, apiBase) { globalThis.anyllmGrantsInit = { apiKey: apiKey ?? null, apiBase: apiBase ?? null }; }\n' +
      '}\n',
  );
  const file = join(copy.dir, 'package.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...pkg }, null, 2));
  const plugin = { ...copy, provider, modules: join(copy.dir, '..') };
  crafted.set(provider, plugin);
  return plugin;
}

const crafted = new Map<string, Crafted>();
const registered = new Set<string>();

/** Registers `plugin` the first time only: later launches must find what changed since. */
async function registerOnce(plugin: Crafted): Promise<void> {
  if (registered.has(plugin.dir)) return;
  await registerPlugin(plugin.dir);
  registered.add(plugin.dir);
}

/** Installs package `name` (a package.json naming it, an index.js) into `modules`. */
function installPackage(modules: string, name: string, json: Record<string, unknown> = {}): string {
  const dir = join(modules, ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', main: 'index.js', ...json }));
  writeFileSync(join(dir, 'index.js'), 'export default 1;\n');
  return dir;
}

/** What a rejected promise rejected with (an unexpected success is a failure of the test). */
async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome, 'the attack was not refused').toMatchObject({ ok: false });
  return (outcome as { error: Error }).error;
}

describe.each(SANDBOX_MODES)('grants from checked data only (OS boundary: %s)', (mode) => {
  const streamsBeside = <T>(attempt: () => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, () => attempt());

  /** Registers `plugin`, creates a sandboxed client and makes one call: the attack. */
  const launch = async (plugin: Crafted, model = 'read-file', args: object = { path: secretFile }) => {
    await registerOnce(plugin);
    const llm = await world.client(plugin.provider, mode, { apiKey: 'own-key' });
    return attack(llm, model, args);
  };

  /** The launch fails with an InvalidRequestError naming `path`, and nothing of the secret leaks. */
  const expectRefusedAtLaunch = async (plugin: Crafted, path: string, problem: RegExp, args: object = { path: secretFile }) => {
    const error = await streamsBeside(() => refusal(launch(plugin, 'read-file', args)));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('secret-outside-the-plugin');
  };

  it("refuses an 'sdk' that climbs to /proc/self/cwd (the host's working folder, with its .env)", async () => {
    const plugin = craft(undefined, { sdk: '../../../../../../../../proc/self/cwd' });
    const error = await streamsBeside(() => refusal(registerPlugin(plugin.dir)));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toMatch(/'sdk' must be an npm package name/);
  });

  it("refuses a dependency named '../..' (the app root), at registration and when added before launch", async () => {
    const early = craft(undefined, {}, { dependencies: { '../..': '*' } });
    const error = await streamsBeside(() => refusal(registerPlugin(early.dir)));
    expect(error.message).toMatch(/'dependencies' has "\.\.\/\.\.", which is not an npm package name/);

    // Registered clean, then edited: launch reads package.json again.
    const late = craft();
    await registerOnce(late);
    const file = join(late.dir, 'package.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), optionalDependencies: { '@x/../../..': '*' } }));
    const atLaunch = await streamsBeside(() => refusal(launch(late, 'read-file', { path: resolve('package.json') })));
    expect(atLaunch).toBeInstanceOf(InvalidRequestError);
    expect(atLaunch.message).toContain(file);
    expect(atLaunch.message).toMatch(/not an npm package name/);
  });

  it('refuses a transitive dependency whose own package.json names a path, or a Unicode look-alike', async () => {
    for (const bad of ['../../..', '\uff4fpenai']) {
      const plugin = craft(undefined, {}, { dependencies: { helper: '1.0.0' } });
      const helper = installPackage(plugin.modules, 'helper', { dependencies: { [bad]: '*' } });
      await expectRefusedAtLaunch(plugin, join(helper, 'package.json'), /not an npm package name/);
    }
  });

  it('refuses an absolute symlink to a file outside the plugin', async () => {
    const plugin = craft();
    symlinkSync(secretFile, join(plugin.dir, 'leak'));
    await expectRefusedAtLaunch(plugin, join(plugin.dir, 'leak'), /is a symlink to .*outside the folders the plugin may read/, {
      path: join(plugin.dir, 'leak'),
    });
  });

  it('refuses a relative symlink out, nested in a subfolder', async () => {
    const plugin = craft();
    mkdirSync(join(plugin.dir, 'lib', 'deep'), { recursive: true });
    const link = join(plugin.dir, 'lib', 'deep', 'leak');
    symlinkSync(relative(join(plugin.dir, 'lib', 'deep'), world.secrets), link);
    await expectRefusedAtLaunch(plugin, link, /is a symlink to .*outside/, { path: join(link, 'secret.txt') });
  });

  it("refuses a symlink to /proc/<host pid>/environ (the host's whole environment)", async () => {
    const plugin = craft();
    symlinkSync(`/proc/${process.pid}/environ`, join(plugin.dir, 'environ'));
    const error = await streamsBeside(() => refusal(launch(plugin, 'read-file', { path: join(plugin.dir, 'environ') })));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toMatch(/environ is a symlink to \/proc\/\d+\/environ, outside/);
    expect(error.message).not.toContain('sk-openai-secret');
  });

  it('refuses a hard link to a file outside the plugin', async () => {
    const plugin = craft();
    linkSync(secretFile, join(plugin.dir, 'hard'));
    await expectRefusedAtLaunch(plugin, join(plugin.dir, 'hard'), /has [2-9] hard links/, { path: join(plugin.dir, 'hard') });
  });

  it('refuses a node_modules/.bin link out of the plugin, and accepts one to a package inside it', async () => {
    const inside = craft();
    installPackage(join(inside.dir, 'node_modules'), 'tool');
    mkdirSync(join(inside.dir, 'node_modules', '.bin'));
    symlinkSync('../tool/index.js', join(inside.dir, 'node_modules', '.bin', 'tool'));
    expect(await streamsBeside(() => launch(inside, 'read-file', { path: join(inside.dir, 'node_modules', '.bin', 'tool') }))).toMatchObject({
      allowed: true,
    });

    const outside = craft();
    mkdirSync(join(outside.dir, 'node_modules', '.bin'), { recursive: true });
    const link = join(outside.dir, 'node_modules', '.bin', 'tool');
    symlinkSync(secretFile, link);
    await expectRefusedAtLaunch(outside, link, /is a symlink to .*outside/, { path: link });
  });

  it('refuses a symlink that leads nowhere (it could lead anywhere later) and one in a loop', async () => {
    const dangling = craft();
    symlinkSync(join(world.secrets, 'not-yet'), join(dangling.dir, 'later'));
    await expectRefusedAtLaunch(dangling, join(dangling.dir, 'later'), /symlink that leads nowhere/);
    const loop = craft();
    symlinkSync('b', join(loop.dir, 'a'));
    symlinkSync('a', join(loop.dir, 'b'));
    await expectRefusedAtLaunch(loop, join(loop.dir, 'a'), /symlink that leads nowhere \(or in a loop\)/);
  });

  it('refuses a FIFO and a socket inside the plugin folder', async () => {
    const fifo = craft();
    execFileSync('mkfifo', [join(fifo.dir, 'pipe')]);
    await expectRefusedAtLaunch(fifo, join(fifo.dir, 'pipe'), /is a named pipe \(FIFO\), not a regular file or folder/);
    const socket = craft();
    const server = createServer().listen(join(socket.dir, 'sock'));
    sockets.push(server);
    await new Promise((done) => server.once('listening', done));
    await expectRefusedAtLaunch(socket, join(socket.dir, 'sock'), /is a socket/);
  });

  it('refuses a FIFO as a dependency\'s package.json at once: the host\'s main thread keeps ticking', async () => {
    const plugin = craft(`fifo-dep-${mode}`, {}, { dependencies: { 'pipe-dep': '1.0.0' } });
    mkdirSync(join(plugin.modules, 'pipe-dep'));
    const pipe = join(plugin.modules, 'pipe-dep', 'package.json');
    execFileSync('mkfifo', [pipe]);
    // In a host of its own: a host blocked on the FIFO would block this test's thread forever.
    const outcome = await streamsBeside(() =>
      inFreshHost(`
        await registerPlugin(${JSON.stringify(plugin.dir)});
        const llm = await AnyLLM.create(${JSON.stringify(plugin.provider)}, { apiKey: 'k', idleTimeoutMs: 0, sandbox: { os: ${JSON.stringify(mode)} } });
        try { await llm.completion({ model: 'probe', messages: [{ role: 'user', content: '{}' }] }); } finally { await llm.close(); }
      `),
    );
    expect(outcome.error).toMatchObject({ name: 'InvalidRequestError', code: 'unsafe_plugin_file' });
    expect(outcome.error?.message).toContain(`${pipe}: it is a named pipe (FIFO), not a regular file`);
    expect(outcome.ticked).toBe(true);
  });

  it("refuses a FIFO as the plugin's own package.json at registration, at once", async () => {
    const plugin = craft();
    const file = join(plugin.dir, 'package.json');
    rmSync(file);
    execFileSync('mkfifo', [file]);
    const outcome = await streamsBeside(() => inFreshHost(`await registerPlugin(${JSON.stringify(plugin.dir)});`));
    expect(outcome.error).toMatchObject({ name: 'InvalidRequestError', code: 'unsafe_plugin_file' });
    expect(outcome.error?.message).toContain(`${file}: it is a named pipe (FIFO)`);
    expect(outcome.ticked).toBe(true);
  });

  it('refuses a dependency that resolves outside any node_modules (a workspace or npm-link folder)', async () => {
    const plugin = craft(undefined, {}, { dependencies: { linked: '1.0.0' } });
    const elsewhere = installPackage(join(world.secrets, 'workspace'), 'linked');
    symlinkSync(elsewhere, join(plugin.modules, 'linked'));
    await expectRefusedAtLaunch(plugin, join(plugin.modules, 'linked'), /resolves to .*workspace.*, not a node_modules\/linked folder/);
  });

  it("refuses a dependency whose package.json names another package, and a case trick ('Helper' → helper)", async () => {
    const impostor = craft(undefined, {}, { dependencies: { helper: '1.0.0' } });
    installPackage(impostor.modules, 'helper', { name: 'something-else' });
    await expectRefusedAtLaunch(impostor, join(impostor.modules, 'helper'), /whose package.json names "something-else"/);

    const cased = craft(undefined, {}, { dependencies: { Helper: '1.0.0' } });
    installPackage(cased.modules, 'helper');
    symlinkSync('helper', join(cased.modules, 'Helper'));
    await expectRefusedAtLaunch(cased, join(cased.modules, 'Helper'), /resolves to .*node_modules\/helper, not a node_modules\/Helper folder/);
  });

  it('checks at each launch: a dependency folder replaced by a symlink after registration is refused', async () => {
    const plugin = craft(undefined, {}, { dependencies: { helper: '1.0.0' } });
    const helper = installPackage(plugin.modules, 'helper');
    expect(await streamsBeside(() => launch(plugin, 'read-file', { path: join(helper, 'index.js') }))).toMatchObject({ allowed: true });
    await world.closeClients();

    // Swapped for a folder that passes every name check but holds a link to the secret.
    const swapped = installPackage(join(world.secrets, `swap-${mode}`, 'node_modules'), 'helper');
    symlinkSync(secretFile, join(swapped, 'leak'));
    renameSync(helper, `${helper}.old`);
    symlinkSync(swapped, helper);
    await expectRefusedAtLaunch(plugin, join(swapped, 'leak'), /is a symlink to .*outside/, { path: join(helper, 'leak') });
  });

  it('bounds what it reads: a package.json over 1 MiB, a folder nested past 40 levels, too many files', async () => {
    const big = craft();
    const file = join(big.dir, 'package.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...json, description: 'x'.repeat(1024 * 1024) }));
    const tooBig = await streamsBeside(() => refusal(registerPlugin(big.dir)));
    expect(tooBig).toBeInstanceOf(InvalidRequestError);
    expect(tooBig.message).toMatch(/package\.json: it is \d+ bytes, more than the 1048576 allowed/);

    const deep = craft();
    const nested = join(deep.dir, ...Array.from({ length: 42 }, (_, i) => `d${i}`));
    mkdirSync(nested, { recursive: true });
    await expectRefusedAtLaunch(deep, deep.dir, /is nested more than 40 folders deep/);

    const { sandboxReadPaths, GRANT_LIMITS } = await import('anyllm/internal/host/launchers/read-paths.js');
    const many = craft();
    expect(() => sandboxReadPaths(many.dir, undefined, { ...GRANT_LIMITS, maxEntries: 5 })).toThrow(/hold more than 5 files/);
  });

  it('checks at each launch: a plugin folder replaced by a symlink after registration is refused', async () => {
    const plugin = craft();
    await registerOnce(plugin);
    const moved = `${plugin.dir}.moved`;
    renameSync(plugin.dir, moved);
    symlinkSync(moved, plugin.dir);
    await expectRefusedAtLaunch(plugin, moved, /the folder now resolves to/);
  });
});

describe.each(SANDBOX_MODES)('environment by grant (OS boundary: %s)', (mode) => {
  const streamsBeside = <T>(attempt: () => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, () => attempt());
  interface Seen {
    init: { apiKey: string | null; apiBase: string | null };
    env: Record<string, string>;
  }
  const seen = async (provider: string, options: Record<string, unknown> = { apiKey: 'own-key' }) =>
    attack<Seen>(await world.client(provider, mode, options), 'seen-at-init');

  /** Registers `plugin`, capturing (not printing) the warning registration gives. */
  const register = async (plugin: Crafted, options?: RegisterPluginOptions): Promise<string[]> => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      await registerPlugin(plugin.dir, options);
      return warn.mock.calls.map(([message]) => String(message));
    } finally {
      warn.mockRestore();
    }
  };

  const collisions: [string, string[], RegExp][] = [
    ['azure-openai', ['AZURE_OPENAI_API_KEY'], /AZURE_OPENAI_ overlaps the well-known credential family AZURE_/],
    ['gitlab', ['GITLAB_TOKEN', 'GITLAB_API_KEY'], /GITLAB_ overlaps the well-known credential family GITLAB_/],
    ['node', ['NODE_AUTH_TOKEN', 'NODE_API_KEY'], /NODE_ overlaps the well-known credential family NODE_/],
    ['aws', ['AWS_SECRET_ACCESS_KEY', 'AWS_API_KEY'], /AWS_ overlaps the well-known credential family AWS_/],
    ['google', ['GOOGLE_API_KEY'], /GOOGLE_ overlaps the well-known credential family GOOGLE_/],
    ['openai-project', ['OPENAI_PROJECT_ID', 'OPENAI_PROJECT_API_KEY'], /OPENAI_PROJECT_ overlaps OPENAI_, the prefix of the built-in provider 'openai'/],
  ];
  it.each(collisions)("a provider named '%s' gets none of %j, registers, and is told why", async (provider, env, why) => {
    const plugin = craft(provider, { env, apiKeyEnv: env.find((name) => name.endsWith('_API_KEY')) ?? env[0] });
    const warnings = await register(plugin);
    expect(warnings.join('\n')).toMatch(why);
    const result = await streamsBeside(() => seen(provider));
    expect(result.env).toEqual({});
    expect(result.init.apiKey).toBe('own-key');
    for (const value of Object.values(FOREIGN_SECRETS)) expect(JSON.stringify(result)).not.toContain(value);
    // Without { apiKey }, the key variable is not read on the plugin's behalf: it is withheld, and the error says so.
    const error = await refusal(world.client(provider, mode));
    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect(error.message).toMatch(why);
    expect(error.message).toMatch(/allowEnv/);
  });

  it('does not read a foreign variable as the base URL on the plugin\'s behalf', async () => {
    const plugin = craft('gitlab', { env: ['GITLAB_TOKEN'], apiKeyEnv: null, baseUrlEnv: 'GITLAB_TOKEN' });
    await register(plugin);
    const result = await streamsBeside(async () =>
      attack<Seen>(await world.client('gitlab', mode, { apiBase: undefined }), 'seen-at-init'),
    );
    expect(result.init.apiBase).toBeNull();
    expect(JSON.stringify(result)).not.toContain(FOREIGN_SECRETS.GITLAB_TOKEN);
  });

  it('refuses provider names that dodge the rule by case or look-alike letters', async () => {
    for (const provider of ['Azure-OpenAI', 'AZURE-OPENAI', '\u0430zure-openai', 'git\u0068ub\u200b']) {
      const plugin = craft(provider);
      const error = await streamsBeside(() => refusal(registerPlugin(plugin.dir)));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toMatch(/'provider' must be a lowercase name/);
    }
  });

  it('passes a variable beyond the two defaults only when the caller grants it (allowEnv)', async () => {
    process.env.GRANTEE_API_KEY = 'grantee-own-key';
    process.env.GRANTEE_BASE_URL = `${world.declared.origin}/v1`;
    try {
      const plugin = craft('grantee', { env: ['GRANTEE_API_KEY', 'GRANTEE_BASE_URL', 'ACME_REGION'] });
      const warnings = await register(plugin);
      expect(warnings.join('\n')).toMatch(/ACME_REGION is not granted to the community plugin 'grantee'.*allowEnv: \['ACME_REGION'\]/);
      const asked = await streamsBeside(() => seen('grantee', {}));
      expect(asked.env).toEqual({ GRANTEE_API_KEY: 'grantee-own-key', GRANTEE_BASE_URL: `${world.declared.origin}/v1` });
      expect(asked.init.apiKey).toBe('grantee-own-key');

      expect(await register(plugin, { allowEnv: ['ACME_REGION'] })).toEqual([]);
      const granted = await streamsBeside(() => seen('grantee', {}));
      expect(granted.env).toEqual({
        GRANTEE_API_KEY: 'grantee-own-key',
        GRANTEE_BASE_URL: `${world.declared.origin}/v1`,
        ACME_REGION: 'eu-west',
      });
    } finally {
      delete process.env.GRANTEE_API_KEY;
      delete process.env.GRANTEE_BASE_URL;
    }
  });

  it('hands a withheld default only when granted by name, and nothing else of its family', async () => {
    const plugin = craft('gitlab', { env: ['GITLAB_API_KEY', 'GITLAB_TOKEN'] });
    await register(plugin, { allowEnv: ['GITLAB_API_KEY'] });
    const result = await streamsBeside(() => seen('gitlab', {}));
    expect(result.env).toEqual({ GITLAB_API_KEY: FOREIGN_SECRETS.GITLAB_API_KEY });
    expect(result.init.apiKey).toBe(FOREIGN_SECRETS.GITLAB_API_KEY);
    expect(JSON.stringify(result)).not.toContain(FOREIGN_SECRETS.GITLAB_TOKEN);
  });
});

/** What a one-shot host script reported: the error it caught, and whether its timer still ticked after. */
interface FreshHost {
  error?: { name: string; code?: string; message: string };
  ticked: boolean;
}

/**
 * Runs `body` in a new host process (a timer ticking beside it) and reports what it threw. A host
 * whose main thread blocks never prints, and the test fails on the missing report.
 */
async function inFreshHost(body: string): Promise<FreshHost> {
  const script = `
    const { AnyLLM, registerPlugin } = await import(${JSON.stringify(resolve('dist/src/index.js'))});
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const out = { ticked: false };
    try { ${body} } catch (error) { out.error = { name: error.name, code: error.code, message: error.message }; }
    const before = ticks;
    await new Promise((done) => setTimeout(done, 50));
    out.ticked = ticks > before;
    clearInterval(timer);
    console.log(JSON.stringify(out));
  `;
  const stdout = await new Promise<string>((done, fail) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' }, (error, out) =>
      error ? fail(new Error(`the host did not report (blocked?): ${error.message}`)) : done(out),
    );
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as FreshHost;
}
