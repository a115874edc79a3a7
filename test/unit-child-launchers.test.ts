/**
 * The child-process launchers (src/host/launchers/child.ts, process.ts, sandbox.ts) from the host's
 * side, against a stand-in for the Node binary (`spec.execPath`, test/fixtures/launchers/stand-in.mjs)
 * that records the command line, folder and environment it got and then echoes, exits, writes
 * stderr, sends a chosen line or grows: the flags and variables a plugin is started with, the
 * reasons it is reported to have ended for, and the guards on what it sends back. That the flags
 * then hold inside a real plugin is the hostile suites' job (sandbox-hostile*, isolation-process).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exitReason, launchChild, rssLimitMb } from 'anyllm/internal/host/launchers/child.js';
import type { LaunchSpec, PluginExit, PluginInstance } from 'anyllm/internal/host/launchers/launcher.js';
import { launchProcess } from 'anyllm/internal/host/launchers/process.js';
import { assertSandboxSupported, launchSandbox, sandboxLauncher, sandboxNetworkSupported } from 'anyllm/internal/host/launchers/sandbox.js';
import { pluginFlags } from 'anyllm/internal/host/launchers/plugin-flags.js';
import { sandboxReadPaths } from 'anyllm/internal/host/launchers/read-paths.js';
import type { PluginManifest } from 'anyllm/internal/host/manifest.js';
import { pluginRuntimeDir } from 'anyllm/internal/package-paths.js';
import { PluginUnavailableError } from 'anyllm';
import { Connection } from 'anyllm/internal/protocol/connection.js';
import { inSourceChild } from './support/sandbox-runtime.js';

const standIn = fileURLToPath(new URL('./fixtures/launchers/stand-in.mjs', import.meta.url));
const pluginDir = realpathSync(fileURLToPath(new URL('./fixtures/plugins/env-echo', import.meta.url)));
const processMain = join(pluginRuntimeDir, 'process-main.js');
let work: string;
let binary: string;
let records = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'anyllm-child-launchers-'));
  binary = join(work, 'node');
  writeFileSync(binary, `#!/bin/sh\nexec '${process.execPath}' '${standIn}' "$@"\n`);
  chmodSync(binary, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Record_ {
  pid?: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A spec whose "Node" is the stand-in, doing `mode`; `record` is where it writes what it was started with. */
function standInSpec(mode: string, env: Record<string, string> = {}, extra: Partial<LaunchSpec> = {}): { spec: LaunchSpec; record: string } {
  const record = join(work, `record-${++records}.json`);
  const spec: LaunchSpec = {
    provider: 'stand-in',
    manifest: { provider: 'stand-in', network: ['https://api.example.com'], env: [] } as unknown as PluginManifest,
    dir: pluginDir,
    entryPath: join(pluginDir, 'index.js'),
    env: { STAND_IN_MODE: mode, STAND_IN_RECORD: record, ...env },
    memoryLimitMb: 64,
    capabilities: { completion: true },
    execPath: binary,
    stderr: { forward: false },
    ...extra,
  };
  return { spec, record };
}

async function recorded(record: string): Promise<Record_> {
  await vi.waitFor(() => expect(existsSync(record)).toBe(true), { timeout: 20_000, interval: 20 });
  await vi.waitFor(() => JSON.parse(readFileSync(record, 'utf8')) as Record_, { timeout: 5_000, interval: 20 });
  return JSON.parse(readFileSync(record, 'utf8')) as Record_;
}

/** The first message the instance's transport delivers. */
function firstMessage(instance: PluginInstance): Promise<unknown> {
  return new Promise((resolve) => instance.transport.onMessage((message) => resolve(message)));
}

async function ended(instance: PluginInstance): Promise<PluginExit> {
  return instance.exited;
}

