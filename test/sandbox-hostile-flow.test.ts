/**
 * A hostile plugin against flow control and the protocol's bounds (issue 8, class 4 and 5): chunks
 * past the window by count and by bytes, chunks and json together, credit inflation, fetch bodies
 * never credited or abandoned mid-way, huge notifications, request bodies piled up at a silent
 * server, a ping answered wrongly, fetches between calls. Each is killed or bounded; the host keeps
 * serving; a bystander plugin streaming at the same time finishes intact (test/support/hostile.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PluginCrashedError, PluginProtocolError, TimeoutError, registerPlugin, type AnyLLM } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const world = new HostileWorld();
const MiB = 1024 * 1024;
/** What `GET /flow/big` would send in all; a host that honours credit reads a small part of it. */
const BIG = 64 * MiB;
/** Bytes written so far by each `GET /flow/big` response. */
const bigWritten: number[] = [];
/** A server that accepts connections and never reads from them (an upstream that hangs). */
let silent: Server;
const silentSockets = new Set<Socket>();
/** The hostile plugin again, declaring the silent server too (the world's copy declares one origin). */
let flowCopy: PluginCopy;

async function big(res: ServerResponse): Promise<void> {
  const index = bigWritten.push(0) - 1;
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const piece = Buffer.alloc(64 * 1024, 97);
  let wake = () => {};
  res.on('drain', () => wake());
  res.on('close', () => wake());
  while (bigWritten[index] < BIG && !res.destroyed) {
    bigWritten[index] += piece.length;
    if (!res.write(piece)) await new Promise<void>((resolve) => (wake = resolve));
  }
  res.end();
}

beforeAll(async () => {
  await world.setUp();
  world.declared.on('GET', '/flow/big', (_req, res) => big(res));
  world.declared.on('GET', '/flow/hang', () => {});
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.pause();
    socket.on('close', () => silentSockets.delete(socket));
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  flowCopy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [world.declared.origin, `http://127.0.0.1:${port}`], (manifest) => {
    manifest.provider = 'hostileflow';
    manifest.env = ['HOSTILEFLOW_API_KEY'];
  });
  process.env.HOSTILEFLOW_API_KEY = 'hostileflow-own-key';
  await registerPlugin(flowCopy.dir);
});

afterEach(() => world.closeClients());

afterAll(async () => {
  await world.tearDown();
  for (const socket of silentSockets) socket.destroy();
  silent.close();
  flowCopy.remove();
});

const silentUrl = () => `http://127.0.0.1:${(silent.address() as { port: number }).port}/upload`;
const bigUrl = () => `${world.declared.origin}/flow/big`;

/** Runs a streaming attack: reads one chunk, then waits for the plugin to end; its exit reason. */
async function streamAttack(h: AnyLLM, name: string, args: object): Promise<string> {
  const exited = new Promise<string>((done) => h.on('plugin:exit', (event) => done(event.reason)));
  const stream = h.completionStream({ model: name, messages: [{ role: 'user', content: JSON.stringify(args) }] });
  // The consumer reads one chunk (or learns the stream failed) and then reads nothing more.
  const first = await stream.next().then(
    (result) => JSON.stringify(result).slice(0, 200),
    (error: unknown) => String(error),
  );
  const timeout = new Promise<string>((done) => setTimeout(() => done(`still running after 20 s (first: ${first})`), 20_000).unref());
  const reason = await Promise.race([exited, timeout]);
  await stream.return();
  return reason;
}

/** Runs an attack that must get the plugin killed; the error the call failed with. */
const killed = (h: AnyLLM, name: string, args: object, timeoutMs = 20_000) =>
  attack(h, name, args, timeoutMs).then(
    (outcome) => new Error(`the attack was not stopped: ${JSON.stringify(outcome)}`),
    (error: unknown) => error as Error,
  );

