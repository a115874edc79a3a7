/**
 * Lifecycle and call events: what a plugin and its calls did, for logs, metrics and tests. Each
 * event goes to the listeners of the `AnyLLM` instance (`llm.on()`) and to a
 * `node:diagnostics_channel` channel named `anyllm:<type>` (e.g. `anyllm:call:end`), so APM tools
 * can subscribe without a reference to the client.
 *
 * @module
 */
import { channel, type Channel } from 'node:diagnostics_channel';
import type { CompletionUsage, Isolation } from '../types.js';
import type { OsBoundaryKind } from './launchers/os-boundary/types.js';

/** Why a plugin ended. */
export type PluginExitCause =
  /** No calls for `idleTimeoutMs`: a clean shutdown; the next call starts it again. */
  | 'idle'
  /** `close()` was called. */
  | 'closed'
  /** It exited, threw, was killed or ran out of memory by itself. */
  | 'crashed'
  /** It stopped answering heartbeats (or its handshake) and was killed. */
  | 'unresponsive'
  /** It broke the protocol and was killed. */
  | 'protocol-error'
  /** Its handshake failed (e.g. the SDK is not installed); not counted as a crash. */
  | 'start-failed';

/** Fields every event carries. */
export interface EventBase {
  provider: string;
  isolation: Isolation;
  /** `Date.now()` when it happened. */
  time: number;
}

/** A plugin is being launched (`restart` when a crash ended the previous one). */
export interface PluginStartEvent extends EventBase {
  type: 'plugin:start';
  restart: boolean;
  /** The OS boundary it runs in: `'bubblewrap'`, `'seatbelt'`, or `'none'` (Node's permission model alone, or not sandboxed). */
  boundary: OsBoundaryKind;
}

/** A plugin finished its handshake. */
export interface PluginReadyEvent extends EventBase {
  type: 'plugin:ready';
  /** From launch to the end of the handshake (SDK import included). */
  startupMs: number;
}

/** A plugin ended. */
export interface PluginExitEvent extends EventBase {
  type: 'plugin:exit';
  cause: PluginExitCause;
  /** In words: "threw: boom", "exited with code 1", "stopped answering heartbeats for 10000 ms" ... */
  reason: string;
  code: number | null;
  signal: string | null;
  /** Calls that were in flight and failed with it. */
  failedCalls: number;
}

/** A plugin is started again after a crash. */
export interface PluginRestartEvent extends EventBase {
  type: 'plugin:restart';
  /** Crashes inside the current crash window. */
  recentCrashes: number;
}

/**
 * A line the plugin wrote to its stderr (a child's or a worker's): control characters escaped,
 * without the `[anyllm:<name>] ` prefix; at most 64 KiB per plugin run, then one
 * `(further output dropped)` line. With `pluginStderr: 'pipe'` this event is the only place it goes.
 */
export interface PluginStderrEvent extends EventBase {
  type: 'plugin:stderr';
  line: string;
}

/** The methods a call event names. */
export type CallMethod = 'completion' | 'completionStream' | 'embedding' | 'listModels';

/** How a call ended. */
export type CallOutcome = 'ok' | 'error' | 'aborted' | 'timeout';

/** A call began. */
export interface CallStartEvent extends EventBase {
  type: 'call:start';
  callId: number;
  method: CallMethod;
  model: string | undefined;
}

/** A call ended. */
export interface CallEndEvent extends EventBase {
  type: 'call:end';
  callId: number;
  method: CallMethod;
  model: string | undefined;
  outcome: CallOutcome;
  /** The error's class name (`RateLimitError`, `PluginCrashedError`, `AbortError` ...), when it failed. */
  error: string | undefined;
  /**
   * Token usage reported by the provider (streams: the usage chunk), when there was one. A stream
   * that was aborted or failed before its usage chunk carries the usage received so far, or an
   * estimate (`usageEstimated: true`) from the characters sent and received (about 4 per token).
   */
  usage: CompletionUsage | undefined;
  /** Set when `usage` is an estimate, not the provider's count. */
  usageEstimated?: true;
  /** Attempts the call took (retries included). */
  attempts: number;
  /** From the call to its end. */
  latencyMs: number;
  /** Streams: from the call to the first chunk. */
  firstChunkMs: number | undefined;
  /** Streams: chunks received. */
  chunks: number | undefined;
}

