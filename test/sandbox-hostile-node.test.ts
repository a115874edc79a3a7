/**
 * What Node's permission model leaves open to a sandboxed plugin, which the runtime's own lockdown
 * (src/plugins/sandbox/) must close with no OS boundary beneath it: process control (the host's
 * inspector through `_debugProcess`, signals and pid probes, credentials, priority), builtins that
 * ignore the read grant (node:sqlite, node:ffi ...) however they are reached, module hooks of the
 * plugin's own, and existence oracles outside the grant. One test per attack; the harness
 * (test/support/hostile.ts) streams a second plugin beside each and checks the host still serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import inspector from 'node:inspector';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attack, expectDenied as denied, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';

const world = new HostileWorld();
let sleeper: ChildProcess;

beforeAll(async () => {
  await world.setUp();
  // Another process of the user, which echoes what it is sent: an answer proves it still runs.
  sleeper = spawn(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdio: ['pipe', 'pipe', 'ignore'] });
  await once(sleeper, 'spawn');
});

afterEach(() => world.closeClients());

afterAll(async () => {
  sleeper.kill('SIGKILL');
  await world.tearDown();
});

type Outcomes = Record<string, Attempt>;

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once the sleeper echoes a line back, rejects if it has exited. */
async function sleeperAnswers(): Promise<void> {
  const echoed = new Promise<void>((resolve, reject) => {
    sleeper.stdout?.once('data', () => resolve());
    sleeper.once('exit', (code, signal) => reject(new Error(`the sleeper exited (${code ?? signal})`)));
  });
  sleeper.stdin?.write('alive?\n');
  await echoed;
}

