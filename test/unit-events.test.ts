/**
 * The event hub (src/host/events.ts): listeners per type, unsubscribe, the node:diagnostics_channel
 * mirror, and docs/SUPERVISION.md's promise that a listener that throws does not disturb the
 * supervisor: the others still run, and its error is rethrown on the next tick.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DIAGNOSTICS_CHANNELS, EventHub, type AnyLLMEvents } from 'anyllm/internal/host/events.js';

const restart = (n: number): AnyLLMEvents['plugin:restart'] => ({ type: 'plugin:restart', provider: 'p', isolation: 'worker', time: n, recentCrashes: n });

afterEach(() => vi.restoreAllMocks());

describe('EventHub', () => {
  it('calls the listeners of the event\'s type only, until they unsubscribe', () => {
    const hub = new EventHub();
    const seen: number[] = [];
    const other: unknown[] = [];
    const off = hub.on('plugin:restart', (e) => seen.push(e.recentCrashes));
    hub.on('plugin:restart', (e) => seen.push(e.recentCrashes * 10));
    hub.on('call:start', (e) => other.push(e));
    hub.emit(restart(1));
    off();
    hub.emit(restart(2));
    expect(seen).toEqual([1, 10, 20]);
    expect(other).toEqual([]);
  });

  it('wants an event while it has a listener or a channel subscriber, and not otherwise', () => {
    const hub = new EventHub();
    expect(hub.wants('plugin:ready')).toBe(false);
    const off = hub.on('plugin:ready', () => {});
    expect(hub.wants('plugin:ready')).toBe(true);
    off();
    expect(hub.wants('plugin:ready')).toBe(false);
    const onMessage = () => {};
    subscribe('anyllm:plugin:ready', onMessage);
    expect(hub.wants('plugin:ready')).toBe(true);
    unsubscribe('anyllm:plugin:ready', onMessage);
    expect(hub.wants('plugin:ready')).toBe(false);
  });

  it('publishes each event on anyllm:<type>', () => {
    expect(DIAGNOSTICS_CHANNELS).toEqual({
      'plugin:start': 'anyllm:plugin:start',
      'plugin:ready': 'anyllm:plugin:ready',
      'plugin:exit': 'anyllm:plugin:exit',
      'plugin:restart': 'anyllm:plugin:restart',
      'plugin:stderr': 'anyllm:plugin:stderr',
      'call:start': 'anyllm:call:start',
      'call:end': 'anyllm:call:end',
      'call:retry': 'anyllm:call:retry',
      'call:fallback': 'anyllm:call:fallback',
    });
    const hub = new EventHub();
    const published: unknown[] = [];
    const onMessage = (message: unknown) => published.push(message);
    subscribe('anyllm:plugin:restart', onMessage);
    const event = restart(3);
    hub.emit(event);
    hub.emit(event);
    unsubscribe('anyllm:plugin:restart', onMessage);
    hub.emit(event);
    expect(published).toEqual([event, event]);
  });

  it('a listener that throws does not stop the others or the channel; its error is rethrown on the next tick', () => {
    const ticks: (() => void)[] = [];
    vi.spyOn(process, 'nextTick').mockImplementation(((callback: () => void) => void ticks.push(callback)) as typeof process.nextTick);
    const hub = new EventHub();
    const boom = new Error('listener bug');
    const after: number[] = [];
    const published: unknown[] = [];
    const onMessage = (message: unknown) => published.push(message);
    subscribe('anyllm:plugin:restart', onMessage);
    hub.on('plugin:restart', () => {
      throw boom;
    });
    hub.on('plugin:restart', (e) => after.push(e.recentCrashes));
    expect(() => hub.emit(restart(4))).not.toThrow();
    unsubscribe('anyllm:plugin:restart', onMessage);
    vi.restoreAllMocks();
    expect(after).toEqual([4]);
    expect(published).toHaveLength(1);
    expect(ticks).toHaveLength(1);
    expect(() => ticks[0]!()).toThrow(boom);
  });
});
