/**
 * Electron's process tier (src/host/launchers/electron.ts) from the host's side, with a fake
 * `utilityProcess` whose handle the test drives (spawn, output, exit, fatal errors) and a
 * stand-in Node binary for the `ELECTRON_RUN_AS_NODE` child: which launcher is chosen when, what a
 * utility process is forked with, how its end is reported, and that a kill escalates to SIGKILL.
 * A real plugin over a real port: electron-launcher.test.ts (test/support/electron-stand-in.ts).
 */
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ForkOptions } from 'electron';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inElectronMain, launchRunAsNode, launchUtility, loadElectronMain, processLauncher, type ElectronMain, type UtilityProcessHandle } from 'anyllm/internal/host/launchers/electron.js';
import type { LaunchSpec, PluginInstance } from 'anyllm/internal/host/launchers/launcher.js';
import type { PluginManifest } from 'anyllm/internal/host/manifest.js';
import { pluginRuntimeDir } from 'anyllm/internal/package-paths.js';
import { pluginFlags } from 'anyllm/internal/host/launchers/plugin-flags.js';

const standIn = fileURLToPath(new URL('./fixtures/launchers/stand-in.mjs', import.meta.url));
let work: string;
let binary: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'anyllm-electron-unit-'));
  binary = join(work, 'node');
  writeFileSync(binary, `#!/bin/sh\nexec '${process.execPath}' '${standIn}' "$@"\n`);
  chmodSync(binary, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const spec = (extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
  provider: 'acme',
  manifest: { provider: 'acme', network: [], env: [] } as unknown as PluginManifest,
  dir: '/plugins/acme',
  entryPath: '/plugins/acme/index.js',
  env: { ACME_API_KEY: 'k', NODE_OPTIONS: '--inspect' },
  memoryLimitMb: 48,
  capabilities: { completion: true },
  ...extra,
});

/** A utility process the test drives. */
class FakeUtility extends EventEmitter {
  pid: number | undefined;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  kills = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.kills += 1;
    return true;
  }
}

function fakeElectron(ready = true, utility = true): { main: ElectronMain; forks: { modulePath: string; args?: string[]; options?: ForkOptions; child: FakeUtility }[] } {
  const forks: { modulePath: string; args?: string[]; options?: ForkOptions; child: FakeUtility }[] = [];
  const main: ElectronMain = {
    app: { isReady: () => ready },
    ...(utility
      ? {
          utilityProcess: {
            fork(modulePath: string, args?: string[], options?: ForkOptions) {
              const child = new FakeUtility();
              forks.push({ modulePath, args, options, child });
              return child as unknown as UtilityProcessHandle;
            },
          },
        }
      : {}),
  };
  return { main, forks };
}

describe('processLauncher', () => {
  const plain = vi.fn((_spec: LaunchSpec) => ({ plain: true }) as unknown as PluginInstance);

  it('uses the plain launcher outside Electron, or whenever the caller named a Node binary', () => {
    const electron = fakeElectron();
    expect(processLauncher(plain, () => undefined)(spec())).toEqual({ plain: true });
    expect(processLauncher(plain, () => electron.main)(spec({ execPath: '/opt/node' }))).toEqual({ plain: true });
    expect(electron.forks).toHaveLength(0);
    expect(plain).toHaveBeenCalledTimes(2);
  });

  it('forks a utility process once app is ready, running utility-main.js with the plugin environment, flags and heap cap', () => {
    const electron = fakeElectron(true);
    processLauncher(plain, () => electron.main)(spec());
    expect(electron.forks).toHaveLength(1);
    const [{ modulePath, args, options }] = electron.forks;
    expect(modulePath).toBe(join(pluginRuntimeDir, 'utility-main.js'));
    expect(args).toEqual([]);
    expect(options).toEqual({
      env: { ACME_API_KEY: 'k' },
      execArgv: [...pluginFlags(), '--max-old-space-size=48'],
      cwd: '/plugins/acme',
      stdio: ['ignore', 'pipe', 'pipe'],
      serviceName: 'anyllm:acme',
    });
  });

  it.each([
    ['before app is ready', false, true],
    ['without utilityProcess', true, false],
  ])('%s, starts the app itself as Node (ELECTRON_RUN_AS_NODE=1)', async (_when, ready, utility) => {
    const electron = fakeElectron(ready, utility);
    const record = join(work, `run-as-node-${ready}-${utility}.json`);
    // The app binary is the stand-in here (launchRunAsNode spawns spec.execPath ?? process.execPath).
    const instance = processLauncher(plain, () => electron.main)({ ...spec({ env: { STAND_IN_RECORD: record, NODE_OPTIONS: '--x' } }), dir: work, execPath: undefined });
    expect(electron.forks).toHaveLength(0);
    instance.kill('done');
    expect((await instance.exited).reason).toBe('done');
  });
});

