/**
 * A red-team pass on the plugin's own process (issue 8): doors to builtins the allowlist did not
 * name (`Module._load`'s internal fourth argument), and guarantees no other suite pins: writers that
 * skip a path check (diagnostic reports, the compile cache, descriptor-based chmod/chown/utimes),
 * reads outside the grant by other calls (watchFile, openAsBlob, read streams), unix-domain and
 * abstract sockets, the plugin's own inspector, and DNS through a resolver of its own. Every attack
 * runs under each OS-boundary mode, beside a second plugin that streams and must finish intact.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attack, HostileWorld, SANDBOX_MODES, type Attempt } from './support/hostile.js';

const world = new HostileWorld();

beforeAll(() => world.setUp());
afterEach(() => world.closeClients());
afterAll(() => world.tearDown());

type Outcomes = Record<string, Attempt>;

/** Every outcome refused with ERR_ACCESS_DENIED. */
function allDenied(outcomes: Outcomes): void {
  expect(Object.keys(outcomes).length).toBeGreaterThan(0);
  for (const [way, outcome] of Object.entries(outcomes)) expect({ way, ...outcome }).toMatchObject({ way, allowed: false, code: 'ERR_ACCESS_DENIED' });
}

/** A unix-socket server at `path` that counts the connections it accepted. */
async function socketServer(path: string): Promise<{ server: Server; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  server.listen(path);
  await once(server, 'listening');
  return { server, accepted: () => accepted };
}

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

describe.each(SANDBOX_MODES)('a hostile plugin against its own process (OS boundary: %s)', (mode) => {
  const whileAnotherPluginStreams = <T>(attempt: Parameters<typeof world.whileAnotherPluginStreams<T>>[1]) =>
    world.whileAnotherPluginStreams<T>(mode, attempt);

  // Module._load(request, parent, isMain, { resolved }) loaded the builtin named by `filename` while
  // the load hook was shown `url`: { url: 'node:fs', filename: 'v8' } gave node:v8, whose
  // setFlagsFromString('--allow-natives-syntax') gives V8's natives (memory corruption).
  it.each(['v8', 'vm', 'worker_threads', 'inspector', 'cluster', 'child_process'])(
    'cannot load node:%s through Module._load with a pre-resolved filename',
    async (name) => {
      const { 'getter answering twice': twice, ...outcomes } = await whileAnotherPluginStreams((h) =>
        attack<Outcomes>(h, 'red1-preresolved-builtin', { name }),
      );
      allDenied(outcomes);
      for (const outcome of Object.values(outcomes)) expect(outcome.message).toContain(`'node:${name}'`);
      // Read once, `resolved` was absent: 'innocent' is looked up as the package it names, and is none.
      expect(twice).toMatchObject({ allowed: false, code: 'MODULE_NOT_FOUND' });
    },
  );

  it('cannot turn on V8 natives syntax', async () => {
    const outcome = await whileAnotherPluginStreams((h) => attack(h, 'red1-v8-natives'));
    expect(outcome).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
    expect(outcome.message).toContain("'node:v8'");
  });

  it('cannot write through calls that take no path or a descriptor (reports, compile cache, fchmod, futimes)', async () => {
    const dir = join(world.secrets, `writers-${mode}`);
    const granted = join(world.hostileCopy.dir, 'package.json');
    const before = { stat: statSync(granted), text: readFileSync(granted, 'utf8') };
    allDenied(await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'red1-writers', { dir, granted })));
    expect(readdirSync(world.secrets)).not.toContain(`writers-${mode}`);
    const after = statSync(granted);
    expect({ mode: after.mode, uid: after.uid, mtimeMs: after.mtimeMs, text: readFileSync(granted, 'utf8') }).toEqual({
      mode: before.stat.mode,
      uid: before.stat.uid,
      mtimeMs: before.stat.mtimeMs,
      text: before.text,
    });
  });

  it('cannot read outside its grant with watchFile, openAsBlob or a read stream', async () => {
    const outcomes = await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'red1-readers', { path: world.homeSecret }));
    allDenied(outcomes);
    expect(JSON.stringify(outcomes)).not.toContain('home-secret-value');
  });

  it('cannot connect to or listen on unix-domain or abstract sockets', async () => {
    const path = join(world.secrets, `red1-${mode}.sock`);
    const abstract = `anyllm-red1-${process.pid}-${mode}`;
    const onPath = await socketServer(path);
    const onAbstract = await socketServer(`\0${abstract}`);
    try {
      const listenPath = join(world.secrets, `red1-listen-${mode}.sock`);
      allDenied(await whileAnotherPluginStreams((h) => attack<Outcomes>(h, 'red1-unix-sockets', { path, abstract, listenPath })));
      expect(onPath.accepted() + onAbstract.accepted()).toBe(0);
      expect(readdirSync(world.secrets)).not.toContain(`red1-listen-${mode}.sock`);
    } finally {
      onPath.server.close();
      onAbstract.server.close();
    }
  });

  it('opens no inspector of its own when it sends itself SIGUSR1', async () => {
    const before = await listening(9229);
    const outcome = await whileAnotherPluginStreams((h) => attack(h, 'red1-self-sigusr1'));
    // The signal is its own to send (itself); what matters is that no inspector port opens.
    expect(outcome).toEqual({ allowed: true, value: 'signalled' });
    expect(before).toBe(false);
    expect(await listening(9229)).toBe(false);
  });

  it('cannot send DNS queries to a resolver of its own choosing', async () => {
    const server = createSocket('udp4');
    let received = 0;
    server.on('message', () => received++);
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const outcome = await whileAnotherPluginStreams((h) =>
        attack(h, 'red1-own-resolver', { server: `127.0.0.1:${server.address().port}` }),
      );
      expect(outcome).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
      expect(received).toBe(0);
    } finally {
      server.close();
    }
  });
});