describe('launchChild', () => {
  // First in the file: the hook is installed at the first launch of the process, which this test must be
  // (mutation testing runs only the tests that covered a line).
  it('installs its exit hook once, however many children it starts (no listener leak)', async () => {
    const first = launchChild(standInSpec('echo').spec, { execArgv: [] });
    const listeners = process.listenerCount('exit');
    const more = [launchChild(standInSpec('echo').spec, { execArgv: [] }), launchChild(standInSpec('echo').spec, { execArgv: [] })];
    expect(process.listenerCount('exit')).toBe(listeners);
    for (const instance of [first, ...more]) {
      instance.kill('done');
      await ended(instance);
    }
  });

  it('runs the binary with the flags, process-main.js and the arguments, in the plugin folder, with only the spec environment', async () => {
    const { spec, record } = standInSpec('echo', { ONLY: 'this' });
    const instance = launchChild(spec, { execArgv: ['--flag-a', '--flag-b'], args: ['--arg'] });
    const seen = await recorded(record);
    expect(seen.argv).toEqual(['--flag-a', '--flag-b', processMain, '--arg']);
    expect(seen.cwd).toBe(pluginDir);
    // Only what the spec gave (the shell adds PWD and the like, never the host's variables).
    expect(seen.env.ONLY).toBe('this');
    expect(seen.env.HOME).toBeUndefined();
    expect(seen.env.PATH).toBeUndefined();
    instance.kill('done');
    expect(await ended(instance)).toEqual({ code: null, signal: 'SIGKILL', reason: 'done', violation: false });
  });

  it('wraps the command when asked, and carries messages both ways', async () => {
    const { spec, record } = standInSpec('echo');
    const instance = launchChild(spec, {
      execArgv: ['--x'],
      wrapCommand: (command) => ({ file: command.file, args: ['--wrapped', ...command.args], cwd: work }),
    });
    const seen = await recorded(record);
    expect(seen.argv).toEqual(['--wrapped', '--x', processMain]);
    expect(realpathSync(seen.cwd)).toBe(realpathSync(work));
    const answer = firstMessage(instance);
    instance.transport.send({ jsonrpc: '2.0', method: 'hello', params: { n: 1 } });
    expect(await answer).toEqual({ jsonrpc: '2.0', method: 'hello', params: { n: 1 } });
    // launchChild's kill also takes whether the plugin broke the protocol (the wrappers pass it).
    (instance.kill as (reason: string, violation?: boolean) => void)('first', true);
    instance.kill('second');
    expect(await ended(instance)).toMatchObject({ signal: 'SIGKILL', reason: 'first', violation: true });
  });

  it('reports an exit with its code and the last error line of its stderr, escaped', async () => {
    const { spec } = standInSpec('exit', { STAND_IN_CODE: '3', STAND_IN_STDERR: 'noise\nTypeError: first\nError: boom \u001b[31mred\n  at x\n' });
    const exit = await ended(launchChild(spec, { execArgv: [] }));
    expect(exit).toEqual({ code: 3, signal: null, reason: 'exited with code 3: Error: boom \\x1b[31mred', violation: false });
    const clean = await ended(launchChild(standInSpec('exit', { STAND_IN_CODE: '0' }).spec, { execArgv: [] }));
    expect(clean.reason).toBe('exited with code 0');
  });

  it('delivers a last stderr line that had no newline when the plugin ends', async () => {
    const lines: string[] = [];
    const { spec } = standInSpec('exit', { STAND_IN_CODE: '0', STAND_IN_STDERR: 'first\nlast words' }, { stderr: { forward: false, onLine: (line) => lines.push(line) } });
    await ended(launchChild(spec, { execArgv: [] }));
    expect(lines).toEqual(['first', 'last words']);
  });

  it('reports an exit even while a grandchild still holds its output open', async () => {
    const { spec, record } = standInSpec('orphan');
    const exit = await ended(launchChild(spec, { execArgv: [] }));
    expect(exit).toMatchObject({ code: 4, reason: 'exited with code 4' });
    process.kill(Number(readFileSync(`${record}.grandchild`, 'utf8')), 'SIGKILL');
  });

  it('reports a signal it died of', async () => {
    const exit = await ended(launchChild(standInSpec('signal').spec, { execArgv: [] }));
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM', reason: 'was killed by SIGTERM' });
  });

  it('reports a binary that cannot start', async () => {
    const { spec } = standInSpec('echo', {}, { execPath: join(work, 'no-such-node') });
    const exit = await ended(launchChild(spec, { execArgv: [] }));
    expect(exit.reason).toMatch(/^could not start: spawn .*no-such-node ENOENT$/);
    expect(exit.code).toBeNull();
  });

  it('kills a child that breaks the framing (a line over maxLineLength, or one checkLine refuses) as a protocol violation', async () => {
    const long = launchChild(standInSpec('send', { STAND_IN_SEND: `${'x'.repeat(200)}\n` }).spec, { execArgv: [], maxLineLength: 100 });
    const exit = await ended(long);
    expect(exit.violation).toBe(true);
    expect(exit.reason).toMatch(/^broke the protocol: it sent /);
    const checked = launchChild(standInSpec('send', { STAND_IN_SEND: '{"a":1}\n' }).spec, {
      execArgv: [],
      checkLine: (line) => (line.includes('"a"') ? `a line with "a" (${line.length} characters)` : undefined),
    });
    expect(await ended(checked)).toMatchObject({ violation: true, reason: expect.stringContaining('a line with "a" (7 characters)') });
  });

  it('hands the transport and kill to wrapTransport', async () => {
    let given: ((reason: string, violation?: boolean) => void) | undefined;
    const instance = launchChild(standInSpec('echo').spec, {
      execArgv: [],
      wrapTransport: (transport, kill) => {
        given = kill;
        return transport;
      },
    });
    given?.('from the wrapper', true);
    expect(await ended(instance)).toMatchObject({ reason: 'from the wrapper', violation: true });
  });

  it('watches the payload pid, not the pid it spawned, when told which it is', async () => {
    // The payload is another process (as bwrap's grandchild is): one that grows; the spawned one stays small.
    const grower = standInSpec('grow');
    const payload = launchChild(grower.spec, { execArgv: [] });
    const payloadPid = (await recorded(grower.record)).pid as number;
    const { spec } = standInSpec('echo', {}, { memoryLimitMb: 1 });
    const instance = launchChild(spec, { execArgv: [], payloadPid: async () => payloadPid });
    expect((await ended(instance)).reason).toMatch(/^ran out of memory \(resident \d+ MiB, limit 130 MiB\)$/);
    payload.kill('done');
    await ended(payload);
  });

  it('kills a child above its resident-memory ceiling, watching the payload pid it is given', async () => {
    let asked: number | undefined;
    const { spec } = standInSpec('grow', {}, { memoryLimitMb: 1 });
    const instance = launchChild(spec, {
      execArgv: [],
      payloadPid: async (spawned) => {
        asked = spawned;
        return spawned;
      },
    });
    const exit = await ended(instance);
    expect(exit.reason).toMatch(/^ran out of memory \(resident \d+ MiB, limit 130 MiB\)$/);
    expect(asked).toBeTypeOf('number');
  });

  it('kills its children when the host process exits, even those that never notice their input closing', async () => {
    const record = join(work, `deaf-${++records}.json`);
    const { result } = await inSourceChild<string>('host-exit.mjs', [binary, record, work], { permission: false });
    expect(result).toBe('exiting');
    const pids = [record, `${record}.2`].map((file) => (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 10_000, interval: 50 });
    } finally {
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });

  it("lets the host exit while unref'd (the process and its pipes) and holds it while ref'd", async () => {
    const { spec, record } = standInSpec('echo');
    const instance = launchChild(spec, { execArgv: [] });
    await recorded(record);
    const held = () => process.getActiveResourcesInfo().filter((name) => name === 'ProcessWrap' || name === 'PipeWrap').length;
    const referenced = held();
    instance.unref();
    // The process and its three pipes (stdin, stdout, stderr).
    expect(referenced - held()).toBe(4);
    instance.ref();
    expect(held()).toBe(referenced);
    instance.kill('done');
    await ended(instance);
  });

  it('escapes control characters in a kill reason', async () => {
    const instance = launchChild(standInSpec('echo').spec, { execArgv: [] });
    instance.kill('bad\u0007name');
    expect((await ended(instance)).reason).toBe('bad\\x07name');
  });
});

