/**
 * The one credit rule (src/protocol/flow-control.ts) at its boundaries, the method map's caps and
 * checks, the stdio transport's write bound, and the fetch proxy's pump honouring credit and the
 * pipe. These pin `>` against `>=`, the half-window grant and credit beyond what is outstanding.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CreditReceiver, CreditSender, isCredit } from 'anyllm/internal/protocol/flow-control.js';
import {
  base64Length,
  checkFetchRequest,
  checkPingResult,
  MAX_FETCH_BODY,
  MAX_PLUGIN_MESSAGE,
  METHODS,
  Method,
  methodSpec,
} from 'anyllm/internal/protocol/methods.js';
import { StdioTransport } from 'anyllm/internal/protocol/stdio-transport.js';
import { serveFetchProxy } from 'anyllm/internal/host/fetch-proxy.js';
import type { Connection } from 'anyllm/internal/protocol/connection.js';

describe('CreditSender', () => {
  it('may send while items fit the message window exactly, not one more', () => {
    const credit = new CreditSender({ messages: 4, bytes: 100 });
    expect(credit.canSend(4)).toBe(true);
    expect(credit.canSend(5)).toBe(false);
    credit.sent(3, 10);
    expect(credit.canSend(1)).toBe(true);
    expect(credit.canSend(2)).toBe(false);
  });

  it('checks bytes before the message: room while below the byte window, none at it', () => {
    const credit = new CreditSender({ messages: 100, bytes: 100 });
    credit.sent(1, 99);
    expect(credit.canSend(1)).toBe(true);
    credit.sent(1, 1);
    expect(credit.outstanding).toEqual({ messages: 2, bytes: 100 });
    expect(credit.canSend(1)).toBe(false);
  });

  it('takes a grant up to what is outstanding, and refuses (unchanged) one beyond it', () => {
    const credit = new CreditSender({ messages: 10, bytes: 1000 });
    credit.sent(4, 400);
    expect(credit.take({ messages: 5, bytes: 0 })).toMatch(/granted credit for 5 messages \/ 0 bytes when only 4 \/ 400 were outstanding/);
    expect(credit.take({ messages: 0, bytes: 401 })).toMatch(/0 messages \/ 401 bytes when only 4 \/ 400/);
    expect(credit.outstanding).toEqual({ messages: 4, bytes: 400 });
    expect(credit.take({ messages: 4, bytes: 400 })).toBeUndefined();
    expect(credit.outstanding).toEqual({ messages: 0, bytes: 0 });
  });

  it('wait() resolves at once (no promise) with room, later on credit, and rejects on abort', async () => {
    const credit = new CreditSender({ messages: 2, bytes: 100 });
    expect(credit.wait(2)).toBeUndefined();
    credit.sent(2, 20);
    const waiting = credit.wait(1);
    expect(waiting).toBeInstanceOf(Promise);
    let woke = false;
    void waiting!.then(() => (woke = true));
    credit.take({ messages: 0, bytes: 20 });
    await Promise.resolve();
    expect(woke).toBe(false);
    credit.take({ messages: 1, bytes: 0 });
    await waiting;
    expect(woke).toBe(true);
    credit.sent(1, 0);
    const controller = new AbortController();
    const aborted = credit.wait(1, controller.signal)!;
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('CreditReceiver', () => {
  it('accepts a batch that fills the message window exactly, and reports the one past it', () => {
    const credit = new CreditReceiver({ messages: 4, bytes: 1000 });
    expect(credit.received(4, 10)).toBeUndefined();
    expect(credit.full).toBe(true);
    expect(credit.received(1, 1)).toMatch(/sent 1 items \/ 1 bytes with 4 \/ 10 already outstanding, beyond the window of 4 \/ 1000/);
  });

  it('accepts a message while bytes are below the window (one may overshoot), reports one at or past it', () => {
    const credit = new CreditReceiver({ messages: 100, bytes: 100 });
    expect(credit.received(1, 99)).toBeUndefined();
    expect(credit.full).toBe(false);
    expect(credit.received(1, 500)).toBeUndefined();
    expect(credit.full).toBe(true);
    expect(credit.received(1, 1)).toMatch(/beyond the window/);
  });

  it('grants once half the message window is consumed, not before, and exactly what was consumed', () => {
    const credit = new CreditReceiver({ messages: 10, bytes: 1_000_000 });
    credit.received(10, 100);
    for (let i = 0; i < 4; i++) expect(credit.consumed(1, 10)).toBeUndefined();
    expect(credit.consumed(1, 10)).toEqual({ messages: 5, bytes: 50 });
    expect(credit.outstanding).toEqual({ messages: 5, bytes: 50 });
    for (let i = 0; i < 4; i++) expect(credit.consumed(1, 10)).toBeUndefined();
    expect(credit.consumed(1, 10)).toEqual({ messages: 5, bytes: 50 });
  });

  it('grants once half the byte window is consumed, whatever the count', () => {
    const credit = new CreditReceiver({ messages: 1000, bytes: 100 });
    credit.received(2, 100);
    expect(credit.consumed(1, 49)).toBeUndefined();
    expect(credit.consumed(1, 1)).toEqual({ messages: 2, bytes: 50 });
  });

  it('a sender and a receiver on the same window never disagree, and a full sender is always released', () => {
    const window = { messages: 7, bytes: 300 };
    const sender = new CreditSender(window);
    const receiver = new CreditReceiver(window);
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const queue: [number, number][] = [];
    for (let step = 0; step < 5000; step++) {
      const items = 1 + Math.floor(random() * 3);
      if (sender.canSend(items)) {
        const bytes = Math.floor(random() * 120);
        sender.sent(items, bytes);
        expect(receiver.received(items, bytes)).toBeUndefined();
        queue.push([items, bytes]);
      } else {
        // The consumer reads everything buffered, each grant going back: the sender must have room then.
        for (const [items, bytes] of queue.splice(0)) {
          const grant = receiver.consumed(items, bytes);
          if (grant) expect(sender.take(grant)).toBeUndefined();
        }
        expect(sender.canSend(1)).toBe(true);
        expect(sender.outstanding).toEqual(receiver.outstanding);
      }
    }
  });

  it('isCredit wants non-negative integers, not both zero', () => {
    expect(isCredit({ messages: 1, bytes: 0 })).toBe(true);
    expect(isCredit({ messages: 0, bytes: 0 })).toBe(false);
    expect(isCredit({ messages: -1, bytes: 5 })).toBe(false);
    expect(isCredit({ messages: 0.5, bytes: 5 })).toBe(false);
  });
});

describe('the method map', () => {
  it('gives every method a plugin sends or answers a size cap, and the line cap is the largest of them', () => {
    for (const [name, spec] of Object.entries(METHODS)) {
      if (spec.from === 'host' && spec.kind === 'notification') continue;
      expect(spec.maxBytes, name).toBeGreaterThan(0);
    }
    expect(MAX_PLUGIN_MESSAGE).toBe(METHODS[Method.fetch].maxBytes);
    expect(MAX_PLUGIN_MESSAGE).toBeGreaterThan((MAX_FETCH_BODY / 3) * 4);
    expect(methodSpec('constructor')).toBeUndefined();
  });

  it('checks $/chunks: one of chunks or json, 1 to 256 objects, no other members', () => {
    const check = METHODS[Method.chunks].checkParams!;
    expect(check({ id: 1, chunks: [{}] })).toBeUndefined();
    expect(check({ id: 1, json: '[]' })).toBeUndefined();
    expect(check({ id: 1, chunks: [{}], json: '[{}]' })).toMatch(/both or neither/);
    expect(check({ id: 1 })).toMatch(/both or neither/);
    expect(check({ id: 1, chunks: [] })).toMatch(/1 to 256/);
    expect(check({ id: 1, chunks: Array(257).fill({}) })).toMatch(/1 to 256/);
    expect(check({ id: 1, chunks: Array(256).fill({}) })).toBeUndefined();
    expect(check({ id: 1, chunks: [null] })).toMatch(/not an object/);
    expect(check({ id: 1, chunks: [{}], extra: 1 })).toMatch(/unexpected member 'extra'/);
    expect(check({ id: {}, chunks: [{}] })).toMatch(/not a request id/);
  });

  it('checks $/fetchCredit and $/cancel', () => {
    const credit = METHODS[Method.fetchCredit].checkParams!;
    expect(credit({ stream: 1, credits: 1, bytes: 0 })).toBeUndefined();
    expect(credit({ stream: 1, credits: 0, bytes: 0 })).toMatch(/positive count/);
    expect(credit({ stream: 1, credits: 1 })).toMatch(/positive count/);
    expect(credit({ stream: 1.5, credits: 1, bytes: 1 })).toMatch(/not an integer/);
    const cancel = METHODS[Method.cancel].checkParams!;
    expect(cancel({ id: 3 })).toBeUndefined();
    expect(cancel({ id: [1, 2] })).toMatch(/not a request id/);
  });

  it('checks a fetch, with its body no larger than the cap (decoded size, not text length)', () => {
    const base = { stream: 1, url: 'https://a.example/x', method: 'POST', headers: [['a', 'b']] };
    expect(checkFetchRequest(base)).toBeUndefined();
    expect(checkFetchRequest({ ...base, url: 'file:///etc/passwd' })).toMatch(/file: URLs are not fetched/);
    expect(checkFetchRequest({ ...base, headers: [['a']] })).toMatch(/pairs/);
    expect(base64Length('QUJD')).toBe(3);
    expect(base64Length('QUI=')).toBe(2);
    expect(base64Length('QQ==')).toBe(1);
    const atCap = Buffer.alloc(MAX_FETCH_BODY).toString('base64');
    expect(base64Length(atCap)).toBe(MAX_FETCH_BODY);
    expect(checkFetchRequest({ ...base, body: atCap })).toBeUndefined();
    expect(checkFetchRequest({ ...base, body: Buffer.alloc(MAX_FETCH_BODY + 1).toString('base64') })).toMatch(/larger than/);
  });

  it('accepts exactly { ok: true } as a ping answer', () => {
    expect(checkPingResult({ ok: true })).toBeUndefined();
    expect(checkPingResult({ ok: false })).toMatch(/instead of/);
    expect(checkPingResult({ ok: true, extra: 1 })).toMatch(/instead of/);
    expect(checkPingResult(null)).toMatch(/instead of/);
  });
});

describe('StdioTransport writes', () => {
  /** A peer that never reads. */
  const stuck = () => new Writable({ highWaterMark: 1024, write: () => {} });

  it('reports each message\'s size (what the peer will count) and whether the peer is behind', async () => {
    const output = stuck();
    const transport = new StdioTransport(new PassThrough(), output);
    const size = transport.send({ jsonrpc: '2.0', method: 'x', params: { a: 'é' } });
    expect(size).toBe(JSON.stringify({ jsonrpc: '2.0', method: 'x', params: { a: 'é' } }).length);
    await new Promise(setImmediate);
    expect(transport.backedUp).toBe(false);
    transport.send({ jsonrpc: '2.0', method: 'x', params: 'y'.repeat(2000) });
    await new Promise(setImmediate);
    expect(transport.backedUp).toBe(true);
  });

  it('reports once that the peer stopped reading when more than the bound waits', async () => {
    const overflows: number[] = [];
    const transport = new StdioTransport(new PassThrough(), stuck(), { maxPendingWrite: 10_000, onWriteOverflow: (n) => overflows.push(n) });
    for (let i = 0; i < 9; i++) transport.send({ jsonrpc: '2.0', method: 'x', params: 'y'.repeat(1000) });
    expect(overflows).toEqual([]);
    transport.send({ jsonrpc: '2.0', method: 'x', params: 'y'.repeat(1000) });
    transport.send({ jsonrpc: '2.0', method: 'x', params: 'y'.repeat(1000) });
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeGreaterThan(10_000);
  });

  it('counts a received line\'s length as its size', () => {
    const input = new PassThrough();
    const transport = new StdioTransport(input, stuck());
    const sizes: (number | undefined)[] = [];
    transport.onMessage((_message, size) => sizes.push(size));
    input.write('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"bb"}\n');
    return new Promise<void>((done) =>
      setImmediate(() => {
        expect(sizes).toEqual([30, 31]);
        done();
      }),
    );
  });
});

