/**
 * The edges of the newline-delimited JSON transport (src/protocol/stdio-transport.ts): the line cap
 * at exactly its length, blank lines, what a closed transport still does, one write per tick, the
 * pending-write bound and the drain waits. Data is handed to the transport by emitting it on the
 * input stream, so each step is synchronous and a throw would surface in the test.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdioTransport, type StdioTransportOptions } from 'anyllm/internal/protocol/stdio-transport.js';

function reader(options: StdioTransportOptions = {}) {
  const input = new PassThrough();
  const received: [unknown, number | undefined][] = [];
  const errors: string[] = [];
  const transport = new StdioTransport(input, new PassThrough(), { onFramingError: (e) => errors.push(e.reason), ...options });
  transport.onMessage((message, size) => received.push([message, size]));
  const feed = (text: string) => input.emit('data', text);
  return { input, transport, received, errors, feed };
}

/** An output that takes nothing until released, recording each write call (writev counts once). */
function slowOutput(highWaterMark = 16 * 1024) {
  const calls: number[] = [];
  const held: (() => void)[] = [];
  const output = new Writable({
    highWaterMark,
    write(_chunk, _encoding, done) {
      calls.push(1);
      held.push(done);
    },
    writev(chunks, done) {
      calls.push(chunks.length);
      held.push(done);
    },
  });
  const release = () => {
    for (const done of held.splice(0)) done();
  };
  return { output, calls, release };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
const message = (n: number) => ({ jsonrpc: '2.0' as const, method: 'm', params: { n } });

describe('stdio transport: reading lines', () => {
  it('takes a line of exactly the cap and refuses one character more, with or without its newline', () => {
    const line = (length: number) => `{"a":"${'x'.repeat(length - 8)}"}`;
    let r = reader({ maxLineLength: 100 });
    r.feed(`${line(100)}\n`);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.[1]).toBe(100);
    r.feed(line(100));
    expect(r.errors).toEqual([]);
    r.feed('\n');
    expect(r.received).toHaveLength(2);
    r = reader({ maxLineLength: 100 });
    r.feed(`${line(101)}\n`);
    expect(r.errors).toEqual(['a message longer than 100 characters']);
    r = reader({ maxLineLength: 100 });
    r.feed(`{"jsonrpc":"2.0","method":"a"}\n${line(101)}`);
    expect(r.errors).toEqual(['a message longer than 100 characters']);
    r = reader({ maxLineLength: 100 });
    r.feed(line(101));
    expect(r.errors).toEqual(['a message longer than 100 characters']);
    r = reader({ maxLineLength: 100 });
    r.feed(`{"jsonrpc":"2.0","method":"a"}\n${line(100)}`);
    expect(r.errors).toEqual([]);
  });

  it('by default takes lines of many megabytes', () => {
    const r = reader();
    r.feed(`{"a":"${'x'.repeat(4 * 1024 * 1024)}"}\n`);
    expect(r.errors).toEqual([]);
    expect(r.received).toHaveLength(1);
  });

  it('skips blank and whitespace-only lines', () => {
    const r = reader();
    r.feed('\n   \n\t\r\n{"jsonrpc":"2.0","method":"a"}\n\n');
    expect(r.errors).toEqual([]);
    expect(r.received.map(([m]) => m)).toEqual([{ jsonrpc: '2.0', method: 'a' }]);
  });

  it('quotes at most 80 characters of a line that is not JSON', () => {
    const r = reader();
    r.feed(`${'y'.repeat(200)}\n`);
    expect(r.errors).toEqual([`a line that is not JSON: "${'y'.repeat(80)}"`]);
  });

  it('reports one framing error per transport, even with more bad text in the same read', () => {
    const r = reader({ maxLineLength: 50 });
    r.feed(`not json\n${'z'.repeat(60)}`);
    expect(r.errors).toEqual(['a line that is not JSON: "not json"']);
    r.feed(`${'z'.repeat(60)}\n`);
    expect(r.errors).toHaveLength(1);
  });

  it('lets checkLine refuse a line before it is parsed', () => {
    const r = reader({ checkLine: (line) => (line.includes('bad') ? 'a bad line' : undefined) });
    r.feed('{"jsonrpc":"2.0","method":"ok"}\n{"bad":1}\n');
    expect(r.received).toHaveLength(1);
    expect(r.errors).toEqual(['a bad line']);
  });

  it('works without a listener or a framing-error callback (nothing thrown)', () => {
    const input = new PassThrough();
    const transport = new StdioTransport(input, new PassThrough());
    expect(() => input.emit('data', '{"jsonrpc":"2.0","method":"a"}\nnot json\n')).not.toThrow();
    transport.close();
  });

  it('close stops reading: the input listener is removed and later data is ignored', () => {
    const r = reader();
    expect(r.input.listenerCount('data')).toBe(1);
    r.feed('{"jsonrpc":"2.0",');
    r.transport.close();
    expect(r.input.listenerCount('data')).toBe(0);
    r.feed('"method":"a"}\n');
    expect(r.received).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('a listener that closes the transport stops delivery of the rest of the read', () => {
    const input = new PassThrough();
    const transport = new StdioTransport(input, new PassThrough());
    const got: unknown[] = [];
    transport.onMessage((m) => {
      got.push(m);
      transport.close();
    });
    input.emit('data', '{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n');
    expect(got).toHaveLength(1);
  });
});

describe('stdio transport: writing', () => {
  it('sends nothing once closed, once its output is destroyed, or once it ended', () => {
    for (const stop of ['close', 'destroy', 'end'] as const) {
      const { output, calls } = slowOutput();
      output.on('error', () => {});
      const transport = new StdioTransport(new PassThrough(), output);
      if (stop === 'close') transport.close();
      else if (stop === 'destroy') output.destroy();
      else output.end();
      expect(transport.send(message(1))).toBeUndefined();
      expect(transport.sendJson(JSON.stringify(message(2)))).toBeUndefined();
      expect(calls).toEqual([]);
    }
  });

  it('returns the length of the line it wrote', () => {
    const transport = new StdioTransport(new PassThrough(), new PassThrough());
    expect(transport.send(message(1))).toBe(JSON.stringify(message(1)).length);
  });

  it('writes a message given as its JSON text as that line, as send() writes the message', async () => {
    const output = new PassThrough();
    let written = '';
    output.on('data', (bytes: Buffer) => (written += bytes.toString('utf8')));
    const transport = new StdioTransport(new PassThrough(), output);
    const text = JSON.stringify(message(2));
    expect(transport.send(message(2))).toBe(text.length);
    expect(transport.sendJson(text)).toBe(text.length);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(`${text}\n${text}\n`);
  });

  it('messages sent in one tick leave in one write, and the next tick\'s in another', async () => {
    const { output, calls, release } = slowOutput();
    const transport = new StdioTransport(new PassThrough(), output);
    transport.send(message(1));
    transport.send(message(2));
    transport.send(message(3));
    expect(calls).toEqual([]);
    await tick();
    expect(calls).toEqual([3]);
    release();
    transport.send(message(4));
    transport.send(message(5));
    await tick();
    expect(calls).toEqual([3, 2]);
  });

  it('reports pending writes past the bound once, not at the bound', () => {
    const { output } = slowOutput(1 << 30);
    const overflows: number[] = [];
    const one = JSON.stringify(message(1)).length + 1;
    const transport = new StdioTransport(new PassThrough(), output, { maxPendingWrite: one, onWriteOverflow: (p) => overflows.push(p) });
    transport.send(message(1));
    expect(overflows).toEqual([]);
    transport.send(message(2));
    transport.send(message(3));
    expect(overflows).toEqual([2 * one]);
  });

  it('by default lets hundreds of kilobytes wait, and needs no overflow callback', () => {
    const { output } = slowOutput(1 << 30);
    const overflows: number[] = [];
    const transport = new StdioTransport(new PassThrough(), output, { onWriteOverflow: (p) => overflows.push(p) });
    for (let i = 0; i < 100; i++) transport.send({ jsonrpc: '2.0', method: 'm', params: 'x'.repeat(10_000) });
    expect(overflows).toEqual([]);
    const quiet = new StdioTransport(new PassThrough(), slowOutput(1 << 30).output, { maxPendingWrite: 1 });
    expect(() => quiet.send(message(1))).not.toThrow();
  });
});

describe('stdio transport: backpressure', () => {
  it('is not backed up while the output takes data; drained() then resolves at once', async () => {
    const transport = new StdioTransport(new PassThrough(), new PassThrough());
    // A text channel: it measures each message (a stream's batches go as chunk objects).
    expect(transport.measured).toBe(true);
    expect(transport.backedUp).toBe(false);
    await expect(transport.drained()).resolves.toBeUndefined();
  });

  it('is backed up past the output\'s high-water mark; drained() waits for the drain', async () => {
    const { output, release } = slowOutput(10);
    const transport = new StdioTransport(new PassThrough(), output);
    transport.send(message(1));
    await tick();
    expect(transport.backedUp).toBe(true);
    let drained = false;
    const waiting = transport.drained().then(() => (drained = true));
    const second = transport.drained();
    await tick();
    expect(drained).toBe(false);
    release();
    await waiting;
    await second;
    expect(transport.backedUp).toBe(false);
  });

  it('a destroyed output is not backed up, and wakes whoever waits on it (close, error)', async () => {
    for (const end of ['close', 'error'] as const) {
      const { output } = slowOutput(10);
      output.on('error', () => {});
      const transport = new StdioTransport(new PassThrough(), output);
      transport.send(message(1));
      await tick();
      expect(transport.backedUp).toBe(true);
      const waiting = transport.drained();
      if (end === 'error') output.emit('error', new Error('EPIPE'));
      else output.emit('close');
      await expect(waiting).resolves.toBeUndefined();
      output.destroy();
      expect(transport.backedUp).toBe(false);
    }
  });
});