describe('exitReason and rssLimitMb', () => {
  it('names running out of heap, whatever V8 printed', () => {
    for (const said of ['FATAL ERROR: Reached heap limit Allocation failed', 'JavaScript heap out of memory', 'allocation failed - process out of memory']) {
      expect(exitReason(134, null, `x\n${said}\n`, 256)).toBe('ran out of memory (heap limit 256 MiB)');
    }
  });

  it('keeps the last error line (any *Error), at most 300 characters, else only the code or signal', () => {
    expect(exitReason(1, null, 'RangeError: a\nSyntaxError: b\nplain', 1)).toBe('exited with code 1: SyntaxError: b');
    expect(exitReason(1, null, '   Error: indented  \n', 1)).toBe('exited with code 1: Error: indented');
    expect(exitReason(1, null, `Error: ${'y'.repeat(400)}`, 1)).toBe(`exited with code 1: Error: ${'y'.repeat(293)}`);
    expect(exitReason(1, null, 'Errors: none\nnot an Error: x', 1)).toBe('exited with code 1');
    expect(exitReason(null, 'SIGKILL', '', 1)).toBe('was killed by SIGKILL');
    expect(exitReason(2, null, '', 1)).toBe('exited with code 2');
  });

  it('sets the resident ceiling at twice the heap cap plus 128 MiB', () => {
    expect(rssLimitMb(64)).toBe(256);
    expect(rssLimitMb(512)).toBe(1152);
  });
});