describe('launchRunAsNode', () => {
  it('runs the binary as Node with ELECTRON_RUN_AS_NODE=1, the heap cap and no NODE_OPTIONS', async () => {
    const record = join(work, 'run-as-node.json');
    const instance = launchRunAsNode(spec({ dir: work, execPath: binary, env: { STAND_IN_RECORD: record, NODE_OPTIONS: '--inspect', KEEP: '1' } }));
    await vi.waitFor(() => expect(existsSync(record) && readFileSync(record, 'utf8').length > 0).toBe(true), { timeout: 20_000, interval: 20 });
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; env: Record<string, string> };
    expect(seen.env.ELECTRON_RUN_AS_NODE).toBe('1');
    expect(seen.env.KEEP).toBe('1');
    expect(seen.env.NODE_OPTIONS).toBeUndefined();
    expect(seen.argv.slice(-2)).toEqual(['--max-old-space-size=48', join(pluginRuntimeDir, 'process-main.js')]);
    instance.kill('done');
    expect((await instance.exited).reason).toBe('done');
  });
});

describe('launchUtility', () => {
  const started = () => {
    const electron = fakeElectron();
    const instance = launchUtility(spec({ stderr: { forward: false } }), electron.main.utilityProcess!);
    return { instance, child: electron.forks[0].child };
  };

  it('sends over the port once the process has spawned, and delivers what it posts', async () => {
    const { instance, child } = started();
    const got: unknown[] = [];
    instance.transport.onMessage((message) => got.push(message));
    instance.transport.send({ jsonrpc: '2.0', method: 'early' });
    expect(child.posted).toEqual([]);
    child.pid = 4242;
    child.emit('spawn');
    // Held until 'spawn' as JSON text (encoded when sent), which the plugin's transport parses back.
    expect(child.posted).toEqual([JSON.stringify({ jsonrpc: '2.0', method: 'early' })]);
    instance.transport.send({ jsonrpc: '2.0', method: 'later' });
    expect(child.posted.at(-1)).toEqual({ jsonrpc: '2.0', method: 'later' });
    child.emit('message', { jsonrpc: '2.0', method: 'back' });
    expect(got).toEqual([{ jsonrpc: '2.0', method: 'back' }]);
    // A utility process never holds the host's event loop: ref and unref do nothing.
    expect(instance.ref()).toBeUndefined();
    expect(instance.unref()).toBeUndefined();
    child.emit('exit', 0);
    expect(await instance.exited).toEqual({ code: 0, signal: null, reason: 'exited with code 0' });
  });

  it('reports the last error line of its output, or a fatal error Electron reported', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const first = started();
    first.child.stderr.write('noise\n');
    first.child.stdout.write('Error: from stdout\n');
    first.child.stderr.write('TypeError: last one\n');
    await new Promise((resolve) => setImmediate(resolve));
    first.child.emit('exit', 1);
    expect((await first.instance.exited).reason).toBe('exited with code 1: TypeError: last one');

    const second = started();
    second.child.emit('error', 'FatalError', 'v8::Isolate::Abort');
    second.child.emit('exit', 134);
    expect(await second.instance.exited).toEqual({ code: 134, signal: null, reason: 'crashed (FatalError at v8::Isolate::Abort)' });
  });

  it('forwards its output to the host stderr, prefixed with the provider', async () => {
    const electron = fakeElectron();
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
      written.push(String(text));
      return true;
    });
    const instance = launchUtility(spec(), electron.main.utilityProcess!);
    const child = electron.forks[0].child;
    child.stderr.write('hello\n');
    child.stdout.write('out\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.join('')).toBe('[anyllm:acme] hello\n[anyllm:acme] out\n');
    child.emit('exit', 0);
    await instance.exited;
  });

  it("honours the spec's stderr: lines to its listener, none to the host's stderr when it asked for them alone", async () => {
    const electron = fakeElectron();
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
      written.push(String(text));
      return true;
    });
    const lines: string[] = [];
    const instance = launchUtility(spec({ stderr: { forward: false, onLine: (line) => lines.push(line) } }), electron.main.utilityProcess!);
    const child = electron.forks[0].child;
    child.stderr.write('warn: \u001b[31mred\n');
    child.stdout.write('from console.log\n');
    child.stderr.write('no newline at the end');
    await new Promise((resolve) => setImmediate(resolve));
    child.emit('exit', 0);
    await instance.exited;
    expect(written).toEqual([]);
    expect(lines).toEqual(['warn: \\x1b[31mred', 'from console.log', 'no newline at the end']);
  });

  it('kills with SIGTERM, then SIGKILL after the grace period if it has not exited; the first reason stays', async () => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(victim, 'spawn');
    const { instance, child } = started();
    child.pid = victim.pid;
    child.emit('spawn');
    vi.useFakeTimers();
    instance.kill('first');
    instance.kill('second');
    expect(child.kills).toBe(2);
    vi.advanceTimersByTime(1999);
    expect(victim.exitCode === null && victim.signalCode === null).toBe(true);
    vi.advanceTimersByTime(1);
    vi.useRealTimers();
    const [, signal] = (await once(victim, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    child.emit('exit', 137);
    expect((await instance.exited).reason).toBe('first');
  });

  it('sends no SIGKILL to a process that exited within the grace period', async () => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(victim, 'spawn');
    const { instance, child } = started();
    child.pid = victim.pid;
    child.emit('spawn');
    vi.useFakeTimers();
    instance.kill('stop');
    child.emit('exit', 0);
    vi.advanceTimersByTime(5000);
    vi.useRealTimers();
    // A SIGKILL would have been sent by now; its exit event needs a turn of the loop to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(victim.exitCode === null && victim.signalCode === null).toBe(true);
    victim.kill('SIGKILL');
    expect((await instance.exited).reason).toBe('stop');
  });

  it('kills with SIGKILL the pid it spawned with, even once Electron no longer reports one', async () => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(victim, 'spawn');
    const { instance, child } = started();
    child.pid = victim.pid;
    child.emit('spawn');
    child.pid = undefined;
    vi.useFakeTimers();
    instance.kill('stop');
    vi.advanceTimersByTime(2000);
    vi.useRealTimers();
    const [, signal] = (await once(victim, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    child.emit('exit', 137);
    await instance.exited;
  });

  it('keeps the last 4 KiB of output for the exit reason, from the first byte', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const first = started();
    first.child.stderr.write('Error: the very first line\n');
    await new Promise((resolve) => setImmediate(resolve));
    first.child.emit('exit', 1);
    expect((await first.instance.exited).reason).toBe('exited with code 1: Error: the very first line');
    const second = started();
    second.child.stderr.write('Error: long ago\n');
    second.child.stderr.write(`${'x'.repeat(5000)}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    second.child.emit('exit', 1);
    expect((await second.instance.exited).reason).toBe('exited with code 1');
  });

  it('kills a utility process above its resident-memory ceiling', async () => {
    const grower = spawn(process.execPath, ['-e', 'const k=[];setInterval(()=>k.push(Buffer.alloc(16*2**20,1)),20)'], { stdio: 'ignore' });
    await once(grower, 'spawn');
    const electron = fakeElectron();
    const instance = launchUtility(spec({ memoryLimitMb: 1, stderr: { forward: false } }), electron.main.utilityProcess!);
    const child = electron.forks[0].child;
    child.pid = grower.pid;
    child.emit('spawn');
    await vi.waitFor(() => expect(child.kills).toBeGreaterThan(0), { timeout: 20_000, interval: 50 });
    grower.kill('SIGKILL');
    child.emit('exit', 137);
    expect((await instance.exited).reason).toMatch(/^ran out of memory \(resident \d+ MiB, limit 130 MiB\)$/);
  });

  it('sends nothing more once it has exited, and no SIGKILL', async () => {
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(victim, 'spawn');
    const { instance, child } = started();
    child.pid = victim.pid;
    child.emit('spawn');
    child.emit('exit', 0);
    await instance.exited;
    vi.useFakeTimers();
    instance.kill('late');
    vi.advanceTimersByTime(5000);
    vi.useRealTimers();
    expect(child.kills).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(victim.exitCode === null && victim.signalCode === null).toBe(true);
    victim.kill('SIGKILL');
  });
});

describe('inElectronMain and loadElectronMain', () => {
  it('is Electron main only with both markers; plain Node loads nothing', () => {
    expect(inElectronMain()).toBe(false);
    expect(loadElectronMain()).toBeUndefined();
    expect(inElectronMain({ versions: { ...process.versions, electron: '45.5.0' }, type: 'browser' })).toBe(true);
    expect(inElectronMain({ versions: { ...process.versions, electron: '45.5.0' }, type: 'renderer' })).toBe(false);
    expect(inElectronMain({ versions: { ...process.versions }, type: 'browser' })).toBe(false);
  });
});
