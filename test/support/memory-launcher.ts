// An in-process launcher for unit tests of the plugin session and client: the transport is an
// in-memory pair, and the plugin side is either the real plugin runtime (`serve()`) with a
// scripted provider, or a scripted peer speaking the protocol where a test needs a fault the real
// runtime never makes (a cancel never acknowledged, a wrong ping answer, an exit mid-call).
import { fileURLToPath } from 'node:url';
import { Connection } from '../../src/protocol/connection.js';
import { Method, PROTOCOL_VERSION } from '../../src/protocol/methods.js';
import type { Message, MessageListener, Transport } from '../../src/protocol/transport.js';
import { serve } from '../../src/plugins/serve.js';
import type { Launcher, LaunchSpec, PluginExit, PluginInstance } from '../../src/host/launchers/launcher.js';
import { SUPERVISION_DEFAULTS, type ResolvedSupervision } from '../../src/host/supervision.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../src/types.js';
import { providerScripts, type ProviderScript } from './scripted-provider.js';

export const SCRIPTED_ENTRY = fileURLToPath(new URL('./scripted-provider.ts', import.meta.url));

/**
 * Two transports wired to each other; each message is cloned and delivered on a microtask, as a
 * port would. `measured`: each is measured as its JSON text, as a line over stdio would be.
 */
export function memoryPair(measured = false): [Transport, Transport] {
  const ends = [0, 1].map(() => ({ listener: undefined as MessageListener | undefined, closed: false }));
  const make = (self: number): Transport => ({
    measured,
    send(message: Message) {
      const peer = ends[1 - self];
      if (ends[self].closed) return undefined;
      const copy = structuredClone(message);
      const size = measured ? JSON.stringify(message).length : undefined;
      queueMicrotask(() => {
        if (!peer.closed) peer.listener?.(copy, size);
      });
      return size;
    },
    onMessage(listener) {
      ends[self].listener = listener;
    },
    close() {
      ends[self].closed = true;
    },
  });
  return [make(0), make(1)];
}

/** What a plugin side gets: its transport, and a way to end as a plugin process would. */
export interface PluginSide {
  transport: Transport;
  /** Ends the plugin (the `exited` promise resolves): a crash, or a clean exit. */
  exit(exit?: Partial<PluginExit>): void;
  spec: LaunchSpec;
  /** Which launch this is (0 = first). */
  index: number;
}

/** One launch as the test sees it. */
export interface LaunchRecord {
  spec: LaunchSpec;
  side: PluginSide;
  kills: string[];
  refs: number;
  unrefs: number;
  stopping: number;
  exited: boolean;
  /** The peer connection, when the plugin side made one. */
  peer?: Connection;
}

export type PluginBody = (side: PluginSide) => Connection | void;

/**
 * A launcher whose plugins run `body` in this process. `launches` records each one.
 *
 * @example
 * ```ts
 * const launcher = new MemoryLauncher(servePlugin);
 * const client = privateClient({ spec: testSpec('p1'), launch: launcher.launch, ... });
 * ```
 */
export class MemoryLauncher {
  readonly launches: LaunchRecord[] = [];
  readonly #body: PluginBody;
  readonly #options: { killExits: boolean; stopping: boolean; measured: boolean };

  /**
   * `killExits: false`: a kill is recorded but the plugin never exits (as one stuck in the kernel);
   * `stopping: false`: an instance without the optional `stopping()` (worker and process tiers);
   * `measured: true`: a channel that measures each message, as stdio does (else a port's).
   */
  constructor(body: PluginBody, options: { killExits?: boolean; stopping?: boolean; measured?: boolean } = {}) {
    this.#body = body;
    this.#options = { killExits: options.killExits ?? true, stopping: options.stopping ?? true, measured: options.measured ?? false };
  }

