// The process tier in Electron's main process, against a stand-in of Electron's utilityProcess
// (test/support/electron-stand-in.ts; no real Electron runs here): once `app` is ready a plugin
// starts through `utilityProcess.fork` and speaks over its message port; before that, or without
// utilityProcess, it is a child of the app with ELECTRON_RUN_AS_NODE=1; outside Electron nothing
// changes. And the `runtime: { execPath }` option: validated, used, and the sandbox judged by it.
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, PluginUnavailableError } from 'anyllm';
import { inElectronMain, processLauncher, type ElectronMain } from 'anyllm/internal/host/launchers/electron.js';
import { assertElectronSandboxRuntime } from 'anyllm/internal/host/launchers/node-runtime.js';
import { launchProcess } from 'anyllm/internal/host/launchers/process.js';
import { lookupProvider } from 'anyllm/internal/host/registry.js';
import { privateClient, type PluginClient } from 'anyllm/internal/host/plugin-client.js';
import type { ChatCompletion } from 'anyllm';
import { standInElectron } from './support/electron-stand-in.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';
import { descendants, commandLine } from './support/processes.js';

let server: LocalServer;
let work: string;

beforeAll(async () => {
  server = await LocalServer.start();
  work = mkdtempSync(join(tmpdir(), 'anyllm-electron-'));
  onChat(server, (request, res) => {
    if ((request.body as { stream?: boolean }).stream) void streamChunks(res, syntheticStream(3));
    else sendJson(res, 200, completionBody(`pid ${process.pid}`));
  });
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** The openai plugin under `electron` (undefined: plain Node), with a probe of its process while it runs. */
async function runOpenAI(electron: ElectronMain | undefined): Promise<{ content: string; streamed: string; environ: string[] }> {
  const plugin = lookupProvider('openai');
  const supervisor = privateClient({
    spec: {
      provider: 'openai',
      manifest: plugin.manifest,
      dir: plugin.dir,
      entryPath: plugin.entryPath,
      env: {},
      memoryLimitMb: 256,
      capabilities: plugin.manifest.capabilities,
    },
    launch: processLauncher(launchProcess, () => electron),
    apiKey: 'sk-test',
    apiBase: `${server.origin}/v1`,
    clientOptions: { retry: false },
    idleTimeoutMs: 0,
    isolation: 'process',
  });
  try {
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const res = await supervisor.request<ChatCompletion>('completion', { params: { model: 'gpt-4o-mini', messages } });
    // The plugin's own process, while it runs: the environment it was started with.
    const pid = descendants().find((candidate) => /utility-main\.js|process-main\.js/.test(commandLine(candidate)));
    const environ = pid === undefined ? [] : readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    let streamed = '';
    for await (const chunk of supervisor.stream({ model: 'gpt-4o-mini', messages, stream: true })) streamed += chunk.choices[0]?.delta?.content ?? '';
    return { content: res.choices[0].message.content ?? '', streamed, environ };
  } finally {
    await supervisor.close();
  }
}

describe('the process tier in Electron (stand-in)', () => {
  it('starts the plugin with utilityProcess.fork once app is ready, and completes a call and a stream over its port', async () => {
    const electron = standInElectron({ ready: true });
    const result = await runOpenAI(electron.main);
    expect(result).toMatchObject({ content: `pid ${process.pid}`, streamed: 't0 t1 t2 ' });
    expect(electron.forks).toHaveLength(1);
    const [{ modulePath, options }] = electron.forks;
    expect(modulePath).toMatch(/dist[\\/]src[\\/]plugins[\\/]utility-main\.js$/);
    expect(options).toMatchObject({ stdio: ['ignore', 'pipe', 'pipe'], execArgv: expect.arrayContaining(['--max-old-space-size=256']) });
    // Only the plugin's declared environment: never the host's, never ELECTRON_RUN_AS_NODE.
    expect(options.env).not.toHaveProperty('ELECTRON_RUN_AS_NODE');
    expect(options.env).not.toHaveProperty('PATH');
  });

  it.each([
    ['before app is ready', { ready: false }],
    ['where utilityProcess is missing', { ready: true, utility: false }],
  ])('%s, runs the plugin as a child of the app with ELECTRON_RUN_AS_NODE=1', async (_when, state) => {
    const electron = standInElectron(state);
    const result = await runOpenAI(electron.main);
    expect(result).toMatchObject({ content: `pid ${process.pid}`, streamed: 't0 t1 t2 ' });
    expect(electron.forks).toHaveLength(0);
    expect(result.environ).toContain('ELECTRON_RUN_AS_NODE=1');
  });

  it('outside Electron, starts a plain child process without ELECTRON_RUN_AS_NODE', async () => {
    const result = await runOpenAI(undefined);
    expect(result).toMatchObject({ content: `pid ${process.pid}`, streamed: 't0 t1 t2 ' });
    expect(result.environ.some((entry) => entry.startsWith('ELECTRON_RUN_AS_NODE='))).toBe(false);
    expect(result.environ.length).toBeGreaterThan(0);
  });

  it('knows Electron main process from its markers, and plain Node is not it', () => {
    expect(inElectronMain()).toBe(false);
    expect(inElectronMain({ versions: { ...process.versions, electron: '45.5.0' }, type: 'browser' })).toBe(true);
    expect(inElectronMain({ versions: { ...process.versions, electron: '45.5.0' }, type: 'utility' })).toBe(false);
  });
});

describe('the sandbox in Electron', () => {
  it("refuses without runtime.execPath, saying Electron's Node cannot enforce it and what to pass", () => {
    let caught: unknown;
    try {
      assertElectronSandboxRuntime('acme', undefined, true);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PluginUnavailableError);
    expect(caught).toMatchObject({ code: 'sandbox_unsupported', provider: 'acme' });
    expect((caught as Error).message).toMatch(/utility processes ignore Node's --permission flags/);
    expect((caught as Error).message).toMatch(/runtime: \{ execPath: /);
    // Electron's Node 24 (no --allow-net) is named as the second reason; a Node with it is not blamed.
    expect(() => assertElectronSandboxRuntime('acme', undefined, true, new Set(['--permission']))).toThrow(/cannot deny a process the network/);
    expect(() => assertElectronSandboxRuntime('acme', undefined, true, new Set(['--permission', '--allow-net']))).toThrow(
      /ignore Node's --permission flags\. Ship/,
    );
    expect(() => assertElectronSandboxRuntime('acme', { execPath: '/opt/node' }, true)).not.toThrow();
    expect(() => assertElectronSandboxRuntime('acme', undefined, false)).not.toThrow();
  });
});

describe('the runtime option', () => {
  it.each([
    ['a string', '/usr/bin/node', /must be an object/],
    ['a relative path', { execPath: 'node' }, /absolute path/],
    ['an unknown field', { execPath: '/usr/bin/node', args: [] }, /no field 'args'/],
  ])('refuses %s', async (_what, runtime, message) => {
    const created = AnyLLM.create('openai', { apiKey: 'k', isolation: 'process', runtime: runtime as never });
    await expect(created).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(created).rejects.toThrow(message);
  });

  it('refuses it in the worker tier, which runs no binary of its own', async () => {
    await expect(AnyLLM.create('openai', { apiKey: 'k', runtime: { execPath: process.execPath } })).rejects.toThrow(/worker tier/);
  });

  it('refuses a file that is not a Node.js binary, at create', async () => {
    const fake = join(work, 'not-node');
    writeFileSync(fake, '#!/bin/sh\necho hello\n');
    chmodSync(fake, 0o755);
    const created = AnyLLM.create('openai', { apiKey: 'k', isolation: 'process', runtime: { execPath: fake } });
    await expect(created).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(created).rejects.toThrow(/is not a Node.js binary that runs here/);
  });

  it('runs process plugins on that binary', async () => {
    const custom = join(work, 'custom-node');
    symlinkSync(process.execPath, custom);
    const llm = await AnyLLM.create('openai', { apiKey: 'k', apiBase: `${server.origin}/v1`, isolation: 'process', retry: false, runtime: { execPath: custom } });
    try {
      await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      const plugin = descendants().find((pid) => commandLine(pid).includes('process-main.js'));
      expect(plugin === undefined ? '' : commandLine(plugin)).toMatch(/^\S*custom-node /);
    } finally {
      await llm.close();
    }
  });

  it.each(['require', 'off'] as const)('runs sandboxed plugins on that binary (sandbox.os %s)', async (os) => {
    const custom = join(work, `sandbox-node-${os}`);
    symlinkSync(process.execPath, custom);
    const llm = await AnyLLM.create('openai', { apiKey: 'k', isolation: 'sandbox', sandbox: { os }, runtime: { execPath: custom } });
    try {
      await llm.start();
      expect(llm.stats().boundary).toBe(os === 'require' ? 'bubblewrap' : 'none');
      expect(descendants().some((pid) => commandLine(pid).includes(`${custom} `) && commandLine(pid).includes('process-main.js'))).toBe(true);
    } finally {
      await llm.close();
    }
  });

  it("judges the sandbox by that binary's Node, not the host's", async () => {
    // A "Node 24" (what Electron 40–43 bundle): a permission model, no network permission.
    const node24 = join(work, 'node24');
    writeFileSync(node24, `#!/bin/sh\necho '{"version":"v24.11.1","electron":null,"flags":["--permission"]}'\n`);
    chmodSync(node24, 0o755);
    const created = AnyLLM.create('openai', { apiKey: 'k', isolation: 'sandbox', runtime: { execPath: node24 } });
    await expect(created).rejects.toBeInstanceOf(PluginUnavailableError);
    await expect(created).rejects.toThrow(/this Node \(v24\.11\.1\) cannot deny a process the network/);
  });
});
