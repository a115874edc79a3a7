/**
 * The sandbox's channel guard (src/host/launchers/channel-guard.ts), driven in the test process
 * with a fake inner transport: what the host sends goes through `guard.send`, what the plugin
 * answers is pushed in with its measured size. Every check is seen both ways: the message the
 * protocol allows is delivered unchanged, the one it does not is refused (the inner transport is
 * closed, `onViolation` names the fault once, nothing more is delivered).
 */
import { describe, expect, it } from 'vitest';
import { ChannelGuard, MAX_CANCELLED_UNANSWERED } from 'anyllm/internal/host/launchers/channel-guard.js';
import type { Message, MessageListener, Transport } from 'anyllm/internal/protocol/transport.js';

class FakeTransport implements Transport {
  listener: MessageListener | undefined;
  sent: unknown[] = [];
  closed = 0;
  backedUp?: boolean;
  measured?: boolean;
  drainedCalls = 0;
  drained?: () => Promise<void>;
  send(message: Message): number | undefined {
    this.sent.push(message);
    return JSON.stringify(message).length;
  }
  onMessage(listener: MessageListener): void {
    this.listener = listener;
  }
  close(): void {
    this.closed++;
  }
}

function setup(allowFetch = true) {
  const inner = new FakeTransport();
  const violations: string[] = [];
  const delivered: unknown[] = [];
  const guard = new ChannelGuard(inner, { allowFetch, onViolation: (reason) => violations.push(reason) });
  guard.onMessage((message, size) => delivered.push({ message, size }));
  /** The plugin says `message`; size defaults to its JSON length. */
  const plugin = (message: unknown, size?: number) => inner.listener!(message, size ?? JSON.stringify(message).length);
  const host = (message: object) => guard.send({ jsonrpc: '2.0', ...message } as Message);
  return { inner, guard, violations, delivered, plugin, host };
}

const chunk = { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] };
const chunks = (id: unknown, count = 1) => ({ jsonrpc: '2.0', method: '$/chunks', params: { id, chunks: Array.from({ length: count }, () => chunk) } });
const stream = (id: number, window = 4, windowBytes = 1_000_000, encoding?: 'json') => ({
  id,
  method: 'completionStream',
  params: { params: { model: 'm', messages: [] }, window, windowBytes, ...(encoding ? { encoding } : {}) },
});
const fetchRequest = (id: number, streamId: number, extra: object = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'fetch',
  params: { stream: streamId, url: 'https://api.example.com/v1', method: 'POST', headers: [['a', 'b']], ...extra },
});
const fetchResult = (id: number, window = 2, windowBytes = 1_000_000) => ({
  id,
  result: { status: 200, statusText: 'OK', headers: [], url: 'https://api.example.com/v1', window, windowBytes },
});