  readonly launch: Launcher = (spec) => {
    const [host, plugin] = memoryPair(this.#options.measured);
    let resolveExit!: (exit: PluginExit) => void;
    const exited = new Promise<PluginExit>((resolve) => (resolveExit = resolve));
    const record: LaunchRecord = { spec, kills: [], refs: 0, unrefs: 0, stopping: 0, exited: false, side: undefined as never };
    const end = (exit: PluginExit) => {
      if (record.exited) return;
      record.exited = true;
      host.close();
      plugin.close();
      record.peer?.close();
      resolveExit(exit);
    };
    record.side = {
      transport: plugin,
      spec,
      index: this.launches.length,
      exit: (exit = {}) => end({ code: 1, signal: null, reason: 'exited with code 1', ...exit }),
    };
    this.launches.push(record);
    const instance: PluginInstance = {
      transport: host,
      exited,
      kill: (reason) => {
        record.kills.push(reason);
        // As a killed process: its exit is reported a moment later.
        if (this.#options.killExits) queueMicrotask(() => end({ code: null, signal: 'SIGKILL', reason: `was killed (${reason})` }));
      },
      ref: () => void record.refs++,
      unref: () => void record.unrefs++,
      ...(this.#options.stopping ? { stopping: () => void record.stopping++ } : {}),
    };
    const peer = this.#body(record.side);
    if (peer) record.peer = peer;
    return instance;
  };

  get last(): LaunchRecord {
    return this.launches[this.launches.length - 1];
  }
}

/** The real plugin runtime with the scripted provider: `shutdown` ends it cleanly. */
export const servePlugin: PluginBody = (side) =>
  serve(side.transport, { exit: () => side.exit({ code: 0, reason: 'exited with code 0' }) });

/** Registers the script of provider `name` (the scripted provider looks it up by name). */
export function script(name: string, value: ProviderScript): void {
  providerScripts().set(name, value);
}

/** A launch spec for the scripted provider named `provider`. */
export function testSpec(provider: string): LaunchSpec {
  return {
    provider,
    manifest: { name: provider } as unknown as LaunchSpec['manifest'],
    dir: '/nonexistent',
    entryPath: SCRIPTED_ENTRY,
    env: {},
    memoryLimitMb: 64,
    capabilities: {},
    stderr: { forward: false },
  };
}

/** Supervision for tests: no heartbeat unless asked, defaults otherwise. */
export function supervision(overrides: Partial<ResolvedSupervision> = {}): ResolvedSupervision {
  return { ...SUPERVISION_DEFAULTS, heartbeatIntervalMs: 0, ...overrides };
}

/** Handlers of a scripted peer: each protocol request it serves; absent methods are never answered. */
export interface PeerScript {
  initialize?(params: unknown, side: PluginSide): unknown;
  clientOpen?(params: unknown, side: PluginSide): unknown;
  completion?(params: unknown, context: { id: number | string; signal: AbortSignal }, side: PluginSide): unknown;
  completionStream?(params: unknown, context: { id: number | string; signal: AbortSignal }, side: PluginSide, peer: Connection): unknown;
  ping?(side: PluginSide): unknown;
  shutdown?(side: PluginSide): unknown;
  /** Answer `$/cancel` with `$/cancelled` (a live event loop); default true. */
  acknowledgeCancel?: boolean | ((side: PluginSide) => boolean);
}

const never = () => new Promise<never>(() => {});

/**
 * A plugin side speaking the protocol from `peer`'s handlers (no provider, no `serve()`): for the
 * faults the real runtime never makes.
 */
export function scriptedPeer(peer: PeerScript): PluginBody {
  return (side) => {
    const ack = typeof peer.acknowledgeCancel === 'function' ? peer.acknowledgeCancel(side) : (peer.acknowledgeCancel ?? true);
    const connection = new Connection(side.transport, { acknowledgeCancel: ack });
    connection.onRequest(Method.initialize, (params) =>
      peer.initialize ? peer.initialize(params, side) : { protocolVersion: PROTOCOL_VERSION, provider: side.spec.provider, capabilities: {} },
    );
    connection.onRequest(Method.clientOpen, (params) => (peer.clientOpen ? peer.clientOpen(params, side) : { ok: true }));
    connection.onRequest(Method.completion, (params, context) => (peer.completion ? peer.completion(params, context, side) : never()));
    connection.onRequest(Method.completionStream, (params, context) =>
      peer.completionStream ? peer.completionStream(params, context, side, connection) : never(),
    );
    connection.onRequest(Method.ping, () => (peer.ping ? peer.ping(side) : { ok: true }));
    connection.onRequest(Method.shutdown, () => {
      if (peer.shutdown) return peer.shutdown(side);
      setImmediate(() => side.exit({ code: 0, reason: 'exited with code 0' }));
      return { ok: true };
    });
    return connection;
  };
}

/** A completion whose content is `content`. */
export function completionOf(content: string, usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): ChatCompletion {
  return {
    id: 'x',
    object: 'chat.completion' as const,
    created: 0,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant' as const, content, refusal: null }, finish_reason: 'stop' as const, logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}

/** A stream chunk carrying `content`. */
export function chunkOf(content: string, usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): ChatCompletionChunk {
  return {
    id: 'x',
    object: 'chat.completion.chunk' as const,
    created: 0,
    model: 'm',
    choices: usage ? [] : [{ index: 0, delta: { content }, finish_reason: null, logprobs: null }],
    ...(usage ? { usage } : {}),
  } as ChatCompletionChunk;
}

/**
 * Waits until `check` stops throwing, yielding to the event loop (never to fake timers, unlike
 * `vi.waitFor`, which advances them): the first launch loads the provider module for real.
 */
export async function until(check: () => void, turns = 5_000): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (error) {
      if (i >= turns) throw error;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** Advances fake timers by `ms` in small steps, letting the event loop run between them. */
export async function tick(ms: number, step = 50): Promise<void> {
  const { vi } = await import('vitest');
  for (let left = ms; left > 0; left -= step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, left));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