describe('launchProcess', () => {
  it('starts the plugin with the flags anyllm chooses and a heap cap, without NODE_OPTIONS', async () => {
    const { spec, record } = standInSpec('echo', { NODE_OPTIONS: '--inspect' }, { memoryLimitMb: 96 });
    const instance = launchProcess(spec);
    const seen = await recorded(record);
    expect(seen.argv.slice(-2)).toEqual(['--max-old-space-size=96', processMain]);
    expect(seen.argv).not.toContain('--inspect');
    expect(seen.env.NODE_OPTIONS).toBeUndefined();
    expect(seen.env.STAND_IN_MODE).toBe('echo');
    instance.kill('done');
    await ended(instance);
  });
});

describe('launchProcess with a client network', () => {
  it("passes the host's NODE_EXTRA_CA_CERTS and the client's proxy to a process plugin", async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/etc/extra-ca.pem';
    try {
      const { spec, record } = standInSpec('echo', {}, { network: { proxy: undefined, ca: undefined } });
      const instance = launchProcess(spec);
      const seen = await recorded(record);
      expect(seen.env.NODE_EXTRA_CA_CERTS).toBe('/etc/extra-ca.pem');
      instance.kill('done');
      await ended(instance);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });
});

describe('sandboxLauncher', () => {
  it('runs the plugin under --permission, reading only its grants, with --sandbox, a heap cap and no NODE_OPTIONS', async () => {
    const { spec, record } = standInSpec('echo', { NODE_OPTIONS: '--require=/x.js' }, { memoryLimitMb: 80 });
    const instance = launchSandbox(spec);
    const seen = await recorded(record);
    const grants = sandboxReadPaths(pluginDir, undefined).map((path) => `--allow-fs-read=${path}`);
    expect(grants).toContain(`--allow-fs-read=${pluginDir}`);
    const at = seen.argv.indexOf('--permission');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(seen.argv.slice(at)).toEqual(['--permission', ...grants, '--max-old-space-size=80', processMain, '--sandbox']);
    expect(seen.env.NODE_OPTIONS).toBeUndefined();
    instance.kill('done');
    await ended(instance);
  });

  it('without the Node layer (tests of the OS boundary alone): no --permission, no grants, no --sandbox', async () => {
    const { spec, record } = standInSpec('echo', {}, { memoryLimitMb: 80 });
    const instance = sandboxLauncher({ nodeLayer: false })(spec);
    const seen = await recorded(record);
    expect(seen.argv).toEqual([...pluginFlags(), '--max-old-space-size=80', processMain]);
    instance.kill('done');
    await ended(instance);
  });

  it('wraps the command in the OS boundary with the same grants, unsets what the boundary adds, and watches its payload pid', async () => {
    let wrapped: string[] | undefined;
    let askedPid = false;
    const { spec, record } = standInSpec('echo', {}, {
      osBoundary: {
        kind: 'bubblewrap',
        addsEnv: ['PWD', 'OTHER'],
        wrap: (command, readPaths) => {
          wrapped = [...readPaths];
          return { ...command, args: ['--in-boundary', ...command.args] };
        },
        payloadPid: async (spawned) => {
          askedPid = true;
          return spawned;
        },
      },
    });
    const instance = sandboxLauncher()(spec);
    const seen = await recorded(record);
    expect(wrapped).toEqual(sandboxReadPaths(pluginDir, undefined));
    expect(seen.argv[0]).toBe('--in-boundary');
    expect(seen.argv.slice(-3)).toEqual(['--sandbox', '--unset-env=PWD', '--unset-env=OTHER']);
    await vi.waitFor(() => expect(askedPid).toBe(true), { timeout: 5_000 });
    instance.kill('done');
    await ended(instance);
  });

  it('kills a plugin whose message breaks the protocol, is larger than any method allows, or is too dense to parse', async () => {
    const listening = (instance: PluginInstance) => {
      instance.transport.onMessage(() => undefined);
      return instance;
    };
    const unknown = listening(sandboxLauncher()(standInSpec('send', { STAND_IN_SEND: '{"jsonrpc":"2.0","method":"no/such","params":{}}\n' }).spec));
    expect(await ended(unknown)).toMatchObject({ violation: true, reason: expect.stringMatching(/^broke the protocol: it .*no\/such/) });
    const huge = listening(sandboxLauncher()(standInSpec('send', { STAND_IN_PIECE: 'x', STAND_IN_REPEAT: String(9 * 2 ** 20), STAND_IN_SEND: '"\n' }).spec));
    expect(await ended(huge)).toMatchObject({ violation: true, reason: expect.stringMatching(/^broke the protocol: it sent /) });
    const dense = listening(sandboxLauncher()(standInSpec('send', { STAND_IN_PIECE: '[[],', STAND_IN_REPEAT: '200000', STAND_IN_SEND: '[]]\n' }).spec));
    expect(await ended(dense)).toMatchObject({ violation: true, reason: 'broke the protocol: it sent a value nested deeper than 64' });
  });
});