describe('ChannelGuard: the transport it wraps', () => {
  it('passes backedUp, measured, drained and close through, and forwards what the host sends with its size', async () => {
    const { inner, guard, host } = setup();
    // Whether the channel measures its messages (the stream's encoding follows it).
    expect(guard.measured).toBe(false);
    inner.measured = true;
    expect(guard.measured).toBe(true);
    expect(guard.backedUp).toBe(false);
    inner.backedUp = true;
    expect(guard.backedUp).toBe(true);
    await expect(guard.drained()).resolves.toBeUndefined();
    let called = 0;
    inner.drained = () => {
      called++;
      return Promise.resolve();
    };
    await guard.drained();
    expect(called).toBe(1);
    const size = host({ id: 1, method: 'listModels', params: {} });
    expect(size).toBe(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'listModels', params: {} }).length);
    expect(inner.sent).toHaveLength(1);
    guard.close();
    expect(inner.closed).toBe(1);
  });

  it('forgets what was open when closed: a late answer is then a violation', () => {
    const { guard, host, plugin, violations } = setup();
    host({ id: 1, method: 'listModels', params: {} });
    guard.close();
    plugin({ jsonrpc: '2.0', id: 1, result: { object: 'list', data: [] } });
    expect(violations[0]).toMatch(/answered request id 1, which the host is not waiting on/);
  });

  it('forgets the plugin\'s open requests and bodies when closed', () => {
    const { guard, host, plugin, violations } = setup();
    plugin(fetchRequest(1, 7));
    host(fetchResult(2));
    guard.close();
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 1 } });
    expect(violations[0]).toBe('cancelled request 1, which it has not sent');
    const s = setup();
    s.plugin(fetchRequest(1, 7));
    s.host(fetchResult(1));
    s.host({ method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } });
    s.guard.close();
    s.plugin({ jsonrpc: '2.0', method: '$/fetchCredit', params: { stream: 7, credits: 1, bytes: 1 } });
    expect(s.violations[0]).toBe('credited fetch body 7, which is not open');
  });

  it('closes the transport and reports once; nothing after a violation is delivered or judged', () => {
    const { inner, plugin, violations, delivered, host } = setup();
    plugin({ jsonrpc: '1.0', method: '$/chunks' });
    expect(violations).toEqual(['sent a message that is not JSON-RPC 2.0']);
    expect(inner.closed).toBe(1);
    host(stream(1));
    plugin(chunks(1));
    plugin({ nonsense: true });
    expect(violations).toHaveLength(1);
    expect(delivered).toEqual([]);
  });
});

describe('ChannelGuard: the envelope and the method map', () => {
  it.each([
    ['a string', 'x'],
    ['null', null],
    ['an array', [{ jsonrpc: '2.0' }]],
    ['no jsonrpc', { id: 1, result: {} }],
  ])('refuses %s as not JSON-RPC 2.0', (_name, message) => {
    const { plugin, violations } = setup();
    plugin(message);
    expect(violations).toEqual(['sent a message that is not JSON-RPC 2.0']);
  });

  it('refuses a message denser than its size allows before reading it', () => {
    const { plugin, violations } = setup();
    plugin({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: Array.from({ length: 200 }, () => ({})) } }, 10);
    expect(violations[0]).toMatch(/^sent a value holding more than \d+ objects and arrays/);
  });

  it('refuses a method that is not a string, unknown methods and host-only methods, as calls or notifications', () => {
    const cases: [unknown, RegExp][] = [
      [{ jsonrpc: '2.0', id: 1, method: 7 }, /^sent a message whose method is not a string$/],
      [{ jsonrpc: '2.0', method: 'nope' }, /^sent the notification 'nope', which a plugin may not send$/],
      [{ jsonrpc: '2.0', id: 1, method: 'nope' }, /^called 'nope', which a plugin may not call$/],
      [{ jsonrpc: '2.0', method: '$/credit', params: { id: 1, credits: 1, bytes: 1 } }, /notification '\$\/credit'/],
      [{ jsonrpc: '2.0', id: 2, method: 'initialize', params: {} }, /^called 'initialize'/],
      [{ jsonrpc: '2.0', id: 2, method: 'toString' }, /^called 'toString'/],
      [{ jsonrpc: '2.0', method: 'x'.repeat(200) }, new RegExp(`^sent the notification '${'x'.repeat(80)}', which`)],
      [{ jsonrpc: '2.0', id: 1, method: 'y'.repeat(200) }, new RegExp(`^called '${'y'.repeat(80)}', which`)],
    ];
    for (const [message, reason] of cases) {
      const { plugin, violations } = setup();
      plugin(message);
      expect(violations[0]).toMatch(reason);
    }
  });

  it('refuses fetch and its body notifications when the plugin may not fetch, and allows them when it may', () => {
    for (const message of [fetchRequest(1, 1), { jsonrpc: '2.0', method: '$/fetchCredit', params: { stream: 1, credits: 1, bytes: 1 } }, { jsonrpc: '2.0', method: '$/fetchCancel', params: { stream: 1 } }]) {
      const { plugin, violations } = setup(false);
      plugin(message);
      expect(violations[0]).toMatch(/which a plugin may not (call|send)/);
    }
    const { plugin, violations, delivered } = setup(true);
    plugin(fetchRequest(1, 1));
    expect(violations).toEqual([]);
    expect(delivered).toHaveLength(1);
  });

  it('refuses a request sent as a notification and a notification sent as a request', () => {
    let { plugin, violations } = setup();
    plugin({ jsonrpc: '2.0', method: 'fetch', params: fetchRequest(1, 1).params });
    expect(violations[0]).toBe("sent 'fetch' as a notification, which it is not");
    ({ plugin, violations } = setup());
    plugin({ jsonrpc: '2.0', id: 3, method: '$/cancel', params: { id: 1 } });
    expect(violations[0]).toBe("sent '$/cancel' as a request, which it is not");
  });

  it('refuses a message over its method\'s cap, and takes one at the cap', () => {
    let { plugin, violations, host } = setup();
    host({ id: 1, method: 'listModels', params: {} });
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 1 } }, 1025);
    expect(violations[0]).toBe("sent a '$/cancel' message of 1025 bytes, over its cap of 1024");
    ({ plugin, violations, host } = setup());
    plugin(fetchRequest(9, 9));
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 9 } }, 1024);
    expect(violations).toEqual([]);
  });

  it('refuses params its method\'s check refuses', () => {
    const { plugin, violations } = setup();
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 1, extra: 1 } });
    expect(violations[0]).toBe("sent a cancel with the unexpected member 'extra'");
  });
});

