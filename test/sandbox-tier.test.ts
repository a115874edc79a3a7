/**
 * The sandbox tier's edges: what it lets a plugin load, built-in providers under it, the refusal on
 * a Node that cannot deny the network, and a host that exits by itself with sandboxed plugins idle.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AnyLLMError, InvalidRequestError, PluginUnavailableError, registerPlugin } from 'anyllm';
import { assertSandboxSupported } from 'anyllm/internal/host/launchers/sandbox.js';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';
import { SANDBOX_MODES } from './support/hostile.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { stopsRunning } from './support/processes.js';

let server: LocalServer;
let hostile: PluginCopy;
const messages = [{ role: 'user' as const, content: '{}' }];

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('reached')));
  });
  hostile = copyPlugin(resolve('test/fixtures/plugins/hostile'), [server.origin]);
  // Beside it in node_modules (where npm hoists dependencies): one package it depends on, one it does not.
  const modules = join(hostile.dir, '..');
  for (const name of ['declared-dep', 'undeclared-pkg']) {
    mkdirSync(join(modules, name));
    writeFileSync(join(modules, name, 'package.json'), JSON.stringify({ name, type: 'module', main: 'index.js' }));
    writeFileSync(join(modules, name, 'index.js'), `export const name = ${JSON.stringify(name)};\n`);
  }
  const pkgFile = join(hostile.dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(pkgFile, JSON.stringify({ ...pkg, dependencies: { 'declared-dep': '1.0.0' } }));
  await registerPlugin(hostile.dir);
  process.env.HOSTILE_API_KEY = 'k';
});

afterAll(async () => {
  await server.close();
  hostile.remove();
});

describe.each(SANDBOX_MODES)('the sandbox tier (OS boundary: %s)', (mode) => {
  const sandbox = { os: mode };

  it('lets a plugin read the packages it depends on, and no other package beside them', async () => {
    const llm = await AnyLLM.create('hostile', { sandbox });
    try {
      const read = async (path: string) => {
        const res = await llm.completion({ model: 'read-file', messages: [{ role: 'user', content: JSON.stringify({ path }) }] });
        return JSON.parse(res.choices[0].message.content as string) as { allowed: boolean; code?: string };
      };
      const modules = join(hostile.dir, '..');
      expect(await read(join(modules, 'declared-dep', 'index.js'))).toMatchObject({ allowed: true });
      expect(await read(join(modules, 'undeclared-pkg', 'index.js'))).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
      expect(await read(join(hostile.dir, 'package.json'))).toMatchObject({ allowed: true });
    } finally {
      await llm.close();
    }
  });

  it('runs a built-in provider and its SDK sandboxed, reaching the apiBase its caller chose', async () => {
    // Undeclared origins the caller did not choose stay refused: community-plugin and network-ca tests.
    const llm = await AnyLLM.create('openai', { isolation: 'sandbox', sandbox, apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
    expect(llm.stats().boundary).toBe(mode === 'require' ? 'bubblewrap' : 'none');
    try {
      const before = server.requests.length;
      const res = await llm.completion({ model: 'gpt-4o-mini', messages });
      expect(res.choices[0].message.content).toBe('reached');
      expect(server.requests.length).toBe(before + 1);
    } finally {
      await llm.close();
    }
  });

  it('lets the host exit by itself with sandboxed and process plugins idle, leaving no process behind', async () => {
    // The plugins' pids as the host sees them (inside the OS boundary a plugin's own pid is its namespace's).
    const script = `
      const { readdirSync, readFileSync } = await import('node:fs');
      const { AnyLLM, registerPlugin } = await import(${JSON.stringify(resolve('dist/src/index.js'))});
      await registerPlugin(${JSON.stringify(hostile.dir)});
      for (const isolation of ['sandbox', 'process']) {
        const llm = await AnyLLM.create('hostile', { isolation, ...(isolation === 'sandbox' ? { sandbox: { os: '${mode}' } } : {}) });
        await llm.completion({ model: 'probe', messages: [{ role: 'user', content: '{}' }] });
      }
      const parents = new Map();
      for (const name of readdirSync('/proc').filter((n) => /^\\d+$/.test(n))) {
        try {
          const stat = readFileSync('/proc/' + name + '/stat', 'utf8');
          parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
        } catch {}
      }
      const below = (pid) => [...parents].filter(([, ppid]) => ppid === pid).flatMap(([child]) => [child, ...below(child)]);
      console.log(JSON.stringify(below(process.pid)));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, HOSTILE_API_KEY: 'k' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    const pids = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as number[];
    // process tier: node; sandbox: node, or bwrap, its namespace's init and node.
    expect(pids).toHaveLength(mode === 'require' ? 4 : 2);
    for (const pid of pids) expect(await stopsRunning(pid)).toBe(true);
  });
});

describe('the sandbox tier on this Node', () => {
  it('refuses to sandbox on a Node that cannot deny the network, unless the caller opts out', () => {
    const node24 = new Set(['--permission', '--allow-fs-read', '--allow-child-process']);
    expect(() => assertSandboxSupported('acme', { flags: node24 })).toThrow(PluginUnavailableError);
    expect(() => assertSandboxSupported('acme', { flags: node24 })).toThrow(/cannot deny a process the network.*allowUnrestrictedNetwork/);
    expect(() => assertSandboxSupported('acme', { flags: node24, allowUnrestrictedNetwork: true })).not.toThrow();
    expect(() => assertSandboxSupported('acme', { flags: new Set(), allowUnrestrictedNetwork: true })).toThrow(/no permission model/);
    expect(() => assertSandboxSupported('acme')).not.toThrow(); // this Node (26) has --allow-net
  });

  it('checks the opt-out option before anything starts', async () => {
    const options: Record<string, unknown> = { allowUnrestrictedNetwork: 'yes' }; // a caller without types
    await expect(AnyLLM.create('hostile', options)).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
