/**
 * Red team 3: the OS boundary, the grants and the environment, with attacks issue 8 and the other
 * hostile suites do not name. Crafted plugin folders go through the public API (`registerPlugin`,
 * `AnyLLM.create`, a call) under each OS-boundary mode, a benign plugin streaming beside each; what
 * only the OS layer can stop is tried with Node's layer removed (the internal launcher option
 * `os-boundary-alone.test.ts` uses), since with it on, Node denies first and proves nothing about bwrap.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidRequestError, registerPlugin } from 'anyllm';
import { resolveOsBoundary } from 'anyllm/internal/host/launchers/os-boundary/index.js';
import { sandboxLauncher } from 'anyllm/internal/host/launchers/sandbox.js';
import { lookupProvider, registerPlugin as registerInternal } from 'anyllm/internal/host/registry.js';
import { privateClient, type PluginClient } from 'anyllm/internal/host/plugin-client.js';
import type { ChatCompletion } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';

const world = new HostileWorld();
const roots: string[] = [];
let count = 0;

beforeAll(() => world.setUp());
afterEach(() => world.closeClients());
afterAll(async () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  await world.tearDown();
});

/** A fresh temporary root (removed after the run), its real path. */
function tempRoot(prefix = 'anyllm-red3-'): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  roots.push(root);
  return root;
}

/**
 * A copy of the hostile plugin at `dir` as a fresh provider, with `pkg` merged into its
 * package.json (dependencies, say); returns the provider name.
 */
function installHostile(dir: string, pkg: Record<string, unknown> = {}): string {
  const provider = `red3-${count++}`;
  cpSync(resolve('test/fixtures/plugins/hostile'), dir, { recursive: true });
  const file = join(dir, 'package.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { anyllm: Record<string, unknown> };
  json.anyllm = { ...json.anyllm, provider, env: [], network: [world.declared.origin] };
  writeFileSync(file, JSON.stringify({ ...json, ...pkg }, null, 2));
  return provider;
}

/** A package folder `name` in `modules` holding a package.json naming it and `files`. */
function installPackage(modules: string, name: string, files: Record<string, string> = {}): string {
  const dir = join(modules, ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** What a rejected promise rejected with (an unexpected success fails the test, showing what leaked). */
async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, `the attack was not refused: ${JSON.stringify(outcome.ok && outcome.value)}`).toBe(false);
  return (outcome as { error: Error }).error;
}

describe.each(SANDBOX_MODES)('red team 3: grants and mounts (OS boundary: %s)', (mode) => {
  const streamsBeside = <T>(attempt: () => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, () => attempt());

  const readThrough = async (provider: string, path: string) => {
    const llm = await world.client(provider, mode, { apiKey: 'own-key' });
    return attack(llm, 'read-file', { path });
  };

  it('refuses a dependency that holds the plugin: the host app installed as a package (a global CLI) and its .env', async () => {
    // npm i -g some-cli: /usr/lib/node_modules/some-cli/node_modules/<plugin>. Naming the app as a
    // dependency passes every name check (it is a node_modules/<name> folder whose package.json
    // names it) and granted the whole app: its config, its .env, every other package it installed.
    const app = installPackage(join(tempRoot(), 'node_modules'), 'some-cli', { '.env': 'OPENAI_API_KEY=sk-app-secret\n' });
    const plugin = join(app, 'node_modules', 'anyllm-plugin-red3');
    const provider = installHostile(plugin, { dependencies: { 'some-cli': '*' } });
    await registerPlugin(plugin);
    const error = await streamsBeside(() => refusal(readThrough(provider, join(app, '.env'))));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain(app);
    expect(error.message).toMatch(/holds the plugin/);
    expect(error.message).not.toContain('sk-app-secret');
  });

  it("refuses a plugin path holding '*', which Node's --allow-fs-read takes as a wildcard over every sibling", async () => {
    // --allow-fs-read=/x/pl*gin/... grants every path under /x starting with 'pl': here a secret
    // beside the plugin. bwrap binds the literal path, so only Node's layer was widened.
    const root = tempRoot();
    const secret = join(root, 'plans', 'secret.txt');
    mkdirSync(join(root, 'plans'));
    writeFileSync(secret, 'secret-beside-the-plugin');
    const plugin = join(root, 'pl*gin', 'node_modules', 'anyllm-plugin-red3');
    const provider = installHostile(plugin);
    await registerPlugin(plugin);
    const error = await streamsBeside(() => refusal(readThrough(provider, secret)));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain("'*'");
    expect(error.message).not.toContain('secret-beside-the-plugin');
  });

  it("does not hand a variable the caller granted one plugin to another whose default it is (plugin 'zed' vs ZED_API_KEY)", async () => {
    // The caller keeps the key meant for plugin A in ZED_API_KEY and grants it to A by name; a
    // community plugin that names itself 'zed' would get it as its default <PREFIX>API_KEY.
    const zed = `zed${mode.replace(/[^a-z]/g, '')}`;
    const variable = `${zed.toUpperCase()}_API_KEY`;
    process.env[variable] = 'meant-for-the-granted-plugin';
    try {
      const grantee = join(tempRoot(), 'node_modules', 'anyllm-plugin-red3');
      const granteeProvider = installHostile(grantee);
      await registerPlugin(grantee, { allowEnv: [variable] });
      const squatter = join(tempRoot(), 'node_modules', 'anyllm-plugin-red3');
      installHostile(squatter);
      const file = join(squatter, 'package.json');
      const json = JSON.parse(readFileSync(file, 'utf8')) as { anyllm: Record<string, unknown> };
      json.anyllm = { ...json.anyllm, provider: zed, env: [variable], apiKeyEnv: variable };
      writeFileSync(file, JSON.stringify(json));
      // The host warns that the variable is withheld from the squatter: captured and asserted, not printed.
      const warnings: string[] = [];
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error) => {
        warnings.push(String(warning));
      });
      try {
        await registerPlugin(squatter);
      } finally {
        warn.mockRestore();
      }
      expect(warnings.join('\n')).toContain(`${variable} is withheld`);
      const seen = await streamsBeside(async () => {
        const llm = await world.client(zed, mode, { apiKey: 'own-key' });
        return attack<{ env: Record<string, string> }>(llm, 'read-env');
      });
      expect(seen.env[variable]).toBeUndefined();
      // The plugin it was granted to still gets it.
      const granted = await attack<{ env: Record<string, string> }>(await world.client(granteeProvider, mode), 'read-env');
      expect(granted.env[variable]).toBe('meant-for-the-granted-plugin');
    } finally {
      delete process.env[variable];
    }
  });

  it('refuses a manifest asking for 100,000 variables at registration (17 MB of warning before)', async () => {
    const plugin = join(tempRoot(), 'node_modules', 'anyllm-plugin-red3');
    installHostile(plugin);
    const file = join(plugin, 'package.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { anyllm: Record<string, unknown> };
    json.anyllm.env = Array.from({ length: 100_000 }, (_, i) => `V${i}`);
    writeFileSync(file, JSON.stringify(json));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const error = await refusal(registerPlugin(plugin));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.message).toMatch(/'env' may name at most 64 variables/);
      await new Promise((done) => setTimeout(done, 10));
      expect(warnings.join('').length).toBeLessThan(10_000);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cannot open a host-global sysctl for writing (core_pattern, modprobe, drop_caches)', async () => {
    const result = await streamsBeside(async () => {
      const llm = await world.client('hostile', mode);
      return attack<(Attempt & { path: string })[]>(llm, 'open-for-write', { paths: SYSCTLS });
    });
    for (const outcome of result) expect(outcome, outcome.path).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
  });
});

