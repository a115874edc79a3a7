/**
 * The port transports (src/protocol/transport.ts, electron-transport.ts) over a real MessageChannel:
 * a message structured clone refuses or cannot walk goes as JSON text and arrives, one JSON cannot
 * carry either throws from `send`, and `findUnencodable` (src/protocol/unencodable.ts) says where.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PortTransport, type Message } from 'anyllm/internal/protocol/transport.js';
import { UtilityProcessTransport, type UtilityProcessLike } from 'anyllm/internal/protocol/electron-transport.js';
import { findUnencodable } from 'anyllm/internal/protocol/unencodable.js';

function channel() {
  const { port1, port2 } = new MessageChannel();
  const sender = new PortTransport(port1);
  const receiver = new PortTransport(port2);
  const received: { message: unknown; size: number | undefined }[] = [];
  receiver.onMessage((message, size) => received.push({ message, size }));
  const next = () => new Promise<void>((resolve) => port2.once('message', () => setImmediate(resolve)));
  const close = () => {
    port1.close();
    port2.close();
  };
  return { sender, received, next, close, port1 };
}

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

const notification = (params: unknown) => ({ jsonrpc: '2.0', method: '$/chunks', params }) as unknown as Message;

describe('PortTransport', () => {
  it('sends a message with a function member as JSON text, which arrives without it and without a size', async () => {
    const { sender, received, next, close } = channel();
    const arrived = next();
    sender.send(notification({ id: 1, chunks: [{ a: 1, parse: () => 2 }] }));
    await arrived;
    expect(received).toEqual([{ message: { jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [{ a: 1 }] } }, size: undefined }]);
    close();
  });

  it("sends a request as its JSON, so a class's toJSON applies as over stdio (a clone kept its fields)", async () => {
    const { sender, received, next, close } = channel();
    const arrived = next();
    const request = { jsonrpc: '2.0', id: 1, method: 'completion', params: { bytes: Buffer.from([1, 2]) } } as unknown as Message;
    sender.send(request);
    await arrived;
    expect(received).toEqual([{ message: { jsonrpc: '2.0', id: 1, method: 'completion', params: { bytes: { type: 'Buffer', data: [1, 2] } } }, size: undefined }]);
    expect(() => sender.send({ ...request, params: { n: 1n } } as unknown as Message)).toThrow(/BigInt/);
    close();
  });

  it('delivers a message nested 50,000 deep, past what structured clone walks', async () => {
    const { sender, received, next, close } = channel();
    const arrived = next();
    sender.send(notification({ id: 1, deep: nested(50_000) }));
    await arrived;
    let depth = 0;
    for (let at = (received[0]?.message as { params: { deep: unknown } }).params.deep; Array.isArray(at); at = at[0] as unknown) depth++;
    expect(depth).toBe(50_000);
    close();
  });

  it('throws from send what JSON.stringify throws when neither a clone nor JSON can carry the message', () => {
    const { sender, close } = channel();
    expect(() => sender.send(notification({ fn: () => 1, n: 1n }))).toThrow(/BigInt/);
    close();
  });

  it('does not throw once the peer has gone', () => {
    const { sender, close } = channel();
    close();
    expect(() => sender.send(notification({ fn: () => 1 }))).not.toThrow();
  });

  it('hands on text that is not JSON as it is, for the connection to report', async () => {
    const { received, next, close, port1 } = channel();
    const arrived = next();
    (port1 as MessagePort).postMessage('not json {');
    await arrived;
    expect(received).toEqual([{ message: 'not json {', size: undefined }]);
    close();
  });
});

describe('UtilityProcessTransport', () => {
  function fakeChild() {
    const posted: unknown[] = [];
    const listeners: Record<string, ((...args: unknown[]) => void)[]> = {};
    const child = {
      postMessage: (message: unknown) => {
        structuredClone(message); // refuses what Electron's serialiser refuses
        posted.push(message);
      },
      on: (event: string, listener: (...args: unknown[]) => void) => (listeners[event] ??= []).push(listener),
      off: () => undefined,
      once: (event: string, listener: (...args: unknown[]) => void) => (listeners[event] ??= []).push(listener),
    } as unknown as UtilityProcessLike;
    const emit = (event: string, ...args: unknown[]) => listeners[event]?.forEach((listener) => listener(...args));
    return { child, posted, emit };
  }

  it('refuses a message JSON cannot carry when it is sent before spawn, not later; the rest go at spawn', () => {
    const { child, posted, emit } = fakeChild();
    const transport = new UtilityProcessTransport(child);
    expect(() => transport.send(notification({ n: 1n }))).toThrow(/BigInt/);
    transport.send(notification({ id: 1, fn: () => 1 }));
    expect(posted).toEqual([]);
    emit('spawn');
    expect(posted).toEqual([JSON.stringify(notification({ id: 1 }))]);
  });

  it('after spawn, sends a clone, or JSON text for what a clone refuses, and parses JSON text it receives', () => {
    const { child, posted, emit } = fakeChild();
    const transport = new UtilityProcessTransport(child);
    const received: unknown[] = [];
    transport.onMessage((message) => received.push(message));
    emit('spawn');
    transport.send(notification({ id: 1 }));
    transport.send(notification({ id: 2, fn: () => 1 }));
    expect(posted).toEqual([notification({ id: 1 }), JSON.stringify(notification({ id: 2 }))]);
    emit('message', JSON.stringify(notification({ id: 3 })));
    expect(received).toEqual([notification({ id: 3 })]);
  });
});

describe('findUnencodable', () => {
  it('names a BigInt, a cycle and a throwing toJSON by their path', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    expect(findUnencodable({ params: { messages: [{ content: 'x' }, { n: 3n }] } })).toBe('params.messages[1].n is a BigInt');
    expect(findUnencodable({ params: { loop } })).toBe('params.loop.self.back refers back to params.loop (a cycle)');
    expect(findUnencodable({ params: { 'odd key': { toJSON: () => { throw new Error('no'); } } } })).toBe('params["odd key"].toJSON() threw: no');
  });

  // A caller's `list[id] = x` with a large id. It took one frame per slot: 2^32 - 1 of them ran the
  // host out of memory (a crash, not the call's InvalidRequestError), over stdio and now a port.
  it('names a sparse array longer than JSON can write at once, and finds what follows holes', () => {
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(findUnencodable({ params: { metadata: { sparse } } })).toBe(`params.metadata.sparse is an array of ${2 ** 32 - 1} items, more than JSON can write`);
    const holes: unknown[] = [];
    holes.length = 1000;
    holes[999] = { n: 1n };
    expect(findUnencodable({ params: { holes } })).toBe('params.holes[999].n is a BigInt');
  });

  it('refuses from send a request holding a sparse array longer than JSON can write, as JSON.stringify does', () => {
    const { sender, close } = channel();
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(() => sender.send({ jsonrpc: '2.0', id: 1, method: 'completion', params: { sparse } } as unknown as Message)).toThrow(RangeError);
    close();
  });

  it('passes what JSON encodes: a shared object twice, functions and symbols, a Date, a toJSON that returns JSON', () => {
    const shared = { x: 1 };
    const value = { a: shared, b: [shared, shared], f: () => 1, s: Symbol('s'), u: undefined, when: new Date(0), custom: { toJSON: () => ({ ok: [1] }) } };
    expect(findUnencodable(value)).toBeUndefined();
    expect(findUnencodable({ custom: { toJSON: () => 5n } })).toBe('custom is a BigInt');
  });

  it('walks a nesting 200,000 deep without overflowing its stack', () => {
    const deep = nested(200_000) as unknown[];
    expect(findUnencodable({ deep })).toBeUndefined();
    let innermost = deep;
    while (Array.isArray(innermost[0])) innermost = innermost[0] as unknown[];
    innermost.push(1n);
    expect(findUnencodable({ deep })).toMatch(/^deep(\[0\]){199999}\[0\] is a BigInt$/);
  });

  it('returns undefined when a getter throws, leaving the encoder\'s message to speak', () => {
    const value = {
      get broken(): unknown {
        throw new Error('getter');
      },
    };
    expect(findUnencodable(value)).toBeUndefined();
  });
});