describe('ChannelGuard: what it delivers', () => {
  it('delivers each allowed plugin message itself, unchanged', () => {
    const { host, plugin, delivered } = setup();
    const sent = [
      fetchRequest(1, 7),
      { jsonrpc: '2.0', method: '$/cancel', params: { id: 1 } },
    ];
    for (const m of sent) plugin(m);
    host(fetchResult(1));
    host({ method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } });
    const credit = { jsonrpc: '2.0', method: '$/fetchCredit', params: { stream: 7, credits: 1, bytes: 1 } };
    const cancel = { jsonrpc: '2.0', method: '$/fetchCancel', params: { stream: 7 } };
    plugin(credit);
    plugin(cancel);
    expect(delivered.map((d) => (d as { message: unknown }).message)).toEqual([...sent, credit, cancel]);
    for (const [i, m] of [...sent, credit, cancel].entries()) expect((delivered[i] as { message: unknown }).message).toBe(m);
  });

  it('without fetch, still takes stream chunks and cancels', () => {
    const { host, plugin, violations, delivered } = setup(false);
    host(stream(1));
    plugin(chunks(1));
    expect(violations).toEqual([]);
    expect(delivered).toHaveLength(1);
  });

  it('a host $/credit for a request that is not a stream is ignored', () => {
    const { host, plugin, violations } = setup();
    host({ id: 1, method: 'completion', params: {} });
    expect(() => host({ method: '$/credit', params: { id: 1, credits: 1, bytes: 1 } })).not.toThrow();
    plugin({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } });
    expect(violations).toEqual([]);
  });

  it('an answer without an id, or to a method outside the map, is judged without throwing', () => {
    let s = setup();
    s.plugin({ jsonrpc: '2.0', result: {} });
    expect(s.violations[0]).toBe('answered request id undefined, which the host is not waiting on');
    s = setup();
    s.host({ id: 1, method: 'custom', params: {} });
    s.plugin({ jsonrpc: '2.0', id: 1, result: {} }, 10);
    expect(s.violations[0]).toBe("answered 'custom' with 10 bytes, over its cap of 0");
  });
});