/** Sysctls that are global to the host (no namespace has its own): a write is a write to the host. */
const SYSCTLS = ['/proc/sys/kernel/core_pattern', '/proc/sys/kernel/modprobe', '/proc/sys/vm/drop_caches', '/proc/sys/kernel/hostname'];

describe.runIf(process.platform === 'linux')("red team 3: the OS boundary alone (Node's layer removed)", () => {
  let supervisor: PluginClient;

  beforeAll(async () => {
    await registerInternal(world.hostileCopy.dir);
    const plugin = lookupProvider('hostile');
    supervisor = privateClient({
      spec: {
        provider: 'hostile',
        manifest: plugin.manifest,
        dir: plugin.dir,
        entryPath: plugin.entryPath,
        env: {},
        memoryLimitMb: 256,
        capabilities: plugin.manifest.capabilities,
        osBoundary: await resolveOsBoundary('require', 'hostile'),
      },
      launch: sandboxLauncher({ nodeLayer: false }),
      apiKey: 'k',
      apiBase: undefined,
      clientOptions: {},
      idleTimeoutMs: 0,
      isolation: 'sandbox',
    });
  });
  afterAll(() => supervisor?.close());

  const run = async <T>(name: string, args: object): Promise<T> => {
    const res = await supervisor.request<ChatCompletion>('completion', {
      params: { model: name, messages: [{ role: 'user', content: JSON.stringify(args) }] },
    });
    return JSON.parse(res.choices[0]!.message.content as string) as T;
  };

  it('cannot open /proc/sys for writing, even when the host runs as root (uid 0 inside is the real root)', async () => {
    // Sysctl files check the uid only, not capabilities: as root, the sandbox's fresh /proc let the
    // plugin open core_pattern for writing (a program run as root on the host at the next crash).
    const result = await run<(Attempt & { path: string })[]>('open-for-write', { paths: [...SYSCTLS, '/proc/pressure/cpu'] });
    for (const outcome of result) {
      expect(outcome, outcome.path).toMatchObject({ allowed: false });
      expect(['EROFS', 'EACCES', 'ENOENT'], `${outcome.path}: ${outcome.code}`).toContain(outcome.code);
    }
    // Its own /proc still works: the plugin reads itself.
    expect(await run('read-file', { path: '/proc/self/status' })).toMatchObject({ allowed: true });
  });
});

describe('red team 3: the Seatbelt profile (macOS; its text is checked here, unverifiable on Linux)', () => {
  // A unit test: the profile cannot run here. A granted path is the plugin's folder as installed.
  it('refuses a path with a line break with a typed error, and escapes one that tries to close its string', async () => {
    const { seatbeltProfile } = await import('anyllm/internal/host/launchers/os-boundary/seatbelt.js');
    expect(() => seatbeltProfile('/node', ['/app/x\n(allow default)'])).toThrow(InvalidRequestError);
    const profile = seatbeltProfile('/node', ['/app/x") (allow file-write* (subpath "/']);
    expect(profile.split('\n').some((line) => /^\(allow file-write/.test(line) || /\(allow file-write\* \(subpath "\/"\)/.test(line))).toBe(false);
    expect(profile).toContain('(subpath "/app/x\\") (allow file-write* (subpath \\"/"))');
  });
});
