/**
 * The supervisor owns one provider's plugin: starts it on the first call, shakes hands, routes
 * calls and stream chunks, keeps the host's event loop free of it while idle, watches it with a
 * heartbeat, restarts it after a crash (within a crash budget), and shuts it down when idle or
 * closed. Every step is reported as an event.
 *
 * @module
 */
import {
  createAbortError,
  isAbortError,
  PluginCrashedError,
  PluginProtocolError,
  PluginUnavailableError,
  TimeoutError,
} from '../errors.js';
import { Connection } from '../protocol/connection.js';
import {
  checkPingResult,
  Method,
  PROTOCOL_VERSION,
  STREAM_WINDOW_BYTES,
  type ChunksNotification,
  type CreditNotification,
  type InitializeParams,
  type InitializeResult,
  type RequestId,
  type StreamRequest,
} from '../protocol/methods.js';
import type { Credit, WindowSize } from '../protocol/flow-control.js';
import type { CallOptions, ChatCompletion, ChatCompletionChunk, CompletionParams, CompletionUsage, Isolation } from '../types.js';
import { CallGuard } from './call-guard.js';
import { ChunkStream } from './chunk-stream.js';
import { EventHub, type CallMethod, type CallOutcome, type PluginExitCause } from './events.js';
import { Heartbeat } from './heartbeat.js';
import { untrustedWireError } from './untrusted-error.js';
import type { Launcher, LaunchSpec, PluginExit, PluginInstance } from './launchers/launcher.js';
import type { OsBoundaryKind } from './launchers/os-boundary/types.js';
import { CrashBudget, SUPERVISION_DEFAULTS, type ResolvedSupervision } from './supervision.js';
import { escapeControls } from './stderr-lines.js';

export interface SupervisorOptions {
  spec: LaunchSpec;
  launch: Launcher;
  apiKey: string | undefined;
  apiBase: string | undefined;
  clientOptions: Record<string, unknown>;
  /** Shut the plugin down after this long without calls (0 = never). */
  idleTimeoutMs: number;
  /** The tier, reported in events and stats. */
  isolation?: Isolation;
  /** Crash budget, heartbeat, grace, window, already checked (`resolveSupervision`); defaults when absent. */
  supervision?: ResolvedSupervision;
  /** Where events go; the owning `AnyLLM` passes its own. */
  events?: EventHub;
  /** Answers the plugin's `auth` requests (credentials/index.ts), for a manifest with `credentials`. */
  credentials?: { serve(connection: Connection): void };
}

/** Counters of one client since it was created. */
export interface SupervisorStats {
  provider: string;
  isolation: Isolation;
  /** The OS boundary a sandboxed plugin runs in (`'none'`: Node's permission model alone, or not sandboxed). */
  boundary: OsBoundaryKind;
  /** Whether a plugin is running now. */
  running: boolean;
  /** Plugins launched (the first start, restarts and starts after idle shutdowns). */
  starts: number;
  /** Plugins that ended by crashing, hanging or breaking the protocol. */
  crashes: number;
  /** Crashes inside the current crash window. */
  recentCrashes: number;
  /** While the crash budget is spent: how long until a start is allowed again. */
  unavailableForMs: number;
  /** Calls in flight now (streams included). */
  inFlight: number;
  calls: { started: number; ok: number; error: number; aborted: number; timeout: number };
  /** Stream chunks delivered to the host. */
  chunks: number;
  /** Tokens reported by the provider across all calls. */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** How the last plugin ended, if one did. */
  lastExit: { cause: PluginExitCause; reason: string; time: number } | undefined;
}

/** One running plugin and the connection to it. */
interface Session {
  instance: PluginInstance;
  connection: Connection;
  /** Open streams: where each batch goes, with its size (the message's, as the transport measured it). */
  streams: Map<RequestId, (chunks: ChatCompletionChunk[], bytes: number) => void>;
  ready: Promise<InitializeResult>;
  heartbeat: Heartbeat | undefined;
  launchedAt: number;
  /** Set when the host ends the session on purpose (or kills it): why, and what in-flight calls get. */
  stopping: { cause: PluginExitCause; reason: string; error: Error } | undefined;
  /** Calls running on this session. */
  calls: number;
  /** Calls that were running when the host ended it (they fail at once, before the exit is reported). */
  callsAtKill: number | undefined;
}