describe('ChannelGuard: answers', () => {
  it('delivers an answer to a request the host sent, once; a second answer or an unknown id is refused', () => {
    const { host, plugin, violations, delivered } = setup();
    host({ id: 1, method: 'listModels', params: {} });
    const answer = { jsonrpc: '2.0', id: 1, result: { object: 'list', data: [] } };
    plugin(answer, 50);
    expect(delivered).toEqual([{ message: answer, size: 50 }]);
    plugin(answer);
    expect(violations[0]).toBe('answered request id 1, which the host is not waiting on');
  });

  it('bounds the id it echoes in the reason', () => {
    const { plugin, violations } = setup();
    plugin({ jsonrpc: '2.0', id: 'y'.repeat(100), result: {} });
    expect(violations[0]).toBe(`answered request id ${JSON.stringify('y'.repeat(100)).slice(0, 40)}, which the host is not waiting on`);
  });

  it('refuses an answer over the cap of the request it answers, and takes one at the cap', () => {
    let { host, plugin, violations } = setup();
    host({ id: 1, method: 'shutdown', params: {} });
    plugin({ jsonrpc: '2.0', id: 1, result: { ok: true } }, 64 * 1024 + 1);
    expect(violations[0]).toBe(`answered 'shutdown' with ${64 * 1024 + 1} bytes, over its cap of ${64 * 1024}`);
    ({ host, plugin, violations } = setup());
    host({ id: 1, method: 'shutdown', params: {} });
    plugin({ jsonrpc: '2.0', id: 1, result: { ok: true } }, 64 * 1024);
    expect(violations).toEqual([]);
  });

  it('refuses a response with both or neither of result and error', () => {
    for (const extra of [{ result: {}, error: { code: 1, message: 'x' } }, {}]) {
      const { host, plugin, violations } = setup();
      host({ id: 1, method: 'shutdown', params: {} });
      plugin({ jsonrpc: '2.0', id: 1, ...extra });
      expect(violations[0]).toBe('sent a response with both or neither of result and error');
    }
  });

  it('delivers a well-formed error and refuses a malformed one', () => {
    const { host, plugin, violations, delivered } = setup();
    host({ id: 1, method: 'completion', params: {} });
    plugin({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'upstream said no' } });
    expect(delivered).toHaveLength(1);
    expect(violations).toEqual([]);
    for (const error of [null, 'text', { code: '1', message: 'x' }, { code: 1, message: 2 }, { message: 'x' }, { code: 1 }]) {
      const s = setup();
      s.host({ id: 1, method: 'completion', params: {} });
      s.plugin({ jsonrpc: '2.0', id: 1, error });
      expect(s.violations[0]).toBe("answered 'completion' with a malformed error");
    }
  });

  it('checks a result against its method (a completion must be OpenAI-shaped, a stream result must count its chunks)', () => {
    let s = setup();
    s.host({ id: 1, method: 'completion', params: {} });
    s.plugin({ jsonrpc: '2.0', id: 1, result: { nope: true } });
    expect(s.violations[0]).toMatch(/^answered 'completion' with a completion that is not OpenAI-shaped: /);
    s = setup();
    s.host(stream(1));
    s.plugin({ jsonrpc: '2.0', id: 1, result: { chunks: -1 } });
    expect(s.violations[0]).toBe("answered 'completionStream' with a stream result without a chunk count");
    s = setup();
    s.host(stream(1));
    s.plugin({ jsonrpc: '2.0', id: 1, result: { chunks: 0 } });
    expect(s.violations).toEqual([]);
    expect(s.delivered).toHaveLength(1);
  });

  it('leaves a ping answer to the supervisor (a wrong one is delivered, not refused here)', () => {
    const { host, plugin, violations, delivered } = setup();
    host({ id: 1, method: '$/ping', params: {} });
    plugin({ jsonrpc: '2.0', id: 1, result: { ok: false } });
    expect(violations).toEqual([]);
    expect(delivered).toHaveLength(1);
  });
});

