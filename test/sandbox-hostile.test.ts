/**
 * A plugin written to attack its host, run in the sandbox tier: one test per attack of the first
 * review (files, environment, processes, network, memory, the channel). Each attack is denied or
 * the plugin is killed; the host keeps serving; and a second sandboxed plugin streaming at the same
 * time finishes intact. The harness is test/support/hostile.ts; every mode of the OS boundary runs.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PluginCrashedError, PluginProtocolError, TimeoutError } from 'anyllm';
import { attack, expectDenied as denied, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';
import { processesMentioning, stopsRunning } from './support/processes.js';

const world = new HostileWorld();
let tcp: Server;
let tcpConnections = 0;

beforeAll(async () => {
  await world.setUp();
  tcp = createServer((socket) => {
    tcpConnections++;
    socket.destroy();
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
});

afterEach(() => world.closeClients());

afterAll(async () => {
  await world.tearDown();
  tcp.close();
});

describe.each(SANDBOX_MODES)('a hostile plugin in the sandbox (OS boundary: %s)', (mode) => {
  const client = (provider: string, options?: Record<string, unknown>) => world.client(provider, mode, options);
  const whileAnotherPluginStreams = <T>(attempt: Parameters<typeof world.whileAnotherPluginStreams<T>>[1], options?: Record<string, unknown>) =>
    world.whileAnotherPluginStreams<T>(mode, attempt, options);

  it('cannot read the host application\'s package.json', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: resolve('package.json') }));
    denied(result);
    // No part of the file in the answer (a bare word: inside the JSON answer its quotes are escaped).
    expect(result.value).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain('devDependencies');
  });

  it('cannot read a file in the user\'s home, nor list the home folder', async () => {
    const read = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: world.homeSecret }));
    denied(read);
    expect(JSON.stringify(read)).not.toContain('home-secret-value');
    const hostile = await client('hostile');
    denied(await attack(hostile, 'list-dir', { path: homedir() }));
  });

  it('sees only the variables its manifest declares, not another provider\'s key', async () => {
    const { env } = await whileAnotherPluginStreams((h) => attack<{ env: Record<string, string> }>(h, 'read-env'));
    expect(env).toEqual({ HOSTILE_API_KEY: 'hostile-own-key' });
    expect(JSON.stringify(env)).not.toContain('sk-openai-secret');
    // Outside the sandbox a same-user process reads its parent's whole environment here.
    const viaProc = await attack(await client('hostile'), 'read-file', { path: `/proc/${process.pid}/environ` });
    denied(viaProc);
    expect(JSON.stringify(viaProc)).not.toContain('sk-openai-secret');
  });

  it('cannot write a file', async () => {
    const target = join(world.secrets, 'written.txt');
    denied(await whileAnotherPluginStreams((h) => attack(h, 'write-file', { path: target })));
    expect(existsSync(target)).toBe(false);
  });

  it('cannot spawn a process', async () => {
    const marker = join(world.secrets, 'spawned.txt');
    denied(await whileAnotherPluginStreams((h) => attack(h, 'spawn', { marker })));
    expect(existsSync(marker)).toBe(false);
  });

  it('cannot start a worker thread', async () => {
    const marker = join(world.secrets, 'worker.txt');
    denied(await whileAnotherPluginStreams((h) => attack(h, 'worker', { marker })));
    expect(existsSync(marker)).toBe(false);
  });

  it('cannot load a native addon', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'addon'));
    // Outside the sandbox the same call gets as far as the loader (ERR_DLOPEN_FAILED: not an ELF file).
    expect(result).toMatchObject({ allowed: false, code: 'ERR_DLOPEN_DISABLED' });
  });

  it('cannot open the inspector', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'inspector'));
    denied(result);
    expect(result.value).toBeUndefined();
  });

  it('cannot fetch an origin its manifest does not declare', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'fetch', { url: `${world.undeclared.origin}/` }));
    expect(result.allowed).toBe(false);
    expect(result.message).toMatch(/not in the network list/);
    expect(world.undeclared.requests).toHaveLength(0);
  });

  it('cannot open a raw TCP socket', async () => {
    const { port } = tcp.address() as { port: number };
    denied(await whileAnotherPluginStreams((h) => attack(h, 'tcp', { port })));
    expect(tcpConnections).toBe(0);
  });

  it('cannot resolve DNS names', async () => {
    denied(await whileAnotherPluginStreams((h) => attack(h, 'dns', { host: 'localhost' })));
  });

  it('cannot signal the host process (Node\'s permission model alone would let it)', async () => {
    // Harmless signals: 0 only checks the process exists, SIGCONT resumes a running process.
    denied(await whileAnotherPluginStreams((h) => attack(h, 'signal-host', { signal: 0 })));
    denied(await attack(await client('hostile'), 'signal-host', { signal: 'SIGCONT' }));
  });

  it('cannot change the host process\'s scheduling priority', async () => {
    denied(await whileAnotherPluginStreams((h) => attack(h, 'renice-host')));
  });

  it('is stopped when it busy-loops forever, and leaves no process behind', async () => {
    let pids: number[] = [];
    await whileAnotherPluginStreams(async (h) => {
      // Seen from the host: inside the OS boundary its own pid is one of its namespace.
      pids = processesMentioning(world.hostileCopy.dir);
      expect(pids.length).toBeGreaterThan(0);
      await expect(attack(h, 'busy-loop', {}, 1_000)).rejects.toBeInstanceOf(TimeoutError);
      // It never reads the shutdown request: close() kills it after the grace period.
      await h.close();
    });
    for (const pid of pids) expect(await stopsRunning(pid)).toBe(true);
  });

  it('is killed when it allocates past its heap cap', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'allocate-heap', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/memory/);
      // V8's own report was captured (pluginStderr: 'pipe'), not printed into the test output.
      await expect.poll(() => world.stderr.get(h)?.join('\n')).toMatch(/heap out of memory/);
    }, { memoryLimitMb: 64 });
  });

  it('is killed when it allocates buffers outside the heap', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'allocate-buffers', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/ran out of memory \(resident/);
    }, { memoryLimitMb: 64 });
  });

  it('is killed when it floods the host with notifications it may not send', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'flood-forbidden', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent the notification '\$\/spam'/);
    });
  });

  // Every notification must refer to something open; a flood of meaningful ones is in sandbox-hostile-flow.
  it('is killed when it floods the host with cancels of requests it never sent', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'flood-allowed', { count: 200_000 }, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(/broke the protocol: it cancelled request 1000000, which it has not sent/);
    });
  });

  it('is killed when it answers with forged request ids', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'forge-ids', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(/broke the protocol: it answered request id 987654/);
    });
  });

  it('is killed when it writes garbage onto the channel', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'garbage', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent a line that is not JSON/);
    });
  });

  it('is killed when it writes one endless line onto the channel', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'endless-line', { megabytes: 80 }, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent a message longer than/);
    });
  });
});