/** Every event, by type. */
export interface CallRetryEvent extends EventBase {
  type: 'call:retry';
  callId: number;
  method: CallMethod;
  model: string | undefined;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** The failed attempt's error class name (`RateLimitError`, `PluginCrashedError` ...). */
  error: string;
  /** Its message. */
  message: string;
  /** How long the host waits before the next attempt (a provider's `retry-after` when it gave one). */
  delayMs: number;
}

export interface CallFallbackEvent extends EventBase {
  type: 'call:fallback';
  /** The 'provider:model' that failed. */
  from: string;
  /** The 'provider:model' tried next. */
  to: string;
  /** The error class name the failed one ended with. */
  error: string;
  message: string;
}

export interface AnyLLMEvents {
  'plugin:start': PluginStartEvent;
  'plugin:ready': PluginReadyEvent;
  'plugin:exit': PluginExitEvent;
  'plugin:restart': PluginRestartEvent;
  'plugin:stderr': PluginStderrEvent;
  'call:start': CallStartEvent;
  'call:end': CallEndEvent;
  'call:retry': CallRetryEvent;
  'call:fallback': CallFallbackEvent;
}

/** An event type name. */
export type AnyLLMEventType = keyof AnyLLMEvents;

/** Any event. */
export type AnyLLMEvent = AnyLLMEvents[AnyLLMEventType];

/** The `node:diagnostics_channel` names, by event type. */
export const DIAGNOSTICS_CHANNELS: { readonly [T in AnyLLMEventType]: `anyllm:${T}` } = {
  'plugin:start': 'anyllm:plugin:start',
  'plugin:ready': 'anyllm:plugin:ready',
  'plugin:exit': 'anyllm:plugin:exit',
  'plugin:restart': 'anyllm:plugin:restart',
  'plugin:stderr': 'anyllm:plugin:stderr',
  'call:start': 'anyllm:call:start',
  'call:end': 'anyllm:call:end',
  'call:retry': 'anyllm:call:retry',
  'call:fallback': 'anyllm:call:fallback',
};

const channels = new Map<string, Channel>();

function channelFor(type: AnyLLMEventType): Channel {
  let found = channels.get(type);
  if (!found) {
    found = channel(DIAGNOSTICS_CHANNELS[type]);
    channels.set(type, found);
  }
  return found;
}

type Listener<T extends AnyLLMEventType> = (event: AnyLLMEvents[T]) => void;

/**
 * Delivers events to per-client listeners and to the diagnostics channels.
 *
 * @example
 * ```ts
 * const hub = new EventHub();
 * const off = hub.on('call:end', (e) => console.log(e.latencyMs));
 * off();
 * ```
 */
export class EventHub {
  readonly #listeners = new Map<AnyLLMEventType, Set<(event: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<T extends AnyLLMEventType>(type: T, listener: Listener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as (event: never) => void);
    return () => {
      set.delete(listener as (event: never) => void);
    };
  }

  /** Whether anyone listens for `type` (so the caller can skip building the event). */
  wants(type: AnyLLMEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0 || channelFor(type).hasSubscribers;
  }

  /** Delivers `event` to the listeners and to `node:diagnostics_channel`. */
  emit<T extends AnyLLMEventType>(event: AnyLLMEvents[T] & { type: T }): void {
    this.deliver<T>(event);
    publishEvent(event as AnyLLMEvent);
  }

  /**
   * Delivers `event` to this hub's listeners only (an event of a shared plugin reaches every
   * client's hub, and the diagnostics channel once). A listener that throws does not disturb the
   * supervisor: its error is rethrown on the next tick, as diagnostics_channel does.
   */
  deliver<T extends AnyLLMEventType>(event: AnyLLMEvents[T] & { type: T }): void {
    const set = this.#listeners.get(event.type);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<T>)(event);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}

/**
 * Publishes `event` on its `node:diagnostics_channel` (`anyllm:<type>`), when anyone subscribes.
 *
 * @example
 * ```ts
 * publishEvent({ type: 'plugin:stderr', provider: 'openai', isolation: 'worker', time: Date.now(), line: 'hi' });
 * ```
 */
export function publishEvent(event: AnyLLMEvent): void {
  const target = channelFor(event.type);
  if (target.hasSubscribers) target.publish(event);
}