describe('ChannelGuard: $/cancel of the plugin\'s own requests', () => {
  it('takes a cancel of an open or recently answered fetch, refuses one of a request it never sent', () => {
    const { host, plugin, violations, delivered } = setup();
    plugin(fetchRequest(5, 1));
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 5 } });
    host(fetchResult(5));
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 5 } });
    expect(violations).toEqual([]);
    expect(delivered).toHaveLength(3);
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 6 } });
    expect(violations[0]).toBe('cancelled request 6, which it has not sent');
  });

  it('remembers only the last 64 answered ids', () => {
    const { host, plugin, violations } = setup();
    for (let id = 1; id <= 66; id++) {
      plugin(fetchRequest(id, id));
      host(fetchResult(id));
    }
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 3 } });
    expect(violations).toEqual([]);
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 2 } });
    expect(violations[0]).toBe('cancelled request 2, which it has not sent');
  });

  it('keeps a re-answered id at the young end (re-adding moves it)', () => {
    const { host, plugin, violations } = setup();
    plugin(fetchRequest(1, 1));
    host(fetchResult(1));
    for (let id = 2; id <= 64; id++) {
      plugin(fetchRequest(id, id));
      host(fetchResult(id));
    }
    // 1 answered again (a new request reusing the id), then one more: 2 falls out, 1 stays.
    plugin(fetchRequest(1, 100));
    host(fetchResult(1));
    plugin(fetchRequest(65, 65));
    host(fetchResult(65));
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 1 } });
    expect(violations).toEqual([]);
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 2 } });
    expect(violations[0]).toBe('cancelled request 2, which it has not sent');
  });

  it('ignores a host answer to a request the plugin never sent', () => {
    const { host, plugin, violations } = setup();
    host({ id: 77, result: {} });
    plugin({ jsonrpc: '2.0', method: '$/cancel', params: { id: 77 } });
    expect(violations[0]).toBe('cancelled request 77, which it has not sent');
  });
});

describe('ChannelGuard: fetch', () => {
  it('refuses a fetch id already in use by the plugin or by the host', () => {
    let s = setup();
    s.plugin(fetchRequest(1, 1));
    s.plugin(fetchRequest(1, 2));
    expect(s.violations[0]).toBe('sent request id 1, which is in use');
    s = setup();
    s.host({ id: 'h', method: 'completion', params: {} });
    s.plugin({ ...fetchRequest(1, 1), id: 'h' });
    expect(s.violations[0]).toBe('sent request id "h", which is in use');
    s = setup();
    s.plugin({ ...fetchRequest(1, 1), id: 'z'.repeat(60) });
    s.plugin({ ...fetchRequest(1, 2), id: 'z'.repeat(60) });
    expect(s.violations[0]).toBe(`sent request id ${JSON.stringify('z'.repeat(60)).slice(0, 40)}, which is in use`);
  });

  it('refuses a malformed fetch (its check from the method map)', () => {
    const { plugin, violations } = setup();
    plugin(fetchRequest(1, 1, { url: 'file:///etc/passwd' }));
    expect(violations[0]).toBe('sent file: URLs are not fetched');
  });
});

