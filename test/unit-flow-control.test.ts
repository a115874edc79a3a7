/**
 * The edges of the credit windows (src/protocol/flow-control.ts) that protocol-flow-control.test.ts
 * leaves open: what counts as a credit, a window exactly full, waits with signals, and the receiver's
 * consumed count when the host side is told of a grant.
 */
import { describe, expect, it } from 'vitest';
import { CreditReceiver, CreditSender, isCredit } from 'anyllm/internal/protocol/flow-control.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('isCredit', () => {
  it('wants an object of two non-negative safe integers, not both zero', () => {
    expect(isCredit(null)).toBe(false);
    expect(isCredit(5)).toBe(false);
    expect(isCredit('x')).toBe(false);
    expect(isCredit({ messages: 0, bytes: 5 })).toBe(true);
    expect(isCredit({ messages: 1, bytes: 1 })).toBe(true);
    expect(isCredit({ messages: 5, bytes: -1 })).toBe(false);
    expect(isCredit({ messages: 2 ** 53, bytes: 0 })).toBe(false);
    expect(isCredit({ messages: 1 })).toBe(false);
  });
});

describe('CreditReceiver', () => {
  it('is full at exactly its byte window', () => {
    const receiver = new CreditReceiver({ messages: 10, bytes: 100 });
    expect(receiver.received(1, 99)).toBeUndefined();
    expect(receiver.full).toBe(false);
    expect(receiver.received(1, 1)).toBeUndefined();
    expect(receiver.full).toBe(true);
  });

  it('keeps what was consumed but not yet granted when a grant of nothing is mirrored', () => {
    const receiver = new CreditReceiver({ messages: 10, bytes: 1_000 });
    receiver.received(5, 5);
    expect(receiver.consumed(4, 4)).toBeUndefined();
    receiver.granted({ messages: 0, bytes: 0 });
    expect(receiver.consumed(1, 1)).toEqual({ messages: 5, bytes: 5 });
    const bytes = new CreditReceiver({ messages: 1_000, bytes: 100 });
    bytes.received(1, 60);
    expect(bytes.consumed(0, 40)).toBeUndefined();
    bytes.granted({ messages: 0, bytes: 0 });
    expect(bytes.consumed(0, 10)).toEqual({ messages: 0, bytes: 50 });
  });
});

describe('CreditSender.wait', () => {
  it('rejects at once with an AbortError when the signal is already aborted', async () => {
    const sender = new CreditSender({ messages: 1, bytes: 100 });
    sender.sent(1, 1);
    const controller = new AbortController();
    controller.abort('gone');
    const error = await sender.wait(1, controller.signal)!.catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'AbortError', cause: 'gone' });
  });

  it('an abort after the wait was woken does not disturb the next wait', async () => {
    const sender = new CreditSender({ messages: 1, bytes: 100 });
    const controller = new AbortController();
    sender.sent(1, 1);
    const first = sender.wait(1, controller.signal)!;
    sender.take({ messages: 1, bytes: 1 });
    await first;
    sender.sent(1, 1);
    let woke = false;
    void sender.wait(1)!.then(() => (woke = true));
    controller.abort();
    sender.take({ messages: 1, bytes: 1 });
    await tick();
    expect(woke).toBe(true);
  });
});