/** A call on its way: what `#openCall` hands back to the request or stream that opened it. */
interface OpenCall {
  record: CallRecord;
  session: Session;
  /** The request id, once the call has been sent. */
  id: RequestId | undefined;
  settled: boolean;
  guard: CallGuard;
  /** Cancels upstream (if sent) and ends the call with `error`. */
  cancel(error: Error): void;
}

/** The bookkeeping of one call, for its `call:end` event and the stats. */
interface CallRecord {
  id: number;
  method: CallMethod;
  model: string | undefined;
  started: number;
  firstChunkAt: number | undefined;
  chunks: number;
  usage: CompletionUsage | null | undefined;
}

/**
 * Supervises one plugin for one `AnyLLM` instance.
 *
 * @example
 * ```ts
 * const supervisor = new Supervisor({ spec, launch: launchWorker, apiKey, apiBase, clientOptions: {}, idleTimeoutMs: 60_000 });
 * const completion = await supervisor.request('completion', { params });
 * ```
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #provider: string;
  readonly #isolation: Isolation;
  readonly #settings: ResolvedSupervision;
  readonly #events: EventHub;
  readonly #budget: CrashBudget;
  #session: Session | undefined;
  /** Calls in flight plus pending `start()`s: while above zero the plugin is referenced and not idle. */
  #inFlight = 0;
  #pendingStarts = 0;
  #drained: (() => void) | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #lastCrashed = false;
  #nextCallId = 1;
  /** Over a worker port, JSON batches beat structured clone (see `StreamRequest.encoding`). */
  readonly #jsonBatches: 'json' | undefined;
  readonly #stats: Omit<SupervisorStats, 'provider' | 'isolation' | 'boundary' | 'running' | 'recentCrashes' | 'unavailableForMs' | 'inFlight'> = {
    starts: 0,
    crashes: 0,
    calls: { started: 0, ok: 0, error: 0, aborted: 0, timeout: 0 },
    chunks: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    lastExit: undefined,
  };

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#provider = options.spec.provider;
    this.#isolation = options.isolation ?? 'worker';
    this.#settings = options.supervision ?? { ...SUPERVISION_DEFAULTS };
    this.#events = options.events ?? new EventHub();
    this.#budget = new CrashBudget(this.#settings.maxCrashes, this.#settings.crashWindowMs);
    this.#jsonBatches = this.#isolation === 'worker' ? 'json' : undefined;
  }

  /** Whether a plugin is running now. */
  get running(): boolean {
    return this.#session !== undefined;
  }

  /** Where this client's events go. */
  get events(): EventHub {
    return this.#events;
  }

  /** A snapshot of the counters. */
  stats(): SupervisorStats {
    const s = this.#stats;
    return {
      provider: this.#provider,
      isolation: this.#isolation,
      boundary: this.#options.spec.osBoundary?.kind ?? 'none',
      running: this.running,
      starts: s.starts,
      crashes: s.crashes,
      recentCrashes: this.#budget.recent,
      unavailableForMs: this.#session ? 0 : this.#budget.blockedForMs(),
      inFlight: this.#inFlight - this.#pendingStarts,
      calls: { ...s.calls },
      chunks: s.chunks,
      usage: { ...s.usage },
      lastExit: s.lastExit && { ...s.lastExit },
    };
  }

  /**
   * Starts the plugin if it is not running and waits for its handshake. Until then the plugin keeps
   * the process alive, as a call does: a script that only awaits `start()` must not exit under it.
   */
  async start(): Promise<InitializeResult> {
    this.#hold();
    this.#pendingStarts++;
    try {
      return await this.#ensureSession().ready;
    } finally {
      this.#pendingStarts--;
      this.#release();
    }
  }

  /** Sends one request and returns its result; `options` may abort it or time it out. */
  request<T>(method: string, params: unknown, options: CallOptions = {}): Promise<T> {
    if (options.signal?.aborted) return Promise.reject(createAbortError(options.signal.reason));
    const model = (params as { params?: { model?: unknown } } | undefined)?.params?.model;
    return new Promise<T>((resolve, reject) => {
      this.#openCall<T>(method as CallMethod, model, options, {
        // Methods reach here by name from the public API; the method map types the rest.
        send: (session, id) => session.connection.request(method as typeof Method.completion, params as never, id) as Promise<T>,
        done: (error, value) => (error === undefined ? resolve(value as T) : reject(error)),
      });
    });
  }

  /** Starts a streamed completion; chunks flow as the returned stream is read. */
  stream(params: CompletionParams, options: CallOptions = {}): ChunkStream {
    const window = { messages: this.#settings.streamWindow, bytes: STREAM_WINDOW_BYTES };
    let control: { grant(credit: Credit): void; cancel(error: Error): void } | undefined;
    return new ChunkStream({
      window,
      grant: (credit) => control?.grant(credit),
      cancel: () => control?.cancel(createAbortError()),
      start: (stream) => {
        control = this.#startStream(stream, params, options, window);
      },
    });
  }

  #startStream(
    stream: ChunkStream,
    params: CompletionParams,
    options: CallOptions,
    window: WindowSize,
  ): { grant(credit: Credit): void; cancel(error: Error): void } {
    if (options.signal?.aborted) throw createAbortError(options.signal.reason);
    const sink = (chunks: ChatCompletionChunk[], bytes: number) => {
      const count = chunks.length;
      if (count === 0) return;
      const { record, guard } = call;
      record.firstChunkAt ??= performance.now();
      record.chunks += count;
      const usage = chunks[count - 1].usage;
      if (usage) record.usage = usage;
      const problem = stream.push(chunks, bytes);
      if (problem !== undefined) {
        const error = new PluginProtocolError(`Plugin '${this.#provider}' broke the protocol: it ${problem}.`, { provider: this.#provider });
        return this.#kill(call.session, 'protocol-error', error);
      }
      // A full window pauses the plugin until the consumer reads: that wait is not the plugin's idleness.
      if (stream.full) guard.pauseIdle();
      else guard.touch();
    };
    const call = this.#openCall('completionStream', params?.model, options, {
      send: (session, id) => {
        session.streams.set(id, sink);
        const request: StreamRequest = { params, window: window.messages, windowBytes: window.bytes, encoding: this.#jsonBatches };
        return session.connection.request(Method.completionStream, request, id);
      },
      done: (error, _value, session, id) => {
        if (id !== undefined) session.streams.delete(id);
        if (error === undefined) stream.end();
        else stream.fail(error);
      },
    });
    return {
      grant: (credit) => {
        if (call.settled || call.id === undefined) return;
        call.guard.touch();
        call.session.connection.notify(Method.credit, { id: call.id, credits: credit.messages, bytes: credit.bytes } satisfies CreditNotification);
      },
      cancel: (error) => call.cancel(error),
    };
  }

  /**
   * The life of one call, the same for requests and streams: counted and reported from here, sent
   * once the plugin is ready, bounded by its guard, and ended exactly once (`done`, then the
   * `call:end` bookkeeping). Throws at once when no plugin can run.
   */
  #openCall<T>(
    method: CallMethod,
    model: unknown,
    options: CallOptions,
    hooks: {
      send(session: Session, id: RequestId): Promise<T>;
      done(error: unknown, value: T | undefined, session: Session, id: RequestId | undefined): void;
    },
  ): OpenCall {
    const record = this.#beginCall(method, typeof model === 'string' ? model : undefined);
    let session: Session;
    try {
      session = this.#ensureSession();
    } catch (error) {
      this.#endCall(record, undefined, error);
      throw error;
    }
    session.calls++;
    const settle = (error: unknown, value?: T) => {
      if (call.settled) return;
      call.settled = true;
      call.guard.dispose();
      session.calls--;
      hooks.done(error, value, session, call.id);
      this.#endCall(record, value, error);
    };
    const cancel = (error: Error) => {
      if (call.id !== undefined) session.connection.cancel(call.id, error);
      settle(error);
    };
    const call: OpenCall = {
      record,
      session,
      id: undefined,
      settled: false,
      guard: new CallGuard(options, this.#provider, cancel),
      cancel,
    };
    session.ready.then(
      () => {
        if (call.settled) return;
        const id = session.connection.nextId();
        call.id = id;
        call.guard.touch();
        hooks.send(session, id).then((value) => settle(undefined, value), settle);
      },
      settle,
    );
    return call;
  }

  /** Lets in-flight calls finish (up to the grace period), asks the plugin to exit, then kills it. Further calls fail. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#drainAndStop();
    return this.#closing;
  }

  async #drainAndStop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const grace = this.#settings.shutdownGraceMs;
    if (this.#inFlight > 0 && this.#session) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        timer = setTimeout(resolve, grace);
      });
      clearTimeout(timer);
      this.#drained = undefined;
    }
    await this.#stop('closed');
  }

  #ensureSession(): Session {
    if (this.#closed) {
      throw new PluginUnavailableError(`The '${this.#provider}' client is closed.`, { provider: this.#provider });
    }
    if (this.#session) return this.#session;
    const blockedMs = this.#budget.blockedForMs();
    if (blockedMs > 0) {
      throw new PluginUnavailableError(
        `Plugin '${this.#provider}' crashed ${this.#budget.recent} times within ${this.#settings.crashWindowMs} ms; ` +
          `it is not restarted for another ${Math.ceil(blockedMs)} ms.`,
        { provider: this.#provider, code: 'crash_budget' },
      );
    }
    this.#session = this.#launch();
    return this.#session;
  }

  #launch(): Session {
    const { spec, launch } = this.#options;
    const restart = this.#lastCrashed;
    this.#lastCrashed = false;
    this.#stats.starts++;
    this.#emitPlugin('plugin:start', { restart, boundary: spec.osBoundary?.kind ?? 'none' });
    if (restart && this.#events.wants('plugin:restart')) {
      this.#events.emit({ type: 'plugin:restart', ...this.#base(), recentCrashes: this.#budget.recent });
    }
    const instance = launch({ ...spec, stderr: { ...spec.stderr, onLine: (line) => this.#emitStderr(line) } });
    const streams: Session['streams'] = new Map();
    const connection = new Connection(instance.transport, {
      provider: this.#provider,
      onProtocolError: (error) => this.#kill(session, 'protocol-error', error),
      // Untrusted code (sandbox tier): its error messages reach the caller escaped and bounded.
      wireError: this.#isolation === 'sandbox' ? untrustedWireError : undefined,
    });
    connection.onNotification(Method.chunks, (raw, size) => {
      const { id, chunks, json } = raw as ChunksNotification;
      const sink = streams.get(id);
      if (!sink) return;
      // Decoded once: the sandbox's guard hands on `chunks` and refuses a batch carrying both.
      const text = typeof json === 'string' ? json : undefined;
      const batch: unknown = Array.isArray(chunks) ? chunks : text === undefined ? undefined : JSON.parse(text);
      // Counted as the sender counted it: the line over stdio, the JSON text over a port.
      if (Array.isArray(batch)) sink(batch as ChatCompletionChunk[], size ?? text?.length ?? 0);
    });
    instance.attach?.(connection);
    this.#options.credentials?.serve(connection);
    const init: InitializeParams = {
      protocolVersion: PROTOCOL_VERSION,
      provider: this.#provider,
      entry: spec.entryPath,
      apiKey: this.#options.apiKey,
      apiBase: this.#options.apiBase,
      clientOptions: this.#options.clientOptions,
      capabilities: spec.capabilities,
      // Worker and process plugins add the `ca` option to their own store; the sandbox's host fetch uses it instead.
      ...(spec.network?.ca && this.#options.isolation !== 'sandbox' ? { ca: spec.network.ca } : {}),
    };
    const startTimeoutMs = this.#settings.startTimeoutMs;
    const ready = withTimeout(
      connection.request(Method.initialize, init),
      startTimeoutMs,
      () =>
        new TimeoutError(`Plugin '${this.#provider}' did not finish its handshake within ${startTimeoutMs} ms.`, {
          provider: this.#provider,
        }),
    ).then((result) => {
      if (result?.protocolVersion !== PROTOCOL_VERSION) {
        throw new PluginProtocolError(
          `Plugin '${this.#provider}' speaks protocol ${String(result?.protocolVersion)}, the host ${PROTOCOL_VERSION}.`,
          { provider: this.#provider },
        );
      }
      return result;
    });
    const session: Session = {
      instance,
      connection,
      streams,
      ready,
      heartbeat: undefined,
      launchedAt: performance.now(),
      stopping: undefined,
      calls: 0,
      callsAtKill: undefined,
    };
    ready.then(
      () => {
        if (session.stopping) return;
        if (this.#events.wants('plugin:ready')) {
          this.#events.emit({
            type: 'plugin:ready',
            ...this.#base(),
            startupMs: Math.round(performance.now() - session.launchedAt),
          });
        }
        session.heartbeat = this.#heartbeat(session);
        session.heartbeat?.start();
        // Warmed up by start() with no call yet: idle from now.
        this.#armIdle();
      },
      // A failed handshake ends this session; the next call starts a fresh plugin.
      (error: unknown) => {
        const cause: PluginExitCause = error instanceof TimeoutError ? 'unresponsive' : 'start-failed';
        this.#kill(session, cause, error instanceof Error ? error : new PluginCrashedError(String(error)));
      },
    );
    if (this.#inFlight === 0) instance.unref();
    instance.exited.then((exit) => this.#onExit(session, exit));
    return session;
  }

  #heartbeat(session: Session): Heartbeat | undefined {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.#settings;
    if (heartbeatIntervalMs <= 0) return undefined;
    return new Heartbeat({
      ping: () => session.connection.request(Method.ping, {}),
      check: checkPingResult,
      intervalMs: heartbeatIntervalMs,
      timeoutMs: heartbeatTimeoutMs,
      onDead: (silentMs) => {
        const error = new PluginCrashedError(
          `Plugin '${this.#provider}' stopped answering (no heartbeat for ${silentMs} ms) and was killed.`,
          { provider: this.#provider, code: 'unresponsive' },
        );
        this.#kill(session, 'unresponsive', error);
      },
      // Supervision the plugin cannot switch off: a wrong answer kills as surely as silence.
      onBroken: (reason) => {
        // The reason quotes the answer (JSON.stringify leaves C1 and bidi controls raw).
        const error = new PluginProtocolError(`Plugin '${this.#provider}' broke the protocol: it ${escapeControls(reason)}; it was killed.`, {
          provider: this.#provider,
          code: 'protocol-error',
        });
        this.#kill(session, 'protocol-error', error);
      },
    });
  }

  #onExit(session: Session, exit: PluginExit): void {
    if (this.#session === session) this.#session = undefined;
    session.heartbeat?.stop();
    const cause = session.stopping?.cause ?? (exit.violation ? 'protocol-error' : 'crashed');
    const reason = session.stopping?.reason ?? exit.reason;
    const ErrorClass = exit.violation ? PluginProtocolError : PluginCrashedError;
    const error =
      session.stopping?.error ??
      new ErrorClass(`Plugin '${this.#provider}' ${exit.reason}.`, { provider: this.#provider, code: exit.violation ? 'protocol_violation' : undefined });
    const failedCalls = session.callsAtKill ?? session.calls;
    session.connection.close(error);
    const time = Date.now();
    this.#stats.lastExit = { cause, reason, time };
    if (cause === 'crashed' || cause === 'unresponsive' || cause === 'protocol-error') {
      this.#stats.crashes++;
      this.#budget.record();
      this.#lastCrashed = true;
    }
    if (this.#events.wants('plugin:exit')) {
      this.#events.emit({
        type: 'plugin:exit',
        ...this.#base(),
        time,
        cause,
        reason,
        code: exit.code,
        signal: exit.signal,
        failedCalls,
      });
    }
  }

  #kill(session: Session, cause: PluginExitCause, error: Error): void {
    if (this.#session === session) this.#session = undefined;
    session.stopping ??= { cause, reason: error.message, error };
    session.callsAtKill ??= session.calls;
    session.heartbeat?.stop();
    // Fail in-flight calls now, not when the exit is reported.
    session.connection.close(session.stopping.error);
    session.instance.kill(error.message);
  }

  async #stop(cause: 'idle' | 'closed'): Promise<void> {
    clearTimeout(this.#idleTimer);
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    session.heartbeat?.stop();
    const error = new PluginUnavailableError(
      cause === 'closed'
        ? `The '${this.#provider}' client was closed before the call finished.`
        : `Plugin '${this.#provider}' was shut down while idle.`,
      { provider: this.#provider },
    );
    session.stopping ??= { cause, reason: cause === 'closed' ? 'closed by the client' : 'shut down while idle', error };
    // Ref'd to wait for the exit, not for a call: the plugin may start nothing more (no fetch).
    session.instance.ref();
    session.instance.stopping?.();
    const grace = this.#settings.shutdownGraceMs;
    if (session.calls > 0) {
      // Still busy after the drain: no clean exit to wait for.
      session.callsAtKill = session.calls;
      session.connection.close(error);
      session.instance.kill(`was still busy when the grace period ended`);
    } else {
      session.connection.request(Method.shutdown, {}).catch(() => {});
    }
    const timer = setTimeout(() => session.instance.kill(`did not exit within ${grace} ms of shutdown`), grace);
    await session.instance.exited;
    clearTimeout(timer);
  }

  #beginCall(method: CallMethod, model: string | undefined): CallRecord {
    const record: CallRecord = {
      id: this.#nextCallId++,
      method,
      model,
      started: performance.now(),
      firstChunkAt: undefined,
      chunks: 0,
      usage: undefined,
    };
    this.#stats.calls.started++;
    this.#hold();
    if (this.#events.wants('call:start')) {
      this.#events.emit({ type: 'call:start', ...this.#base(), callId: record.id, method, model });
    }
    return record;
  }

  #endCall(record: CallRecord, value: unknown, error: unknown): void {
    const outcome: CallOutcome =
      error === undefined ? 'ok' : isAbortError(error) ? 'aborted' : error instanceof TimeoutError ? 'timeout' : 'error';
    this.#stats.calls[outcome]++;
    this.#stats.chunks += record.chunks;
    const usage = record.usage ?? (value as ChatCompletion | undefined)?.usage ?? undefined;
    if (usage) {
      this.#stats.usage.prompt_tokens += usage.prompt_tokens ?? 0;
      this.#stats.usage.completion_tokens += usage.completion_tokens ?? 0;
      this.#stats.usage.total_tokens += usage.total_tokens ?? 0;
    }
    if (this.#events.wants('call:end')) {
      const stream = record.method === 'completionStream';
      this.#events.emit({
        type: 'call:end',
        ...this.#base(),
        callId: record.id,
        method: record.method,
        model: record.model,
        outcome,
        error: error === undefined ? undefined : errorName(error),
        usage: usage ?? undefined,
        latencyMs: performance.now() - record.started,
        firstChunkMs: stream && record.firstChunkAt !== undefined ? record.firstChunkAt - record.started : undefined,
        chunks: stream ? record.chunks : undefined,
      });
    }
    this.#release();
  }

  /** Something is in flight (a call, a `start()`): the plugin keeps the process alive and is not idle. */
  #hold(): void {
    if (this.#inFlight++ > 0) return;
    clearTimeout(this.#idleTimer);
    this.#session?.instance.ref();
  }

  /** The end of what `#hold()` began: at zero, a draining close() goes on, or the plugin idles. */
  #release(): void {
    if (--this.#inFlight > 0) return;
    if (this.#drained) {
      this.#drained();
      return;
    }
    this.#session?.instance.unref();
    this.#armIdle();
  }

  /** Shuts the plugin down after `idleTimeoutMs` without calls. */
  #armIdle(): void {
    const idle = this.#options.idleTimeoutMs;
    if (idle <= 0 || !this.#session || this.#closed || this.#inFlight > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#inFlight === 0) void this.#stop('idle');
    }, idle);
    this.#idleTimer.unref();
  }

  #base(): { provider: string; isolation: Isolation; time: number } {
    return { provider: this.#provider, isolation: this.#isolation, time: Date.now() };
  }

  #emitStderr(line: string): void {
    if (this.#events.wants('plugin:stderr')) this.#events.emit({ type: 'plugin:stderr', ...this.#base(), line });
  }

  #emitPlugin(type: 'plugin:start', extra: { restart: boolean; boundary: OsBoundaryKind }): void {
    if (this.#events.wants(type)) this.#events.emit({ type, ...this.#base(), ...extra });
  }
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