describe('ChannelGuard: fetch body credit (the host\'s window, mirrored)', () => {
  /** A fetch answered with a window of `window` parts; `parts` parts of the body sent. */
  function openBody(window = 2, parts = 0) {
    const s = setup();
    s.plugin(fetchRequest(1, 7));
    s.host(fetchResult(1, window));
    for (let i = 0; i < parts; i++) s.host({ method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } });
    return s;
  }
  const credit = (credits: number, bytes: number, streamId = 7) => ({ jsonrpc: '2.0', method: '$/fetchCredit', params: { stream: streamId, credits, bytes } });

  it('takes credit for what the host sent, and refuses credit beyond it (parts or bytes)', () => {
    let s = openBody(4, 2);
    const partSize = JSON.stringify({ jsonrpc: '2.0', method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } }).length;
    s.plugin(credit(2, 2 * partSize));
    expect(s.violations).toEqual([]);
    s.plugin(credit(1, 0));
    expect(s.violations[0]).toMatch(/^granted credit for 1 messages \/ 0 bytes when only 0 \/ 0 were outstanding \(fetch body 7\)$/);
    s = openBody(4, 1);
    s.plugin(credit(1, partSize + 1));
    expect(s.violations[0]).toMatch(/granted credit for 1 messages \/ \d+ bytes when only 1 \/ \d+ were outstanding \(fetch body 7\)/);
  });

  it('counts a part by its data length when the transport gives no size', () => {
    const inner = new FakeTransport();
    inner.send = (message) => {
      inner.sent.push(message);
      return undefined;
    };
    const violations: string[] = [];
    const guard = new ChannelGuard(inner, { allowFetch: true, onViolation: (r) => violations.push(r) });
    guard.onMessage(() => {});
    inner.listener!(fetchRequest(1, 7), 100);
    guard.send(fetchResult(1) as unknown as Message);
    guard.send({ jsonrpc: '2.0', method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } } as Message);
    inner.listener!(credit(1, 4), 50);
    expect(violations).toEqual([]);
    inner.listener!(credit(0, 1), 50);
    expect(violations[0]).toMatch(/when only 0 \/ 0 were outstanding/);
  });

  it('refuses credit for a body that is not open, and a credit the method map refuses', () => {
    let s = setup();
    s.plugin(credit(1, 1, 3));
    expect(s.violations[0]).toBe('credited fetch body 3, which is not open');
    s = openBody(2, 1);
    s.plugin(credit(0, 0));
    expect(s.violations[0]).toBe('sent a fetch credit that is not a positive count of parts and bytes');
  });

  it('a fetch answered with an error opens no body', () => {
    const s = setup();
    s.plugin(fetchRequest(1, 7));
    s.host({ id: 1, error: { code: 1, message: 'refused' } });
    s.plugin(credit(1, 1));
    expect(s.violations[0]).toBe('credited fetch body 7, which is not open');
  });

  it('a body part sent before the body opened or for another stream is not counted', () => {
    const s = openBody(2, 0);
    s.host({ method: '$/fetchBody', params: { stream: 8, data: 'QUJD' } });
    s.host({ method: '$/fetchBody', params: { stream: 7 } });
    s.plugin(credit(1, 0));
    expect(s.violations[0]).toMatch(/when only 0 \/ 0 were outstanding/);
  });

  it('still judges credit that crosses the end of a body (done or failed), against the same window', () => {
    for (const end of [{ done: true }, { error: 'reset' }]) {
      const s = openBody(4, 1);
      s.host({ method: '$/fetchBody', params: { stream: 7, ...end } });
      s.plugin(credit(1, 1));
      expect(s.violations).toEqual([]);
      s.plugin(credit(1, 0));
      expect(s.violations[0]).toMatch(/when only 0 \/ \d+ were outstanding/);
    }
  });

  it.each([{ done: true }, { error: 'reset' }])('a body part after the end (%o) is no longer counted', (end) => {
    const s = openBody(4, 0);
    s.host({ method: '$/fetchBody', params: { stream: 7, ...end } });
    s.host({ method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } });
    s.plugin(credit(1, 0));
    expect(s.violations[0]).toMatch(/when only 0 \/ 0 were outstanding/);
  });

  it('takes a cancel of an open or just-ended body, refuses one of a body never opened', () => {
    const s = openBody(4, 1);
    s.plugin({ jsonrpc: '2.0', method: '$/fetchCancel', params: { stream: 7 } });
    // Cancelled: the body is closed, but a part in flight can still be credited ...
    s.plugin(credit(1, 1));
    // ... and a second cancel crossing the end is fine.
    s.plugin({ jsonrpc: '2.0', method: '$/fetchCancel', params: { stream: 7 } });
    expect(s.violations).toEqual([]);
    // A part the host still sends after the cancel is not counted (the body is closed).
    s.host({ method: '$/fetchBody', params: { stream: 7, data: 'QUJD' } });
    s.plugin(credit(1, 0));
    expect(s.violations[0]).toMatch(/when only 0 \/ \d+ were outstanding/);
    const t = setup();
    t.plugin({ jsonrpc: '2.0', method: '$/fetchCancel', params: { stream: 9 } });
    expect(t.violations[0]).toBe('cancelled fetch body 9, which is not open');
  });
});

