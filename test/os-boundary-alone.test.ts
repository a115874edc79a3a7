/**
 * The OS boundary holds on its own: a hostile plugin launched under bubblewrap with Node's layer
 * removed (no `--permission` flags, no runtime guards on `process`; an internal launcher option
 * that `AnyLLM.create` cannot reach) still reads nothing outside its grant, reaches no socket of the
 * host, and signals no host process. Linux with bubblewrap only (CI installs it; missing, it fails).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOsBoundary } from 'anyllm/internal/host/launchers/os-boundary/index.js';
import { sandboxLauncher } from 'anyllm/internal/host/launchers/sandbox.js';
import { lookupProvider, registerPlugin } from 'anyllm/internal/host/registry.js';
import { privateClient, type PluginClient } from 'anyllm/internal/host/plugin-client.js';
import type { ChatCompletion } from 'anyllm';
import { HOST_SECRETS, HostileWorld, type Attempt } from './support/hostile.js';
import { isRunning } from './support/processes.js';

const world = new HostileWorld();
let supervisor: PluginClient;
let victim: ChildProcess;
let tcp: Server;
let tcpConnections = 0;

beforeAll(async () => {
  await world.setUp();
  victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await once(victim, 'spawn');
  tcp = createServer((socket) => {
    tcpConnections++;
    socket.destroy();
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  // The internal registry: the public entry is a bundle with its own copy.
  await registerPlugin(world.hostileCopy.dir);
  const plugin = lookupProvider('hostile');
  supervisor = privateClient({
    spec: {
      provider: 'hostile',
      manifest: plugin.manifest,
      dir: plugin.dir,
      entryPath: plugin.entryPath,
      env: { HOSTILE_API_KEY: HOST_SECRETS.HOSTILE_API_KEY },
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

afterAll(async () => {
  victim?.kill('SIGKILL');
  tcp?.close();
  await supervisor?.close();
  await world.tearDown();
});

async function run<T = Attempt>(name: string, args: object = {}): Promise<T> {
  const res = await supervisor.request<ChatCompletion>('completion', {
    params: { model: name, messages: [{ role: 'user', content: JSON.stringify(args) }] },
  });
  return JSON.parse(res.choices[0]!.message.content as string) as T;
}

describe("the OS boundary alone (Node's permission flags removed)", () => {
  it("really runs without Node's layer: the plugin may write, and sees itself unsandboxed by Node", async () => {
    expect(await run('probe')).toMatchObject({ sandboxed: false });
    // Into its private /tmp: allowed in there, and nowhere on the host.
    const name = `anyllm-os-alone-${process.pid}`;
    expect(await run('write-file', { path: `/tmp/${name}` })).toMatchObject({ allowed: true });
    expect(existsSync(`/tmp/${name}`)).toBe(false);
    expect(await run('write-file', { path: join(world.hostileCopy.dir, 'dropped.txt') })).toMatchObject({ allowed: false, code: 'EROFS' });
  });

  it("cannot fill the host's memory through its private /tmp or /dev/shm (both are capped)", async () => {
    expect(await run('fill-file', { path: '/tmp/fill', megabytes: 80 })).toMatchObject({ allowed: false, code: 'ENOSPC' });
    expect(await run('fill-file', { path: '/dev/shm/fill', megabytes: 4 })).toMatchObject({ allowed: false, code: 'ENOSPC' });
    // Inside the caps, writing works: the refusal is the cap, not a read-only mount.
    expect(await run('fill-file', { path: '/tmp/fill', megabytes: 8 })).toMatchObject({ allowed: true });
  });

  it('reads nothing outside its grant: no home, no /etc, no host /proc, no other package', async () => {
    for (const path of [world.homeSecret, '/etc/passwd', `/proc/${process.pid}/environ`, join(process.cwd(), 'package.json')]) {
      const result = await run('read-file', { path });
      expect(result, path).toMatchObject({ allowed: false, code: 'ENOENT' });
    }
    expect(await run('list-dir', { path: homedir() })).toMatchObject({ allowed: false });
    const processes = await run('list-dir', { path: '/proc' });
    expect(processes.allowed).toBe(true);
    const pids = (JSON.parse(processes.value!) as string[]).filter((name) => /^\d+$/.test(name));
    // Its namespace's init and node, and whatever node started; never the host's processes.
    expect(pids).not.toContain(String(process.pid));
    expect(pids.length).toBeLessThan(5);
    expect(readdirSync('/proc').length).toBeGreaterThan(pids.length);
  });

  it("reaches no socket of the host's network", async () => {
    const result = await run('tcp', { port: (tcp.address() as { port: number }).port });
    expect(result).toMatchObject({ allowed: false, code: 'ECONNREFUSED' });
    expect(tcpConnections).toBe(0);
  });

  it('signals no host process: pids outside its namespace do not exist in there', async () => {
    for (const pid of [process.pid, victim.pid!]) {
      expect(await run('os-signal-pid', { pid, signal: 0 })).toMatchObject({ allowed: false, code: 'ESRCH' });
    }
    expect(await run('os-signal-pid', { pid: victim.pid, signal: 'SIGKILL' })).toMatchObject({ allowed: false, code: 'ESRCH' });
    // SIGUSR1 to the host would open its inspector (issue 8, class 1).
    expect(await run('debug-pid', { pid: process.pid })).toMatchObject({ allowed: false });
    expect(isRunning(victim.pid!)).toBe(true);
  });
});
