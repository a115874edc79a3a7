/**
 * What a hostile plugin can learn or touch of the machine it runs on: the host's processes and
 * `/proc`, secrets in the home folder and `/etc`, a `/tmp` shared with the host, signals to a pid it
 * guessed. Denied with the OS boundary and without (each layer must hold alone; what the OS layer
 * stops by itself, with Node's flags removed, is test/os-boundary-alone.test.ts). With the boundary,
 * the plugin also runs in namespaces of its own: its own pids, no network interface but loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attack, expectDenied as denied, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';
import { isRunning, processesMentioning } from './support/processes.js';

const world = new HostileWorld();
/** A process of the same user beside the host: a plugin that could signal it could signal anything of ours. */
let victim: ChildProcess;

beforeAll(async () => {
  await world.setUp();
  victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await once(victim, 'spawn');
});

afterEach(() => world.closeClients());

afterAll(async () => {
  victim?.kill('SIGKILL');
  await world.tearDown();
});

interface OsFacts {
  pid: number;
  ppid: number;
  hostname: string;
  interfaces: string[];
}

describe.each(SANDBOX_MODES)('a hostile plugin and the machine (OS boundary: %s)', (mode) => {
  const client = () => world.client('hostile', mode);
  const whileAnotherPluginStreams = <T>(attempt: Parameters<typeof world.whileAnotherPluginStreams<T>>[1]) =>
    world.whileAnotherPluginStreams<T>(mode, attempt);

  it("cannot read the host's environment through /proc, nor list the host's processes", async () => {
    const environ = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: `/proc/${process.pid}/environ` }));
    denied(environ);
    expect(JSON.stringify(environ)).not.toContain('sk-openai-secret');
    const listed = await attack(await client(), 'list-dir', { path: '/proc' });
    denied(listed);
    expect(JSON.stringify(listed)).not.toContain(`"${process.pid}"`);
  });

  it('runs in its own PID and network namespaces with the boundary, and among the host\'s processes without', async () => {
    const facts = await whileAnotherPluginStreams(async (h) => {
      const seen = await attack<OsFacts>(h, 'os-facts');
      return { seen, fromHost: processesMentioning(world.hostileCopy.dir) };
    });
    if (mode === 'require') {
      // Its pid is one of its namespace (bwrap's init is 1, node 2); the host's pids mean nothing there.
      expect(facts.seen.pid).toBeLessThan(10);
      expect(facts.fromHost).not.toContain(facts.seen.pid);
      expect(facts.seen.interfaces).toEqual(['lo']);
      expect(facts.seen.hostname).toBe('anyllm-sandbox');
    } else {
      expect(facts.fromHost).toContain(facts.seen.pid);
    }
  });

  it('cannot read secrets in the home folder or in /etc, nor list either', async () => {
    const home = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: world.homeSecret }));
    denied(home);
    expect(JSON.stringify(home)).not.toContain('home-secret-value');
    const hostile = await client();
    for (const path of ['/etc/passwd', '/etc/hostname']) denied(await attack(hostile, 'read-file', { path }));
    for (const path of ['/etc', homedir()]) denied(await attack(hostile, 'list-dir', { path }));
  });

  it("cannot leave a file in the host's /tmp", async () => {
    const path = `/tmp/anyllm-os-boundary-${process.pid}-${mode}`;
    denied(await whileAnotherPluginStreams((h) => attack(h, 'write-file', { path })));
    expect(existsSync(path)).toBe(false);
  });

  it('cannot signal the host, nor another process of the same user', async () => {
    denied(await whileAnotherPluginStreams((h) => attack(h, 'os-signal-pid', { pid: process.pid, signal: 0 })));
    const killed = await attack<Attempt>(await client(), 'os-signal-pid', { pid: victim.pid, signal: 'SIGKILL' });
    denied(killed);
    expect(isRunning(victim.pid!)).toBe(true);
  });
});