describe('ChannelGuard: $/chunks (the stream\'s credit, mirrored)', () => {
  it('delivers a batch inside the window, and refuses the one that overruns it', () => {
    const { host, plugin, violations, delivered } = setup();
    host(stream(1, 4));
    plugin(chunks(1, 3));
    plugin(chunks(1, 1));
    expect(delivered).toHaveLength(2);
    expect(violations).toEqual([]);
    plugin(chunks(1, 1));
    expect(violations[0]).toMatch(/^sent 1 items \/ \d+ bytes with 4 \/ \d+ already outstanding, beyond the window of 4 \/ 1000000 \(stream 1\)$/);
  });

  it('refuses a batch past the byte window', () => {
    const { host, plugin, violations } = setup();
    host(stream(1, 100, 500));
    plugin(chunks(1), 500);
    expect(violations).toEqual([]);
    plugin(chunks(1), 10);
    expect(violations[0]).toMatch(/with 1 \/ 500 already outstanding, beyond the window of 100 \/ 500/);
  });

  it('credit the host grants opens the window again; credit for another stream does not', () => {
    const { host, plugin, violations } = setup();
    host(stream(1, 2));
    host(stream(2, 2));
    plugin(chunks(1, 2));
    host({ method: '$/credit', params: { id: 2, credits: 2, bytes: 1_000_000 } });
    host({ method: '$/credit', params: { id: 99, credits: 2, bytes: 1 } });
    host({ method: '$/credit', params: { id: 1, credits: 1, bytes: 1 } });
    plugin(chunks(1, 1));
    expect(violations).toEqual([]);
    plugin(chunks(1, 1));
    expect(violations[0]).toMatch(/beyond the window of 2/);
  });

  it('refuses chunks for a stream that is not open, or for a request that is not a stream', () => {
    for (const open of [undefined, { id: 1, method: 'completion', params: {} }]) {
      const s = setup();
      if (open) s.host(open);
      s.plugin(chunks(1));
      expect(s.violations[0]).toBe('sent chunks for 1, which is not an open stream');
    }
    const s = setup();
    s.plugin(chunks('q'.repeat(60)));
    expect(s.violations[0]).toBe(`sent chunks for ${JSON.stringify('q'.repeat(60)).slice(0, 40)}, which is not an open stream`);
  });

  it('refuses chunks after the stream was answered', () => {
    const { host, plugin, violations } = setup();
    host(stream(1));
    plugin({ jsonrpc: '2.0', id: 1, result: { chunks: 0 } });
    plugin(chunks(1));
    expect(violations[0]).toBe('sent chunks for 1, which is not an open stream');
  });

  it('refuses a batch of chunks that are not OpenAI-shaped, and a malformed batch', () => {
    let s = setup();
    s.host(stream(1));
    s.plugin({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [{ not: 'a chunk' }] } });
    expect(s.violations[0]).toMatch(/^sent a stream chunk that is not OpenAI-shaped: /);
    s = setup();
    s.host(stream(1));
    s.plugin({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [] } });
    expect(s.violations[0]).toBe('sent a chunk batch that is not an array of 1 to 256 chunks');
  });

  it('delivers object batches unchanged', () => {
    const { host, plugin, delivered } = setup();
    host(stream(1));
    const message = chunks(1, 2);
    plugin(message, 123);
    expect(delivered).toEqual([{ message, size: 123 }]);
    expect((delivered[0] as { message: unknown }).message).toBe(message);
  });
});

