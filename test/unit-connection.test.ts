/**
 * The JSON-RPC connection (src/protocol/connection.ts) between two fake transports in the test
 * process: requests and answers, errors across the wire, cancellation both ways, notifications in
 * order with their size, close, and what a peer that breaks the protocol is reported as.
 */
import { describe, expect, it, vi } from 'vitest';
import { Connection } from 'anyllm/internal/protocol/connection.js';
import { MessageChannel } from 'node:worker_threads';
import { PortTransport, type Message, type MessageListener, type Transport } from 'anyllm/internal/protocol/transport.js';
import { InvalidRequestError, PluginProtocolError, ProviderError, RateLimitError } from 'anyllm/internal/errors.js';

class End implements Transport {
  peer!: End;
  listener: MessageListener | undefined;
  log: unknown[] = [];
  closed = 0;
  backedUp?: boolean;
  drained?: () => Promise<void>;
  send(message: Message): number {
    this.log.push(message);
    const size = JSON.stringify(message).length;
    // Delivered asynchronously, like a real transport.
    queueMicrotask(() => this.peer.listener?.(JSON.parse(JSON.stringify(message)), size));
    return size;
  }
  onMessage(listener: MessageListener): void {
    this.listener = listener;
  }
  close(): void {
    this.closed++;
  }
}