/** A pid no process has (checked), for "does it exist" probes. */
function missingPid(): number {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

/** Every outcome refused with ERR_ACCESS_DENIED. */
function allDenied(outcomes: Outcomes): void {
  for (const [way, outcome] of Object.entries(outcomes)) expect({ way, ...outcome }).toMatchObject({ way, allowed: false, code: 'ERR_ACCESS_DENIED' });
}

/** The outcomes with `names` replaced, so two probes can be compared for what they reveal. */
const masked = (outcomes: Outcomes, ...names: string[]) =>
  JSON.parse(names.reduce((text, name) => text.split(name).join('NAME'), JSON.stringify(outcomes))) as Outcomes;

const DENIED_BUILTINS = [
  'sqlite', 'ffi', 'v8', 'vm', 'worker_threads', 'inspector', 'inspector/promises', 'trace_events', 'repl', 'wasi',
  'cluster', 'dgram', 'test', 'sea',
];
/** Builtins Node only knows with the `node:` prefix: without it, the name is an npm package. */
const SCHEME_ONLY = new Set(['sqlite', 'ffi', 'test', 'sea']);

describe.each(SANDBOX_MODES)('a hostile plugin against the Node layer of the sandbox (OS boundary: %s)', (mode) => {
  const client = () => world.client('hostile', mode);
  const whileAnotherPluginStreams = <T>(attempt: Parameters<typeof world.whileAnotherPluginStreams<T>>[1]) =>
    world.whileAnotherPluginStreams<T>(mode, attempt);

  it('cannot open the host\'s inspector with process._debugProcess(ppid)', async () => {
    const result = await whileAnotherPluginStreams((h) => attack(h, 'debug-process'));
    denied(result);
    expect(inspector.url()).toBeUndefined();
    expect(await listening(9229)).toBe(false);
    denied(await attack(await client(), 'debug-end'));
  });

  it('cannot kill another process of the user, nor tell which pids exist', async () => {
    const pid = sleeper.pid as number;
    const killed = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'signal-pid', { pid, signal: 'SIGKILL' }));
    allDenied(killed);
    const hostile = await client();
    const existing = await attack<Outcomes>(hostile, 'signal-pid', { pid, signal: 0 });
    const missing = await attack<Outcomes>(hostile, 'signal-pid', { pid: missingPid(), signal: 0 });
    const viaDebug = await attack(hostile, 'debug-process', { pid });
    const viaDebugMissing = await attack(hostile, 'debug-process', { pid: missingPid() });
    allDenied(existing);
    expect(missing).toEqual(existing);
    expect(viaDebugMissing).toEqual(viaDebug);
    await attack(hostile, 'signal-shifting-pid', { pid });
    await sleeperAnswers();
  });

  it('may lower its own priority but never raise it', async () => {
    const lowered = await whileAnotherPluginStreams((h) => attack(h, 'renice', { priority: 5 }));
    expect(lowered).toEqual({ allowed: true, value: '5' });
    const hostile = await client();
    denied(await attack(hostile, 'renice', { priority: -20 }));
    denied(await attack(hostile, 'renice', { pid: 'self', priority: -20 }));
    denied(await attack(hostile, 'renice', { pid: 0, priority: -1 }));
    expect(await attack(hostile, 'renice', { pid: 'self', priority: 10 })).toEqual({ allowed: true, value: '10' });
    denied(await attack(hostile, 'renice', { pid: 'self', priority: 9 }));
  });

  it('cannot change its identity or replace itself with another program', async () => {
    const marker = join(world.secrets, 'execve.txt');
    allDenied(await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'identity', { marker })));
    expect(readdirSync(world.secrets)).not.toContain('execve.txt');
  });

  it('cannot reach native bindings', async () => {
    allDenied(await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'bindings')));
  });

  it('cannot read or change the host app\'s SQLite database', async () => {
    const path = join(world.secrets, `app-${mode}.db`);
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE t(line); INSERT INTO t VALUES ('the app''s own data')");
    db.close();
    const before = createHash('sha256').update(readFileSync(path)).digest('hex');
    const result = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'sqlite-open', { path }));
    allDenied(result);
    expect(JSON.stringify(result)).not.toContain('own data');
    for (const outcome of Object.values(result)) expect(outcome.message).toContain("'node:sqlite'");
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
  });

  it('cannot create files with node:sqlite (new database, ATTACH, VACUUM INTO, backup)', async () => {
    const folder = join(world.secrets, 'sqlite-create');
    mkdirSync(folder, { recursive: true });
    const paths = Object.fromEntries(['created', 'attached', 'vacuumed', 'backedUp'].map((name) => [name, join(folder, `${name}.db`)]));
    allDenied(await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'sqlite-create', paths)));
    expect(readdirSync(folder)).toEqual([]);
  });

  it.each(DENIED_BUILTINS)('cannot load node:%s, however it asks for it', async (name) => {
    const outcomes = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'builtin-every-way', { name }));
    for (const [way, outcome] of Object.entries(outcomes)) {
      expect({ way, ...outcome }).toMatchObject({ way, allowed: false });
      if (SCHEME_ONLY.has(name) && way.endsWith('bare')) {
        // Without the prefix Node looks for an npm package of that name, or knows no builtin.
        expect(outcome.code).toMatch(/^(ERR_)?MODULE_NOT_FOUND$|^ERR_UNKNOWN_BUILTIN_MODULE$|^ERR_ACCESS_DENIED$/);
      } else {
        expect({ way, ...outcome }).toMatchObject({ way, code: 'ERR_ACCESS_DENIED' });
        expect(outcome.message).toContain(`'node:${name}'`);
        expect(outcome.message).toContain('the sandbox allows only these builtins: assert,');
      }
    }
  });

  it('gets only a refusing stand-in for node:child_process, however it asks for it', async () => {
    const marker = join(world.secrets, 'child-process.txt');
    const outcomes = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'child-process-every-way', { marker }));
    allDenied(outcomes);
    for (const outcome of Object.values(outcomes)) expect(outcome.message).toContain("'node:child_process'");
    expect(readdirSync(world.secrets)).not.toContain('child-process.txt');
  });

  it('cannot add a module hook of its own to get past the sandbox\'s', async () => {
    const outcomes = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'module-hook'));
    for (const [way, outcome] of Object.entries(outcomes)) expect({ way, ...outcome }).toMatchObject({ way, allowed: false });
    const { registerHooks, 'registerHooks via getBuiltinModule': viaGetBuiltin, 'register (off-thread hooks)': register } = outcomes;
    for (const outcome of [registerHooks, viaGetBuiltin, register]) {
      expect(outcome).toMatchObject({ code: 'ERR_ACCESS_DENIED', message: expect.stringContaining('may not add module hooks') });
    }
  });

  it('cannot tell whether a path outside its grant exists through realpath, nor where it leads', async () => {
    const existing = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'realpath-every-way', { path: world.homeSecret }));
    const missing = await attack<Outcomes>(await client(), 'realpath-every-way', { path: join(world.secrets, 'missing') });
    allDenied(existing);
    expect(JSON.stringify(existing)).not.toContain(world.homeSecret);
    expect(missing).toEqual(existing);
  });

  it('cannot tell whether a path outside its grant exists through any other fs call', async () => {
    const missingPath = join(world.secrets, 'missing');
    const existing = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'fs-every-way', { path: world.homeSecret }));
    const missing = await attack<Outcomes>(await client(), 'fs-every-way', { path: missingPath });
    expect(masked(missing, missingPath)).toEqual(masked(existing, world.homeSecret));
  });

  it('cannot tell whether a file outside its grant exists through the module resolver', async () => {
    const existing = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'resolve-every-way', { specifier: world.homeSecret }));
    const missing = await attack<Outcomes>(await client(), 'resolve-every-way', { specifier: join(world.secrets, 'missing.js') });
    allDenied(existing);
    expect(missing).toEqual(existing);
  });

  it('cannot tell which packages are installed beside it, outside its grant', async () => {
    // A package next to the plugin (the app's other dependencies), not one the plugin depends on.
    const neighbour = join(dirname(world.hostileCopy.dir), 'neighbour-package');
    mkdirSync(neighbour, { recursive: true });
    writeFileSync(join(neighbour, 'package.json'), JSON.stringify({ name: 'neighbour-package', main: 'index.js' }));
    writeFileSync(join(neighbour, 'index.js'), "module.exports = 'the neighbour'");
    const existing = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'resolve-every-way', { specifier: 'neighbour-package' }));
    const missing = await attack<Outcomes>(await client(), 'resolve-every-way', { specifier: 'nonexistent-package' });
    for (const [way, outcome] of Object.entries(existing)) expect({ way, ...outcome }).toMatchObject({ way, allowed: false });
    expect(masked(missing, 'nonexistent-package')).toEqual(masked(existing, 'neighbour-package'));
  });
});