describe('ChannelGuard: $/chunks as JSON text (encoding: json)', () => {
  const text = (id: unknown, json: string) => ({ jsonrpc: '2.0', method: '$/chunks', params: { id, json } });

  it('decodes the batch once and delivers the chunks it counted', () => {
    const { host, plugin, delivered, violations } = setup();
    host(stream(1, 4, 1_000_000, 'json'));
    plugin(text(1, JSON.stringify([chunk, chunk])));
    expect(violations).toEqual([]);
    expect(delivered).toEqual([{ message: { jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: [chunk, chunk] } }, size: expect.any(Number) }]);
    plugin(text(1, JSON.stringify([chunk, chunk, chunk])));
    expect(violations[0]).toMatch(/^sent 3 items \/ \d+ bytes with 2 \/ \d+ already outstanding/);
  });

  it('refuses the encoding the host did not ask for, either way', () => {
    let s = setup();
    s.host(stream(1, 4, 1_000_000, 'json'));
    s.plugin(chunks(1));
    expect(s.violations[0]).toBe('sent chunks as objects, not the encoding the host asked for');
    s = setup();
    s.host(stream(1));
    s.plugin(text(1, JSON.stringify([chunk])));
    expect(s.violations[0]).toBe('sent chunks as JSON text, not the encoding the host asked for');
  });

  it.each([
    ['not JSON', '[{'],
    ['not an array', JSON.stringify(chunk)],
    ['an empty array', '[]'],
    ['an array holding null', '[null]'],
    ['an array holding a number', '[1]'],
    ['an array holding an array', '[[]]'],
    ['an array with a non-object after a chunk', JSON.stringify([chunk, 'x'])],
  ])('refuses JSON text that is %s', (_name, json) => {
    const s = setup();
    s.host(stream(1, 4, 1_000_000, 'json'));
    s.plugin(text(1, json));
    expect(s.violations[0]).toBe('sent a chunk batch whose JSON text is not an array of objects');
  });

  it('bounds the structure of the decoded batch by the message\'s size', () => {
    const s = setup();
    s.host(stream(1, 4, 1_000_000, 'json'));
    const dense = `[${Array.from({ length: 3 }, () => JSON.stringify({ ...chunk, x: Array.from({ length: 100 }, () => []) })).join(',')}]`;
    s.plugin(text(1, dense), 100);
    expect(s.violations[0]).toMatch(/^sent, as a chunk batch's JSON text, a value holding more than/);
  });

  it('refuses decoded chunks that are not OpenAI-shaped', () => {
    const s = setup();
    s.host(stream(1, 4, 1_000_000, 'json'));
    s.plugin(text(1, '[{"a":1}]'));
    expect(s.violations[0]).toMatch(/^sent a stream chunk that is not OpenAI-shaped/);
  });
});

describe('calls the host cancelled', () => {
  it(`may be answered late, but only the last ${MAX_CANCELLED_UNANSWERED} of those never answered are kept`, () => {
    const { violations, delivered, plugin, host } = setup();
    const count = MAX_CANCELLED_UNANSWERED + 2;
    for (let id = 1; id <= count; id++) {
      host({ id, method: 'completion', params: { model: 'm', messages: [] } });
      host({ method: '$/cancel', params: { id } });
      // Acknowledged, never answered.
      plugin({ jsonrpc: '2.0', method: '$/cancelled', params: { id } });
    }
    // An answer to one answered already frees its place: the next cancel does not push another out.
    plugin({ jsonrpc: '2.0', id: count, error: { code: -32800, message: 'cancelled' } });
    host({ id: count + 1, method: 'completion', params: { model: 'm', messages: [] } });
    host({ method: '$/cancel', params: { id: count + 1 } });
    // A late answer to a call cancelled among the last ones is taken.
    plugin({ jsonrpc: '2.0', id: 4, error: { code: -32800, message: 'cancelled' } });
    expect(violations).toEqual([]);
    expect((delivered as { message: { error?: unknown } }[]).filter(({ message }) => message.error !== undefined)).toHaveLength(2);
    // The oldest ones were forgotten: an answer to one now is to a call the host is not waiting on.
    plugin({ jsonrpc: '2.0', id: 2, error: { code: -32800, message: 'cancelled' } });
    expect(violations).toEqual(['answered request id 2, which the host is not waiting on']);
  });
});