describe('sandboxLauncher: the fetch proxy follows the calls', () => {
  /** A sandboxed stand-in the test speaks through, attached to a host connection. */
  async function relayed() {
    const inbox = join(work, `inbox-${++records}.jsonl`);
    writeFileSync(inbox, '');
    const { spec, record } = standInSpec('relay', { STAND_IN_INBOX: inbox });
    const instance = sandboxLauncher()(spec);
    instance.attach?.(new Connection(instance.transport));
    await recorded(record);
    let next = 100;
    /** The plugin asks the host to fetch `url`; resolves with the host's answer. */
    const fetch = async (url: string) => {
      const id = ++next;
      const line = JSON.stringify({ jsonrpc: '2.0', id, method: 'fetch', params: { stream: id, url, method: 'GET', headers: [] } });
      instance.transport.send({ jsonrpc: '2.0', method: 'standIn/send', params: { line } } as never);
      let answer: { id?: number; error?: { message: string } } | undefined;
      await vi.waitFor(
        () => {
          answer = readFileSync(inbox, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((text) => JSON.parse(text) as { id?: number; error?: { message: string } })
            .find((message) => message.id === id);
          expect(answer).toBeDefined();
        },
        { timeout: 10_000, interval: 20 },
      );
      return answer!;
    };
    return { instance, fetch };
  }
  const betweenCalls = "Plugin 'stand-in' may fetch only while a call is in flight.";

  it('can be ref\'d, unref\'d and stopped before the connection is attached, and holds the host only while ref\'d', async () => {
    const { spec, record } = standInSpec('echo');
    const instance = sandboxLauncher()(spec);
    await recorded(record);
    const held = () => process.getActiveResourcesInfo().filter((name) => name === 'ProcessWrap' || name === 'PipeWrap').length;
    const referenced = held();
    instance.unref();
    expect(referenced - held()).toBe(4);
    instance.ref();
    expect(held()).toBe(referenced);
    instance.stopping?.();
    instance.kill('done');
    await ended(instance);
  });

  it('serves a fetch while a call is in flight (ref), refuses it while idle (unref) and once stopping', async () => {
    const { instance, fetch } = await relayed();
    instance.ref();
    // Served: an origin outside the manifest is refused as such, not as a fetch between calls.
    expect((await fetch('https://elsewhere.example/v1')).error?.message).toMatch(/^Plugin 'stand-in' may not reach https:\/\/elsewhere\.example \(fetch\)/);
    instance.unref();
    expect((await fetch('https://api.example.com/v1')).error?.message).toBe(betweenCalls);
    instance.ref();
    expect((await fetch('https://elsewhere.example/v1')).error?.message).toMatch(/may not reach/);
    instance.stopping?.();
    expect((await fetch('https://api.example.com/v1')).error?.message).toBe(betweenCalls);
    // The supervisor refs a stopping plugin only to wait for its exit: still no fetch.
    instance.ref();
    expect((await fetch('https://api.example.com/v1')).error?.message).toBe(betweenCalls);
    instance.kill('done');
    await ended(instance);
  });
});

describe('whether the sandbox can be enforced', () => {
  it('needs --allow-net to deny the network', () => {
    expect(sandboxNetworkSupported(new Set(['--permission', '--allow-net']))).toBe(true);
    expect(sandboxNetworkSupported(new Set(['--permission']))).toBe(false);
  });

  it('refuses without the permission model, or without --allow-net unless the caller accepts an open network', () => {
    const refusal = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return error as PluginUnavailableError;
      }
      return undefined;
    };
    const noModel = refusal(() => assertSandboxSupported('acme', { flags: new Set(), version: 'v20.0.0' }));
    expect(noModel).toBeInstanceOf(PluginUnavailableError);
    expect(noModel).toMatchObject({ provider: 'acme', code: 'sandbox_unsupported', message: "Cannot sandbox plugin 'acme': this Node (v20.0.0) has no permission model; use Node 25 or later." });
    const noNet = refusal(() => assertSandboxSupported('acme', { flags: new Set(['--permission']), version: 'v24.1.0' }));
    expect(noNet?.message).toBe(
      "Cannot sandbox plugin 'acme': this Node (v24.1.0) cannot deny a process the network (that needs Node 25 or later), so the plugin could reach any host directly. Upgrade Node, or pass { allowUnrestrictedNetwork: true } to run it anyway.",
    );
    expect(refusal(() => assertSandboxSupported('acme', { flags: new Set(['--permission']), allowUnrestrictedNetwork: true }))).toBeUndefined();
    expect(refusal(() => assertSandboxSupported('acme', { flags: new Set(['--permission', '--allow-net']) }))).toBeUndefined();
    expect(refusal(() => assertSandboxSupported('acme', { flags: new Set(), allowUnrestrictedNetwork: true }))).toBeInstanceOf(PluginUnavailableError);
    // This Node (26) can enforce it.
    expect(refusal(() => assertSandboxSupported('acme'))).toBeUndefined();
  });
});
