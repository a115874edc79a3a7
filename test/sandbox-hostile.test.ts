/**
 * A plugin written to attack its host, run in the sandbox tier: one test per attack. Each attack is
 * denied or the plugin is killed; the host keeps serving (the next call starts a fresh plugin); and
 * a second sandboxed plugin streaming at the same time finishes intact.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, PluginCrashedError, registerPlugin, TimeoutError } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

interface Attempt {
  allowed: boolean;
  value?: string;
  code?: string;
  message?: string;
}

const STREAM_LENGTH = 60;
const expectedText = syntheticStream(STREAM_LENGTH)
  .map((chunk) => (chunk as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
  .join('');

let declared: LocalServer;
let undeclared: LocalServer;
let tcp: Server;
let tcpConnections = 0;
let hostileCopy: PluginCopy;
let benignCopy: PluginCopy;
let secrets: string;
let homeSecret: string;
const open: AnyLLM[] = [];

beforeAll(async () => {
  declared = await LocalServer.start();
  undeclared = await LocalServer.start();
  onChat(declared, (req, res) => {
    if ((req.body as { stream?: boolean }).stream) return streamChunks(res, syntheticStream(STREAM_LENGTH), { delayMs: 4 });
    sendJson(res, 200, completionBody('ok'));
  });
  undeclared.on('GET', '/', (_req, res) => sendJson(res, 200, { reached: true }));
  tcp = createServer((socket) => {
    tcpConnections++;
    socket.destroy();
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');

  hostileCopy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [declared.origin]);
  benignCopy = copyPlugin(resolve('examples/community-plugin'), [declared.origin]);
  await registerPlugin(hostileCopy.dir);
  await registerPlugin(benignCopy.dir);

  secrets = mkdtempSync(join(tmpdir(), 'anyllm-secrets-'));
  // A file in the user's home, as a plugin after SSH keys or cloud credentials would look for.
  homeSecret = join(mkdtempSync(join(homedir(), '.anyllm-test-')), 'credentials');
  writeFileSync(homeSecret, 'home-secret-value');
  process.env.OPENAI_API_KEY = 'sk-openai-secret-that-must-not-leak';
  process.env.HOSTILE_API_KEY = 'hostile-own-key';
  process.env.ACME_API_KEY = 'acme-key';
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

afterAll(async () => {
  await declared.close();
  await undeclared.close();
  tcp.close();
  hostileCopy.remove();
  benignCopy.remove();
  rmSync(secrets, { recursive: true, force: true });
  rmSync(join(homeSecret, '..'), { recursive: true, force: true });
});

async function client(provider: string, options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create(provider, { apiBase: `${declared.origin}/v1`, idleTimeoutMs: 0, ...options });
  open.push(llm);
  return llm;
}

/** Runs one attack; resolves with the plugin's answer or rejects as the call failed. */
async function attack<T = Attempt>(llm: AnyLLM, name: string, args: object = {}, timeoutMs?: number): Promise<T> {
  const res = await llm.completion({ model: name, messages: [{ role: 'user', content: JSON.stringify(args) }] }, { timeoutMs });
  return JSON.parse(res.choices[0].message.content as string) as T;
}

/** Runs `attempt` while a benign sandboxed plugin streams; checks the stream and that the host still serves. */
async function whileAnotherPluginStreams<T>(attempt: (hostile: AnyLLM) => Promise<T>, options: Record<string, unknown> = {}): Promise<T> {
  const hostile = await client('hostile', options);
  const benign = await client('acme');
  await Promise.all([hostile.start(), benign.start()]);
  const streamed = (async () => {
    let text = '';
    for await (const chunk of benign.completionStream({ model: 'acme-1', messages: [{ role: 'user', content: 'hi' }] })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    return text;
  })();
  const outcome = await attempt(hostile);
  expect(await streamed).toBe(expectedText);
  // The host keeps serving, the hostile provider included: a new client gets a working plugin.
  expect(await attack(await client('hostile'), 'probe', {}, 10_000)).toMatchObject({ sandboxed: true });
  return outcome;
}

const denied = (attempt: Attempt) => {
  expect(attempt).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
};

describe('a hostile plugin in the sandbox', () => {
  it('cannot read the host application\'s package.json', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: resolve('package.json') }));
    denied(result);
    expect(JSON.stringify(result)).not.toContain('"devDependencies"');
  });

  it('cannot read a file in the user\'s home, nor list the home folder', async () => {
    const read = await whileAnotherPluginStreams((h) => attack(h, 'read-file', { path: homeSecret }));
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
    const target = join(secrets, 'written.txt');
    denied(await whileAnotherPluginStreams((h) => attack(h, 'write-file', { path: target })));
    expect(existsSync(target)).toBe(false);
  });

  it('cannot spawn a process', async () => {
    const marker = join(secrets, 'spawned.txt');
    denied(await whileAnotherPluginStreams((h) => attack(h, 'spawn', { marker })));
    expect(existsSync(marker)).toBe(false);
  });

  it('cannot start a worker thread', async () => {
    const marker = join(secrets, 'worker.txt');
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
    const result = await whileAnotherPluginStreams((h) => attack(h, 'fetch', { url: `${undeclared.origin}/` }));
    expect(result.allowed).toBe(false);
    expect(result.message).toMatch(/not in the network list/);
    expect(undeclared.requests).toHaveLength(0);
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
    let pid = 0;
    await whileAnotherPluginStreams(async (h) => {
      pid = (await attack<{ pid: number }>(h, 'probe')).pid;
      await expect(attack(h, 'busy-loop', {}, 1_000)).rejects.toBeInstanceOf(TimeoutError);
      // It never reads the shutdown request: close() kills it after the grace period.
      await h.close();
    });
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('is killed when it allocates past its heap cap', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'allocate-heap', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/memory/);
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
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent the notification '\$\/spam'/);
    });
  });

  it('cannot starve the host with a flood of notifications it may send', async () => {
    const result = await whileAnotherPluginStreams((h) => attack<{ flooded: number }>(h, 'flood-allowed', { count: 200_000 }));
    expect(result).toEqual({ flooded: 200_000 });
  });

  it('is killed when it answers with forged request ids', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'forge-ids', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/broke the protocol: it answered request id 987654/);
    });
  });

  it('is killed when it writes garbage onto the channel', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'garbage', {}, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent a line that is not JSON/);
    });
  });

  it('is killed when it writes one endless line onto the channel', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const error = await attack(h, 'endless-line', { megabytes: 80 }, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect((error as Error).message).toMatch(/broke the protocol: it sent a message longer than/);
    });
  });
});