function pair(options: ConstructorParameters<typeof Connection>[1] = {}) {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  const host = new Connection(a, { provider: 'acme', ...options });
  const plugin = new Connection(b, { provider: 'acme' });
  return { a, b, host, plugin };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Connection', () => {
  it('answers a request with the handler\'s result, null for undefined; ids count up from 1', async () => {
    const { host, plugin, a } = pair();
    plugin.onRequest('listModels', (params) => ({ echo: params }));
    plugin.onRequest('shutdown', () => undefined);
    expect(host.pendingCount).toBe(0);
    const first = host.request('listModels', { client: 'c1' });
    expect(host.pendingCount).toBe(1);
    await expect(first).resolves.toEqual({ echo: { client: 'c1' } });
    expect(host.pendingCount).toBe(0);
    await expect(host.request('shutdown', {})).resolves.toBeNull();
    expect((a.log as { id: number }[]).map((m) => m.id)).toEqual([1, 2]);
    expect(host.nextId()).toBe(3);
    await expect(host.request('shutdown', {}, 'mine')).resolves.toBeNull();
    expect((a.log[2] as { id: unknown }).id).toBe('mine');
  });

  it('carries a thrown error across as its class, through the wireError hook when given', async () => {
    let { host, plugin } = pair();
    plugin.onRequest('completion', () => {
      throw new RateLimitError('slow down', { provider: 'acme', retryAfterMs: 5 });
    });
    const error = await host.request('completion', { client: 'c1', params: {} as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).message).toBe('slow down');
    ({ host, plugin } = pair({ wireError: (wire) => ({ ...wire, message: `rewritten: ${wire.message}` }) }));
    plugin.onRequest('completion', () => {
      throw new Error('boom');
    });
    await expect(host.request('completion', { client: 'c1', params: {} as never })).rejects.toThrow('rewritten: boom');
  });

  it('cancel rejects the caller at once with an AbortError, tells the peer, and the handler\'s signal aborts', async () => {
    const { host, plugin, a } = pair();
    let seen: AbortSignal | undefined;
    plugin.onRequest('completion', (_params, { signal, id }) => {
      seen = signal;
      expect(id).toBe(1);
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    const call = host.request('completion', { client: 'c1', params: {} as never });
    const settled = call.catch((e: unknown) => e);
    await tick();
    host.cancel(1, 'user');
    expect(host.pendingCount).toBe(0);
    const error = (await settled) as Error;
    expect(error.name).toBe('AbortError');
    expect((error as { cause?: unknown }).cause).toBe('user');
    expect(a.log.at(-1)).toEqual({ jsonrpc: '2.0', method: '$/cancel', params: { id: 1 } });
    await tick();
    expect(seen?.aborted).toBe(true);
    // The late answer is dropped; cancelling an id that is not pending sends nothing.
    const sent = a.log.length;
    host.cancel(1);
    host.cancel(42);
    expect(a.log.length).toBe(sent);
  });

  it('delivers notifications in order with their size; a throwing handler is a protocol error', async () => {
    const errors: PluginProtocolError[] = [];
    const { host, plugin } = pair({ onProtocolError: (e) => errors.push(e) });
    const got: [unknown, number | undefined][] = [];
    host.onNotification('$/chunks', (params, size) => got.push([params, size]));
    expect(plugin.notify('$/chunks', { id: 1, chunks: [] })).toBe(JSON.stringify({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [] } }).length);
    plugin.notify('$/chunks', { id: 2, chunks: [] });
    await tick();
    expect(got.map(([p]) => (p as { id: number }).id)).toEqual([1, 2]);
    expect(got[0][1]).toBe(JSON.stringify({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [] } }).length);
    host.onNotification('$/chunks', () => {
      throw new Error('bad batch');
    });
    plugin.notify('$/chunks', { id: 3, chunks: [] });
    await tick();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PluginProtocolError);
    expect(errors[0].message).toBe("Handling '$/chunks' failed: bad batch");
    expect(errors[0].provider).toBe('acme');
  });

  it('ignores a notification nobody handles, and reports a message that is not JSON-RPC', async () => {
    const errors: PluginProtocolError[] = [];
    const { a, host } = pair({ onProtocolError: (e) => errors.push(e) });
    a.listener!({ jsonrpc: '2.0', method: '$/unknown', params: {} }, 10);
    expect(errors).toEqual([]);
    a.listener!({ hello: 'world' }, 10);
    await tick();
    expect(errors.map((e) => e.message)).toEqual(['The peer sent a message that is not JSON-RPC 2.0.']);
    // Without a listener the report is dropped, not thrown.
    const quiet = pair();
    quiet.a.listener!({ hello: 'world' }, 10);
    await tick();
    expect(host.pendingCount).toBe(0);
  });

  it('a message with both a method and an id is a request, not a notification', async () => {
    const { host, a } = pair();
    let notified = 0;
    host.onNotification('shutdown', () => notified++);
    let requested = 0;
    host.onRequest('shutdown', () => {
      requested++;
      return { ok: true };
    });
    a.listener!({ jsonrpc: '2.0', id: 9, method: 'shutdown', params: {} }, 10);
    await tick();
    expect(notified).toBe(0);
    expect(requested).toBe(1);
    expect(a.log.at(-1)).toEqual({ jsonrpc: '2.0', id: 9, result: { ok: true } });
  });

  it('a request for a method this side does not serve is answered Method not found; a batch of answers settles each; a late answer is dropped', async () => {
    const { host, a, b } = pair();
    b.listener = undefined;
    // The peer asks for something the host does not serve: a JSON-RPC error answer, nothing thrown.
    a.listener!({ jsonrpc: '2.0', id: 41, method: 'nobody', params: {} }, 10);
    await tick();
    expect(a.log.at(-1)).toMatchObject({ jsonrpc: '2.0', id: 41, error: { code: -32601 } });
    // Two requests answered in one batch (the plugin runtime never batches, but a peer may).
    const first = host.request('listModels', { client: 'c1' });
    const second = host.request('listModels', { client: 'c2' });
    const [one, two] = (a.log.slice(-2) as { id: number }[]).map((m) => m.id);
    a.listener!([{ jsonrpc: '2.0', id: two, result: { data: ['b'] } }, { jsonrpc: '2.0', id: one, error: { code: -32000, message: 'no' } }], 10);
    await expect(second).resolves.toEqual({ data: ['b'] });
    await expect(first).rejects.toThrow('no');
    // A cancelled request's answer arriving afterwards changes nothing.
    const third = host.request('listModels', { client: 'c3' }).catch((e: unknown) => e);
    const id = (a.log.at(-1) as { id: number }).id;
    host.cancel(id);
    a.listener!({ jsonrpc: '2.0', id, result: { data: ['late'] } }, 10);
    expect(((await third) as Error).name).toBe('AbortError');
    expect(host.pendingCount).toBe(0);
  });

  it('close rejects what is pending with its error, aborts running handlers, closes the transport once, and refuses new work', async () => {
    const { host, plugin, a, b } = pair();
    let signal: AbortSignal | undefined;
    host.onRequest('fetch', (_p, context) => {
      signal = context.signal;
      return new Promise(() => {});
    });
    plugin.onRequest('completion', () => new Promise(() => {}));
    const pending = host.request('completion', { client: 'c1', params: {} as never }).catch((e: unknown) => e);
    plugin.request('fetch', {} as never).catch(() => {});
    await tick();
    const reason = new Error('gone');
    host.close(reason);
    expect(await pending).toBe(reason);
    expect(signal?.aborted).toBe(true);
    expect(a.closed).toBe(1);
    host.close();
    expect(a.closed).toBe(1);
    await expect(host.request('listModels', { client: 'c1' })).rejects.toBe(reason);
    const before = a.log.length;
    expect(host.notify('$/credit', { id: 1, credits: 1, bytes: 1 })).toBeUndefined();
    expect(a.log.length).toBe(before);
    // After close nothing received is handled.
    let handled = 0;
    host.onNotification('$/chunks', () => handled++);
    a.listener!({ jsonrpc: '2.0', method: '$/chunks', params: {} }, 1);
    expect(handled).toBe(0);
    expect(b.closed).toBe(0);
    const closedDefault = pair();
    closedDefault.host.close();
    await expect(closedDefault.host.request('listModels', { client: 'c1' })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the peer\'s $/cancel aborts the running handler of that id only', async () => {
    const { host, plugin } = pair();
    const signals = new Map<unknown, AbortSignal>();
    plugin.onRequest('completion', (_p, { id, signal }) => {
      signals.set(id, signal);
      return new Promise(() => {});
    });
    host.request('completion', { client: 'c1', params: {} as never }, 1).catch(() => {});
    host.request('completion', { client: 'c1', params: {} as never }, 2).catch(() => {});
    await tick();
    host.cancel(2);
    await tick();
    expect(signals.get(1)?.aborted).toBe(false);
    expect(signals.get(2)?.aborted).toBe(true);
    expect((signals.get(2)?.reason as Error).name).toBe('AbortError');
  });

  it('a $/cancel for a request that is not running is ignored, not a protocol error', async () => {
    const errors: PluginProtocolError[] = [];
    const { a } = pair({ onProtocolError: (e) => errors.push(e) });
    a.listener!({ jsonrpc: '2.0', method: '$/cancel', params: { id: 99 } }, 10);
    await tick();
    expect(errors).toEqual([]);
  });

  it('a finished handler is no longer running: close does not abort its signal', async () => {
    const { host, plugin } = pair();
    let signal: AbortSignal | undefined;
    plugin.onRequest('listModels', (_p, context) => {
      signal = context.signal;
      return { data: [] };
    });
    await host.request('listModels', { client: 'c1' });
    plugin.close();
    expect(signal?.aborted).toBe(false);
  });

  it('close leaves nothing pending', async () => {
    const { host, plugin } = pair();
    plugin.onRequest('completion', () => new Promise(() => {}));
    const pending = host.request('completion', { client: 'c1', params: {} as never }).catch(() => {});
    expect(host.pendingCount).toBe(1);
    host.close();
    expect(host.pendingCount).toBe(0);
    await pending;
  });

  it('null and primitives from the peer are reported, never thrown; nothing goes to the console', async () => {
    const errors: PluginProtocolError[] = [];
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((name) => vi.spyOn(console, name).mockImplementation(() => {}));
    const { a, host, plugin } = pair({ onProtocolError: (e) => errors.push(e) });
    expect(() => a.listener!(null, 4)).not.toThrow();
    expect(() => a.listener!(5, 1)).not.toThrow();
    a.listener!({ jsonrpc: '2.0', id: 12345, result: {} }, 10);
    a.listener!({ jsonrpc: '2.0', id: 7, method: 'nobody', params: {} }, 10);
    plugin.onRequest('completion', () => {
      throw new Error('handler failed');
    });
    await host.request('completion', { client: 'c1', params: {} as never }).catch(() => {});
    await tick();
    expect(errors.length).toBeGreaterThan(0);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  // What a peer that does not speak JSON-RPC 2.0 exactly gets: nothing served, nothing settled, one
  // protocol error (the owner kills such a plugin), never a throw into the transport.
  it.each([
    ['no jsonrpc member', {}],
    ["jsonrpc '1.0'", { jsonrpc: '1.0' }],
    ["jsonrpc ''", { jsonrpc: '' }],
  ])('a request with %s is not served, not answered, and is reported', async (_label, version) => {
    const errors: PluginProtocolError[] = [];
    const { host, a } = pair({ onProtocolError: (e) => errors.push(e) });
    let served = 0;
    host.onRequest('shutdown', () => {
      served++;
      return { ok: true };
    });
    a.listener!({ ...version, id: 5, method: 'shutdown', params: {} }, 10);
    await tick();
    expect(served).toBe(0);
    expect(a.log).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual(['The peer sent a message that is not JSON-RPC 2.0.']);
    // The same request as JSON-RPC 2.0 is served and answered directly.
    a.listener!({ jsonrpc: '2.0', id: 6, method: 'shutdown', params: {} }, 10);
    await tick();
    expect(served).toBe(1);
    expect(a.log).toEqual([{ jsonrpc: '2.0', id: 6, result: { ok: true } }]);
  });

  it('an answer without jsonrpc "2.0" or without an id settles nothing and is reported; the real answer then settles the request', async () => {
    const errors: PluginProtocolError[] = [];
    const { host, a, b } = pair({ onProtocolError: (e) => errors.push(e) });
    b.listener = undefined;
    const call = host.request('listModels', { client: 'c1' });
    const id = (a.log.at(-1) as { id: number }).id;
    a.listener!({ id, result: { data: ['no version'] } }, 10);
    a.listener!({ jsonrpc: '1.0', id, error: { code: -32000, message: 'old' } }, 10);
    a.listener!({ jsonrpc: '2.0', result: { data: ['no id'] } }, 10);
    await tick();
    expect(host.pendingCount).toBe(1);
    expect(errors.map((e) => e.message)).toEqual(Array(3).fill('The peer sent a message that is not JSON-RPC 2.0.'));
    a.listener!({ jsonrpc: '2.0', id, result: { data: ['right'] } }, 10);
    await expect(call).resolves.toEqual({ data: ['right'] });
  });

  it('an answer with both or neither of result and error, or an error that is not { code, message }, fails its call and is reported', async () => {
    const errors: PluginProtocolError[] = [];
    const { host, a, b } = pair({ onProtocolError: (e) => errors.push(e) });
    b.listener = undefined;
    const answers: unknown[] = [
      { error: null },
      { error: 'boom' },
      { error: { code: '1', message: 'm' } },
      { error: { code: 1, message: 2 } },
      { error: { message: 'no code' } },
      { result: { data: [] }, error: { code: 1, message: 'both' } },
      { result: null, error: null },
    ];
    for (const answer of answers) {
      const call = host.request('listModels', { client: 'c1' });
      const id = (a.log.at(-1) as { id: number }).id;
      a.listener!({ jsonrpc: '2.0', id, ...(answer as object) }, 10);
      const error = await call.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
    }
    expect(errors.map((e) => e.message)).toEqual([
      ...Array(5).fill('The peer sent an error answer whose error is not { code, message }.'),
      ...Array(2).fill('The peer sent an answer with both or neither of result and error.'),
    ]);
    // Well-formed ones still settle: a null result, an error with data.
    const ok = host.request('listModels', { client: 'c1' });
    a.listener!({ jsonrpc: '2.0', id: (a.log.at(-1) as { id: number }).id, result: null }, 10);
    await expect(ok).resolves.toBeNull();
    const failed = host.request('listModels', { client: 'c1' });
    a.listener!({ jsonrpc: '2.0', id: (a.log.at(-1) as { id: number }).id, error: { code: -32000, message: 'no', data: { type: 'RateLimitError' } } }, 10);
    await expect(failed).rejects.toBeInstanceOf(RateLimitError);
    expect(errors).toHaveLength(7);
    expect(errors[0].provider).toBe('acme');
    expect(host.pendingCount).toBe(0);
    // Without a listener for protocol errors the call still fails, and nothing throws.
    const quiet = pair();
    quiet.b.listener = undefined;
    const lone = quiet.host.request('listModels', { client: 'c1' });
    quiet.a.listener!({ jsonrpc: '2.0', id: (quiet.a.log.at(-1) as { id: number }).id, error: null }, 10);
    await expect(lone).rejects.toBeInstanceOf(PluginProtocolError);
  });

  it('a message that is undefined, null, a number, a string or an empty batch is reported, never thrown (a worker may post anything)', async () => {
    const errors: PluginProtocolError[] = [];
    const { a } = pair({ onProtocolError: (e) => errors.push(e) });
    for (const message of [undefined, null, 5, 'hello', []]) expect(() => a.listener!(message, undefined)).not.toThrow();
    await tick();
    expect(errors.map((e) => e.message)).toEqual(Array(5).fill('The peer sent a message that is not JSON-RPC 2.0.'));
    expect(a.log).toEqual([]);
  });

  it('a batch of requests is answered as a batch: each served by its handler, an unknown method Method not found', async () => {
    const { host, a } = pair();
    const seen: unknown[] = [];
    host.onRequest('listModels', (params, { id, signal }) => {
      seen.push([id, signal.aborted, params]);
      return { data: [id] };
    });
    a.listener!([
      { jsonrpc: '2.0', id: 7, method: 'listModels', params: { client: 'c1' } },
      { jsonrpc: '2.0', id: 8, method: 'nobody', params: {} },
      { jsonrpc: '2.0', id: 9, method: 'listModels', params: { client: 'c2' } },
    ], 10);
    await tick();
    expect(seen).toEqual([[7, false, { client: 'c1' }], [9, false, { client: 'c2' }]]);
    expect(a.log).toHaveLength(1);
    expect(a.log[0]).toMatchObject([
      { jsonrpc: '2.0', id: 7, result: { data: [7] } },
      { jsonrpc: '2.0', id: 8, error: { code: -32601 } },
      { jsonrpc: '2.0', id: 9, result: { data: [9] } },
    ]);
  });

  it('a batch that mixes an answer and a request is not JSON-RPC: reported, nothing settled, nothing served', async () => {
    const errors: PluginProtocolError[] = [];
    const { host, a, b } = pair({ onProtocolError: (e) => errors.push(e) });
    b.listener = undefined;
    let served = 0;
    host.onRequest('shutdown', () => ++served);
    const call = host.request('listModels', { client: 'c1' });
    const id = (a.log.at(-1) as { id: number }).id;
    const sent = a.log.length;
    a.listener!([{ jsonrpc: '2.0', id, result: { data: ['mixed'] } }, { jsonrpc: '2.0', id: 3, method: 'shutdown', params: {} }], 10);
    await tick();
    expect(errors.map((e) => e.message)).toEqual(['The peer sent a message that is not JSON-RPC 2.0.']);
    expect(host.pendingCount).toBe(1);
    expect(served).toBe(0);
    expect(a.log.length).toBe(sent);
    a.listener!([{ jsonrpc: '2.0', id, result: { data: ['alone'] } }], 10);
    await expect(call).resolves.toEqual({ data: ['alone'] });
  });

  it('an answer the transport cannot carry fails the peer\'s request with an error saying so, and the connection goes on', async () => {
    const { host, plugin } = pair();
    let big = true;
    plugin.onRequest('listModels', () => (big ? { data: [], total: 1n } : { data: ['ok'] }));
    const error = await host.request('listModels', { client: 'c1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe("The answer to 'listModels' could not be sent: Do not know how to serialize a BigInt");
    big = false;
    await expect(host.request('listModels', { client: 'c1' })).resolves.toEqual({ data: ['ok'] });
  });

  it("a request whose id the transport cannot carry back is reported as the peer's fault, not left to reject unhandled", async () => {
    // A worker's port clones a BigInt id in; an answer holding one goes back as JSON text, which has none.
    const { port1, port2 } = new MessageChannel();
    const errors: Error[] = [];
    const host = new Connection(new PortTransport(port1), { provider: 'acme', onProtocolError: (error) => errors.push(error) });
    host.onRequest('auth', () => ({ headers: [] }));
    const answers: unknown[] = [];
    port2.on('message', (message: unknown) => answers.push(message));
    port2.postMessage({ jsonrpc: '2.0', id: 1n, method: 'auth', params: {} });
    port2.postMessage({ jsonrpc: '2.0', id: 2, method: 'auth', params: {} });
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    expect(answers).toEqual([{ jsonrpc: '2.0', id: 2, result: { headers: [] } }]);
    expect(errors.map((e) => e.message)).toEqual(["The peer sent a request 'auth' whose id cannot be answered: Do not know how to serialize a BigInt"]);
    host.close();
    port1.close();
  });

  it('a request whose params the transport cannot encode rejects with InvalidRequestError naming where, and nothing stays pending', async () => {
    const { host, plugin } = pair();
    let served = 0;
    plugin.onRequest('completion', () => ({ ok: ++served > 0 }));
    const error = await host.request('completion', { client: 'c1', params: { model: 'm', messages: [], metadata: { n: 2n } } } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ code: 'unencodable_params', provider: 'acme' });
    expect((error as Error).message).toBe("The call's params cannot be sent: params.metadata.n is a BigInt. Params must be JSON values.");
    expect(host.pendingCount).toBe(0);
    await tick();
    expect(served).toBe(0);
    await expect(host.request('completion', { client: 'c1', params: { model: 'm', messages: [] } } as never)).resolves.toEqual({ ok: true });
    expect(served).toBe(1);
  });

  it('with negativeIds a side numbers its requests -1, -2, ... and gets its own answers beside the peer\'s request 1', async () => {
    const a = new End();
    const b = new End();
    a.peer = b;
    b.peer = a;
    const host = new Connection(a);
    const plugin = new Connection(b, { negativeIds: true });
    host.onRequest('fetch', (params) => ({ fetched: params }));
    plugin.onRequest('listModels', (_params, { id }) => ({ data: [`plugin answers ${String(id)}`] }));
    const fromPlugin = plugin.request('fetch', { url: 'u' } as never);
    const fromHost = host.request('listModels', { client: 'c1' });
    await expect(fromPlugin).resolves.toEqual({ fetched: { url: 'u' } });
    await expect(fromHost).resolves.toEqual({ data: ['plugin answers 1'] });
    expect((b.log[0] as { id: number }).id).toBe(-1);
    expect((a.log[0] as { id: number }).id).toBe(1);
    expect(plugin.nextId()).toBe(-2);
    expect(host.nextId()).toBe(2);
  });

  it('acknowledgeCancel answers each $/cancel with $/cancelled at once, running or not; without it nothing goes back', async () => {
    const a = new End();
    const b = new End();
    a.peer = b;
    b.peer = a;
    const host = new Connection(a);
    const plugin = new Connection(b, { acknowledgeCancel: true });
    const acknowledged: unknown[] = [];
    host.onNotification('$/cancelled', (params) => acknowledged.push(params));
    plugin.onRequest('completion', (_p, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    const call = host.request('completion', { client: 'c1', params: {} as never }).catch((e: unknown) => e);
    await tick();
    host.cancel(1);
    expect(((await call) as Error).name).toBe('AbortError');
    host.notify('$/cancel', { id: 77 });
    await tick();
    expect(acknowledged).toEqual([{ id: 1 }, { id: 77 }]);
    // The host side does not acknowledge: a $/cancel it receives sends nothing back.
    const sent = a.log.length;
    plugin.notify('$/cancel', { id: 3 });
    await tick();
    expect(a.log.length).toBe(sent);
  });

  it('passes backedUp and drained through', async () => {
    const { host, a } = pair();
    expect(host.backedUp).toBe(false);
    a.backedUp = true;
    expect(host.backedUp).toBe(true);
    await expect(host.drained()).resolves.toBeUndefined();
    let called = 0;
    a.drained = async () => {
      called++;
    };
    await host.drained();
    expect(called).toBe(1);
  });
});