describe('the fetch proxy\'s body pump', () => {
  /** A connection stand-in: records notifications, lets the test say whether the peer is reading. */
  function fakeConnection() {
    const requests = new Map<string, (params: unknown, context: { id: number; signal: AbortSignal }) => unknown>();
    const notifications = new Map<string, (params: unknown) => void>();
    const bodies: { stream: number; data?: string; done?: boolean; error?: string }[] = [];
    let backedUp = false;
    let drain = () => {};
    const connection = {
      onRequest: (method: string, handler: never) => requests.set(method, handler),
      onNotification: (method: string, handler: never) => notifications.set(method, handler),
      notify: (_method: string, params: { stream: number; data?: string }) => {
        bodies.push(params);
        return (params.data?.length ?? 0) + 50;
      },
      get backedUp() {
        return backedUp;
      },
      drained: () => new Promise<void>((resolve) => (drain = resolve)),
    };
    return {
      connection: connection as unknown as Connection,
      bodies,
      fetch: (params: object) => requests.get('fetch')!({ ...params }, { id: 1, signal: new AbortController().signal }),
      credit: (params: object) => notifications.get('$/fetchCredit')!(params),
      setBackedUp(value: boolean) {
        backedUp = value;
        if (!value) drain();
      },
    };
  }

  /** An upstream body of `parts` parts that counts how many were pulled. */
  function upstream(parts: number) {
    const counter = { pulled: 0 };
    const fetch = (async () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller: ReadableStreamDefaultController<Uint8Array>) {
              if (counter.pulled++ >= parts) controller.close();
              else controller.enqueue(new Uint8Array(10));
            },
          },
          { highWaterMark: 0 },
        ),
      )) as unknown as typeof globalThis.fetch;
    return { counter, fetch };
  }

  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
  };

  it('sends one window of parts, then reads upstream again only on credit', async () => {
    const fake = fakeConnection();
    const { counter, fetch } = upstream(100);
    serveFetchProxy(fake.connection, { provider: 'p', network: ['https://a.example'], window: { messages: 4, bytes: 1_000_000 }, fetch });
    await fake.fetch({ stream: 1, url: 'https://a.example/', method: 'GET', headers: [] });
    await settle();
    expect(fake.bodies.filter((b) => b.data)).toHaveLength(4);
    expect(counter.pulled).toBe(4);
    fake.credit({ stream: 1, credits: 2, bytes: 0 });
    await settle();
    expect(fake.bodies.filter((b) => b.data)).toHaveLength(6);
    // Credit beyond what was sent is refused: nothing more goes out.
    fake.credit({ stream: 1, credits: 1e12, bytes: 1e12 });
    await settle();
    expect(fake.bodies.filter((b) => b.data)).toHaveLength(6);
  });

  it('reads no more upstream while the plugin is not reading its input, and goes on once it drains', async () => {
    const fake = fakeConnection();
    const { counter, fetch } = upstream(100);
    serveFetchProxy(fake.connection, { provider: 'p', network: ['https://a.example'], window: { messages: 50, bytes: 1_000_000 }, fetch });
    await fake.fetch({ stream: 1, url: 'https://a.example/', method: 'GET', headers: [] });
    fake.setBackedUp(true);
    await settle();
    expect(counter.pulled).toBe(0);
    fake.setBackedUp(false);
    await settle();
    expect(counter.pulled).toBe(50);
  });

  it('refuses request bodies past the per-plugin bound while upstream has not taken the earlier ones', async () => {
    const fake = fakeConnection();
    const never = (() => new Promise(() => {})) as unknown as typeof globalThis.fetch;
    serveFetchProxy(fake.connection, { provider: 'p', network: ['https://a.example'], maxBodiesInFlight: 10, fetch: never });
    const body = Buffer.alloc(6).toString('base64');
    void fake.fetch({ stream: 1, url: 'https://a.example/', method: 'POST', headers: [], body });
    await expect(fake.fetch({ stream: 2, url: 'https://a.example/', method: 'POST', headers: [], body })).rejects.toThrow(
      /6 bytes of request bodies waiting on upstream already; another 6 would pass the limit of 10/,
    );
  });
});