describe.each(SANDBOX_MODES)('a hostile plugin against flow control (OS boundary: %s)', (mode) => {
  const run = <T>(attempt: (hostile: AnyLLM) => Promise<T>, options?: Record<string, unknown>) =>
    world.whileAnotherPluginStreams<T>(mode, attempt, options);

  describe('stream chunks', () => {
    it('is killed when it sends 1.9 M chunks for a consumer that read one (the window counts chunks)', async () => {
      const reason = await run((h) => streamAttack(h, 'flow-chunks', { batches: 30_000 }));
      expect(reason).toMatch(/broke the protocol: it sent 64 items .* beyond the window of 1024 \/ \d+ \(stream \d+\)/);
    });

    it('is killed when a few huge chunks pass the window in bytes (40 chunks of 48 MiB, scaled down)', async () => {
      // Three batches of one 5 MiB chunk: the third starts beyond the 8 MiB window.
      const reason = await run((h) => streamAttack(h, 'flow-chunks', { batches: 40, perBatch: 1, size: 5 * MiB }));
      expect(reason).toMatch(/broke the protocol: it sent 1 items \/ \d+ bytes with 2 \/ \d+ already outstanding, beyond the window of 1024 \/ 8388608 \(stream \d+\)/);
    });

    it('is killed for one chunk batch over the $/chunks cap, and refused before parsing past the largest cap', async () => {
      const over = await run((h) => streamAttack(h, 'flow-chunks', { batches: 1, perBatch: 1, size: 20 * MiB }));
      expect(over).toMatch(/broke the protocol: it sent a '\$\/chunks' message of \d+ bytes, over its cap of 16777216/);
      const huge = await streamAttack(await world.client('hostile', mode), 'flow-chunks', { batches: 1, perBatch: 1, size: 48 * MiB });
      expect(huge).toMatch(/broke the protocol: it sent a message longer than \d+ characters/);
    });

    it('is killed for a batch carrying chunks and json at once (the guard and the supervisor read the same value)', async () => {
      const both = await run((h) => streamAttack(h, 'flow-chunks-and-json', { both: true }));
      expect(both).toMatch(/broke the protocol: it sent a chunk batch with both or neither of chunks and json/);
      const json = await streamAttack(await world.client('hostile', mode), 'flow-chunks-and-json', { both: false });
      expect(json).toMatch(/broke the protocol: it sent chunks as JSON text, not the encoding the host asked for/);
    });
  });

  describe('fetch bodies', () => {
    it('is killed when it credits a body beyond what the host sent (1e12), or a body that is not open', async () => {
      const inflated = await run((h) => killed(h, 'flow-credit-inflation', { url: bigUrl(), credits: 1e12, bytes: 1e12 }));
      expect(inflated).toBeInstanceOf(PluginProtocolError);
      expect(inflated.message).toMatch(/broke the protocol: it granted credit for 1000000000000 messages .* when only \d+ \/ \d+ were outstanding/);
      const forged = await killed(await world.client('hostile', mode), 'flow-credit-inflation', { url: bigUrl(), credits: 1, bytes: 1, stream: 424242 });
      expect(forged.message).toMatch(/broke the protocol: it credited fetch body 424242, which is not open/);
    });

    it('never reads more of a body than its window while the plugin credits nothing, and aborts it when the call ends', async () => {
      const from = bigWritten.length;
      const aborted = world.declared.nextAbort();
      const outcome = await run((h) => attack(h, 'flow-never-credit', { url: bigUrl(), ms: 1_500 }));
      expect(outcome).toEqual({ status: 200 });
      await aborted;
      expect(bigWritten.length).toBe(from + 1);
      // 64 MiB offered; the host took its window (4 MiB) and what the sockets buffer, then stopped.
      expect(bigWritten[from]).toBeLessThan(BIG / 2);
    });

    it('is reported as crashed when it dies in the middle of a body, and upstream is aborted', async () => {
      const aborted = world.declared.nextAbort();
      const error = await run((h) => killed(h, 'flow-die-mid-body', { url: bigUrl() }));
      expect(error).toBeInstanceOf(PluginCrashedError);
      expect(error.message).toMatch(/exited with code 3/);
      await aborted;
    });

    it('cannot pile up bodies in the host when it stops reading its input', async () => {
      const from = bigWritten.length;
      const error = await run((h) => killed(h, 'flow-stop-reading', { url: bigUrl(), count: 8 }, 3_000));
      expect(error).toBeInstanceOf(TimeoutError);
      for (const written of bigWritten.slice(from)) expect(written).toBeLessThan(BIG / 2);
    });

    it('holds at most 64 MiB of request bodies for a silent server: 32 bodies of 30 MiB are mostly refused', async () => {
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const outcome = await run(async () => {
          const flow = await world.client('hostileflow', mode);
          return attack<{ sent: number; refused: number }>(flow, 'flow-bodies', { url: silentUrl(), count: 32, megabytes: 30 }, 60_000);
        });
        // Two fit in the 64 MiB the host holds for a plugin and the rest are refused with an error;
        // one more may fit when the kernel has taken a body off the host's hands meanwhile (a busy machine).
        expect(outcome.sent).toBe(32);
        expect(outcome.refused).toBeGreaterThanOrEqual(28);
      } finally {
        clearInterval(sampler);
      }
      // Loose: the red team's unbounded version put the host at 7.1 GB.
      expect(peak - before).toBeLessThan(1024 * MiB);
    }, 120_000);

    it('is killed for a request body over the per-request cap, before parsing when past the largest cap', async () => {
      const flow = await world.client('hostileflow', mode);
      const over = await run(() => killed(flow, 'flow-bodies', { url: silentUrl(), count: 1, megabytes: 33 }, 30_000));
      expect(over.message).toMatch(/broke the protocol: it sent the body is larger than 33554432 bytes/);
      const huge = await killed(await world.client('hostileflow', mode), 'flow-bodies', { url: silentUrl(), count: 1, megabytes: 40 }, 30_000);
      expect(huge.message).toMatch(/broke the protocol: it sent a message longer than \d+ characters/);
    }, 60_000);
  });

  describe('notifications', () => {
    it('is killed for a $/cancel carrying millions of numbers, refused before it is parsed', async () => {
      const error = await run((h) => killed(h, 'flow-huge-cancel', { numbers: 8_000_000 }));
      expect(error.message).toMatch(/broke the protocol: it sent a message longer than \d+ characters/);
    });

    it('is killed for a $/cancel over its 1 KiB cap, or with members it does not have', async () => {
      const big = await run((h) => killed(h, 'flow-huge-cancel', { numbers: 200_000 }));
      expect(big.message).toMatch(/broke the protocol: it sent a '\$\/cancel' message of \d+ bytes, over its cap of 1024/);
      const extra = await killed(await world.client('hostile', mode), 'flow-huge-cancel', { extra: true });
      expect(extra.message).toMatch(/broke the protocol: it sent a cancel with the unexpected member 'pad'/);
    });

    it('cannot starve the host with a flood of meaningful messages (100 000 valid one-byte credits)', async () => {
      const outcome = await run((h) => attack(h, 'flow-credit-flood', { url: bigUrl(), count: 100_000 }, 20_000));
      expect(outcome).toEqual({ flooded: 100_000 });
    });
  });

  describe('supervision', () => {
    const heartbeat = { supervision: { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 60_000 } };

    it('is killed when it answers a ping with an error (and then spins forever)', async () => {
      const error = await run((h) => killed(h, 'flow-ping-answer', { answer: 'error' }, 15_000), heartbeat);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect(error.message).toMatch(/broke the protocol: it answered \$\/ping with an error: not now/);
    });

    it('is killed when it answers a ping with another result', async () => {
      const error = await run((h) => killed(h, 'flow-ping-answer', { answer: { ok: false } }, 15_000), heartbeat);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect(error.message).toMatch(/answered \$\/ping with \{"ok":false\} instead of \{ ok: true \}/);
    });

    it('does not keep a one-shot host script alive by fetching between calls', async () => {
      await run(async () => {
        const script = resolve('test/scripts/flow-fetch-between-calls.mjs');
        const child = spawn(process.execPath, [script, world.hostileCopy.dir, world.declared.origin, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (text: Buffer) => (out += String(text)));
        child.stderr.resume();
        // Generous: a cold start and a call; without the fix it never exits (the hanging fetch holds it).
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
        clearTimeout(timer);
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(out).toMatch(/returned .*"allowed":true/);
      });
    }, 60_000);
  });
});
