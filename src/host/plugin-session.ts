/**
 * The plugin session: one provider's plugin for every client that shares it (one per tier and
 * resource setting, see `shared-plugins.ts`). It launches the plugin on demand, shakes hands,
 * opens each client's SDK client inside it, watches it with a heartbeat and a cancel
 * acknowledgement, restarts it after a crash within the crash budget, replaces a hung one (moving
 * the calls that never started there), and stops it when idle or when its last client leaves.
 * Calls are placed here by the clients (`plugin-client.ts`), which own everything else about them.
 *
 * @module
 */
import { AuthenticationError, PluginCrashedError, PluginProtocolError, PluginUnavailableError, TimeoutError } from '../errors.js';
import { decodeChunkBatch } from '../protocol/chunk-batch.js';
import { Connection } from '../protocol/connection.js';
import {
  checkPingResult,
  Method,
  PROTOCOL_VERSION,
  type AuthRequest,
  type CallEnvelope,
  type CancelNotification,
  type ChunksNotification,
  type ClientOpenParams,
  type InitializeParams,
  type InitializeResult,
  type RequestId,
} from '../protocol/methods.js';
import type { ChatCompletionChunk, CompletionUsage, Isolation } from '../types.js';
import type { CredentialBroker } from './credentials/index.js';
import { publishEvent, type AnyLLMEvents, type EventHub, type PluginExitCause } from './events.js';
import { Heartbeat } from './heartbeat.js';
import type { Launcher, LaunchSpec, PluginExit, PluginInstance } from './launchers/launcher.js';
import type { OsBoundaryKind } from './launchers/os-boundary/types.js';
import { escapeControls } from './stderr-lines.js';
import { SharedCrashBudget, type ResolvedSupervision } from './supervision.js';
import { untrustedWireError, withoutHostOutcomes } from './untrusted-error.js';

/** What the session needs to launch and supervise one plugin. */
export interface PluginSessionOptions {
  spec: LaunchSpec;
  launch: Launcher;
  isolation: Isolation;
  supervision: ResolvedSupervision;
  /** Shut the plugin down after this long without calls (0 = never). */
  idleTimeoutMs: number;
  /** Called once the last client has left and the session will take no more. */
  onRetired?: () => void;
}

/** A client of the session: its SDK client settings, where its events go, and its own counters. */
export interface SessionClient {
  /** The id its calls carry on the wire (`client/open`). */
  readonly wireId: string;
  readonly open: Omit<ClientOpenParams, 'client'>;
  readonly events: EventHub;
  /** Authorises its upstream requests when the provider's credentials are not a static key. */
  readonly credentials?: CredentialBroker | undefined;
  /** Sees every plugin event of the session (for the client's own counters). */
  observe(event: PluginEvent): void;
}

export type PluginEvent = AnyLLMEvents['plugin:start' | 'plugin:ready' | 'plugin:exit' | 'plugin:restart' | 'plugin:stderr'];

/** One launched plugin and the connection to it. */
export interface Launched {
  readonly instance: PluginInstance;
  readonly connection: Connection;
  /** Open streams: where each batch goes, with its size (the message's, as the transport measured it). */
  readonly streams: Map<RequestId, (chunks: ChatCompletionChunk[], bytes: number, usage: CompletionUsage | undefined) => void>;
  readonly ready: Promise<InitializeResult>;
  heartbeat: Heartbeat | undefined;
  readonly launchedAt: number;
  /** Set when the host ends it on purpose (or kills it): why, and what in-flight calls get. */
  stopping: { cause: PluginExitCause; reason: string; error: Error } | undefined;
  /** Calls placed on it and not settled. */
  readonly calls: Set<Placement>;
  /** Calls that were running when the host ended it (they fail at once, before the exit is reported). */
  callsAtKill: number | undefined;
  /** Clients whose `client/open` has been sent to it: its answer, and whether it has come. */
  readonly opened: Map<string, { answer: Promise<unknown>; answered: boolean }>;
  /** Cancels sent and not yet acknowledged: the timer that declares the plugin hung. */
  readonly cancelWatch: Map<RequestId, NodeJS.Timeout>;
  /**
   * Requests sent with `ack` whose `$/started` has not come: the ones a hang may move. Only these
   * ids are kept (a notice for any other id is dropped), so it is bounded by the calls in flight.
   */
  readonly awaitingStart: Set<RequestId>;
  /** The clients blamed for its end, fixed when the host kills it (the calls it was running, and a hung call). */
  suspects: Set<SessionClient> | undefined;
  /**
   * How its streams send chunks (`StreamRequest.encoding`): JSON text over a port (a worker's, an
   * Electron utility process's), where nothing else measures a batch for the stream's byte window
   * and the text beats structured clone; objects over stdio (the message is JSON already, measured
   * as a line, and the sandbox's guard takes chunk objects only). A call asks for its plugin's,
   * whichever client made it.
   */
  readonly chunkEncoding: 'json' | undefined;
}

/** A call placed on the session by a client: how to send it, and where its end goes. */
export interface Placement {
  readonly client: SessionClient;
  /** Sends the request on `launched` with `id`. */
  send(launched: Launched, id: RequestId, envelope: CallEnvelope): Promise<unknown>;
  /** The call's end, exactly once: an error, or its result. */
  done(error: unknown, value: unknown): void;
  /** Where it runs now (it may move once to a replacement of a hung plugin). */
  launched: Launched | undefined;
  id: RequestId | undefined;
  /** Sent with `ack: true` (other calls were in flight). */
  ack: boolean;
  settled: boolean;
  /** It left a hung plugin for a replacement: until it is sent there, the wait is the host's, not the provider's. */
  moved?(): void;
}

/**
 * Supervises one plugin for all its clients.
 *
 * @example
 * ```ts
 * const session = new PluginSession({ spec, launch: launchWorker, isolation: 'worker', supervision, idleTimeoutMs: 60_000 });
 * session.attach(client);
 * session.place(placement); // launches the plugin on first use
 * ```
 */
export class PluginSession {
  readonly provider: string;
  readonly isolation: Isolation;
  readonly settings: ResolvedSupervision;
  readonly #options: PluginSessionOptions;
  /**
   * Crashes, charged to the clients whose calls were running: a client whose calls keep crashing
   * the shared plugin spends its own budget, not its peers' (each had a plugin and a budget before sharing).
   */
  readonly #budget: SharedCrashBudget<SessionClient>;
  readonly #clients = new Set<SessionClient>();
  /** The same clients by the id their calls carry (for the plugin's `auth` requests). */
  readonly #byWireId = new Map<string, SessionClient>();
  #launched: Launched | undefined;
  /** Calls in flight plus pending `start()`s, across clients: while above zero the plugin is ref'd and not idle. */
  #holds = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** The last plugin ended by a crash, a hang or a violation: the next launch is a restart. */
  #lastCrashed = false;
  /** The most recent launch (a hung plugin's replacement may start before the old one's exit is seen). */
  #lastLaunched: Launched | undefined;
  #retired = false;

  constructor(options: PluginSessionOptions) {
    this.#options = options;
    this.provider = options.spec.provider;
    this.isolation = options.isolation;
    this.settings = options.supervision;
    this.#budget = new SharedCrashBudget(options.supervision.maxCrashes, options.supervision.crashWindowMs);
  }

  /** Whether a plugin is running now. */
  get running(): boolean {
    return this.#launched !== undefined;
  }

  /** The OS boundary a sandboxed plugin runs in. */
  get boundary(): OsBoundaryKind {
    return this.#options.spec.osBoundary?.kind ?? 'none';
  }

  /** Whether the last client has left (a new client gets a new session). */
  get retired(): boolean {
    return this.#retired;
  }

  /** Crashes inside the crash window; how long until `client` may call again (0: now). */
  budget(client: SessionClient): { recent: number; blockedForMs: number } {
    return { recent: this.#budget.recent, blockedForMs: this.#budget.blockedForMs(client, this.#launched !== undefined) };
  }

  /** Whether `client` is the only one left (its leaving stops the plugin). */
  isLastClient(client: SessionClient): boolean {
    return this.#clients.size === 1 && this.#clients.has(client);
  }

  /** A call saw the plugin break the protocol (a stream over its window): the plugin is killed. */
  violation(launched: Launched, error: Error): void {
    this.#kill(launched, 'protocol-error', error);
  }

  /** Adds a client: it shares the plugin from its next call. */
  attach(client: SessionClient): void {
    this.#clients.add(client);
    this.#byWireId.set(client.wireId, client);
  }

  /**
   * Removes a client; its SDK client inside the plugin is dropped. The last one to leave stops the
   * plugin (a clean shutdown, or a kill after the grace period) and retires the session.
   */
  async detach(client: SessionClient): Promise<void> {
    if (!this.#clients.has(client)) return;
    if (this.#clients.size > 1) {
      const launched = this.#launched;
      if (launched?.opened.delete(client.wireId)) launched.connection.notify(Method.clientClose, { client: client.wireId });
      this.#clients.delete(client);
      this.#byWireId.delete(client.wireId);
      this.#budget.forget(client);
      return;
    }
    this.#retired = true;
    this.#options.onRetired?.();
    try {
      await this.#stop('closed');
    } finally {
      this.#clients.delete(client);
      this.#byWireId.delete(client.wireId);
    }
  }

  /** Keeps the plugin referenced and not idle (a call or a `start()` is under way). */
  hold(): void {
    if (this.#holds++ > 0) return;
    clearTimeout(this.#idleTimer);
    this.#launched?.instance.ref();
  }

  /** The end of what `hold()` began: at zero the plugin lets the process exit and idles. */
  release(): void {
    if (--this.#holds > 0) return;
    this.#launched?.instance.unref();
    this.#armIdle();
  }

  /** Launches the plugin if needed and waits for its handshake and `client`'s SDK client. */
  async start(client: SessionClient): Promise<InitializeResult> {
    this.hold();
    try {
      const launched = this.#ensure(client);
      const result = await launched.ready;
      await this.#open(launched, client).answer;
      return result;
    } finally {
      this.release();
    }
  }

  /**
   * Places a call: on the running plugin, or on one launched for it. Sent once the handshake is
   * done, after its client's `client/open`.
   *
   * @throws PluginUnavailableError when the crash budget is spent.
   */
  place(call: Placement): void {
    const launched = this.#ensure(call.client);
    call.launched = launched;
    launched.calls.add(call);
    // A failure of this plugin fails the call only while it is still there: a call moved off a
    // hung plugin must not be ended by that plugin's dying handshake or `client/open`.
    const fail = (error: unknown) => {
      if (call.launched === launched) this.settle(call, error);
    };
    launched.ready.then(
      () => {
        if (call.settled || call.launched !== launched || launched.stopping) return;
        const open = this.#open(launched, call.client);
        // A client's first call waits for its SDK client (so its idle timer never counts the
        // provider's setup); a failed open fails the call with the plugin's error.
        if (open.answered) this.#send(launched, call);
        else open.answer.then(() => this.#send(launched, call), fail);
      },
      fail,
    );
  }

  #send(launched: Launched, call: Placement): void {
    if (call.settled || call.launched !== launched || launched.stopping) return;
    const id = launched.connection.nextId();
    call.id = id;
    // Only a call queued behind another (or behind an unacknowledged cancel) can be stuck
    // behind a hang without having started: only those need to say when they start.
    call.ack = launched.calls.size > 1 || launched.cancelWatch.size > 0;
    const envelope: CallEnvelope = call.ack ? { client: call.client.wireId, ack: true } : { client: call.client.wireId };
    if (call.ack) launched.awaitingStart.add(id);
    call.send(launched, id, envelope).then(
      (value) => this.settle(call, undefined, value),
      (error: unknown) => this.settle(call, error),
    );
  }

  /** Ends a call once (its result, or its error); it leaves the plugin it ran on. */
  settle(call: Placement, error: unknown, value?: unknown): void {
    if (call.settled) return;
    call.settled = true;
    const launched = call.launched;
    launched?.calls.delete(call);
    if (launched && call.id !== undefined) {
      launched.streams.delete(call.id);
      launched.awaitingStart.delete(call.id);
    }
    call.done(error, value);
  }

  /**
   * Cancels a call (an abort, a timeout, a close): the plugin is told, and must acknowledge within
   * the cancel grace or be replaced as hung. The call ends with `error` at once.
   */
  cancel(call: Placement, error: Error): void {
    const launched = call.launched;
    if (launched && call.id !== undefined && !call.settled) {
      const id = call.id;
      launched.connection.cancel(id, error);
      if (!launched.stopping && this.settings.cancelGraceMs > 0) this.#watchCancel(launched, id, call.client);
    }
    this.settle(call, error);
  }

  /**
   * Declares the plugin hung if the cancel of `id` is not acknowledged within the grace. The verdict
   * waits one turn of the loop: when the host's own loop was stalled past the grace (a long
   * synchronous job, a GC pause), the acknowledgement is already waiting and is read first.
   */
  #watchCancel(launched: Launched, id: RequestId, client: SessionClient): void {
    const graceMs = this.settings.cancelGraceMs;
    const timer = setTimeout(() => {
      // Not unref'd: an unref'd immediate lets the poll phase block until some other event.
      setImmediate(() => {
        if (launched.stopping || launched.cancelWatch.get(id) !== timer) return;
        this.#hung(launched, graceMs, client);
      });
    }, graceMs);
    timer.unref();
    launched.cancelWatch.set(id, timer);
  }

  /** Sends a notification about a call that is running (a stream's credit). */
  notify(call: Placement, send: (connection: Connection, id: RequestId) => void): void {
    if (call.settled || call.id === undefined || !call.launched) return;
    send(call.launched.connection, call.id);
  }

  /** The running plugin for a call of `client`, or a new one; refused while a budget `client` is under is spent. */
  #ensure(client: SessionClient): Launched {
    if (this.#retired) {
      throw new PluginUnavailableError(`The '${this.provider}' plugin session is closed.`, { provider: this.provider });
    }
    // A client whose calls crashed the plugin too often is refused even while a peer keeps it running.
    const refused = this.#budget.refusal(client, this.#launched === undefined);
    if (refused) {
      throw new PluginUnavailableError(
        `Plugin '${this.provider}' crashed ${refused.recent} times${refused.own ? ' under its calls' : ''} within ${this.settings.crashWindowMs} ms; ` +
          `it is not restarted for another ${Math.ceil(refused.blockedForMs)} ms.`,
        { provider: this.provider, code: 'crash_budget' },
      );
    }
    this.#launched ??= this.#launch();
    return this.#launched;
  }

  /** Counts a crash against the clients whose calls were running under it, or against the plugin itself. */
  #recordCrash(launched: Launched): void {
    this.#budget.record(launched.suspects ?? suspectsOf(launched), (client) => this.#clients.has(client));
  }

  /** Sends `client/open` for `client` once per plugin; its calls follow it on the same channel. */
  #open(launched: Launched, client: SessionClient): { answer: Promise<unknown>; answered: boolean } {
    let opened = launched.opened.get(client.wireId);
    if (!opened) {
      const answer = launched.connection.request(Method.clientOpen, { client: client.wireId, ...client.open });
      const entry = { answer, answered: false };
      const answered = () => {
        entry.answered = true;
      };
      answer.then(answered, answered);
      opened = entry;
      launched.opened.set(client.wireId, opened);
    }
    return opened;
  }

  #launch(): Launched {
    const { spec, launch } = this.#options;
    const restart = this.#lastCrashed;
    this.#lastCrashed = false;
    this.#emit({ type: 'plugin:start', ...this.#base(), restart, boundary: this.boundary });
    if (restart) this.#emit({ type: 'plugin:restart', ...this.#base(), recentCrashes: this.#budget.recent });
    const instance = launch({
      ...spec,
      stderr: { ...spec.stderr, onLine: (line) => this.#emit({ type: 'plugin:stderr', ...this.#base(), line }) },
    });
    const streams: Launched['streams'] = new Map();
    const cancelWatch: Launched['cancelWatch'] = new Map();
    const awaitingStart: Launched['awaitingStart'] = new Set();
    const connection = new Connection(instance.transport, {
      provider: this.provider,
      onProtocolError: (error) => this.#kill(launched, 'protocol-error', error),
      // Untrusted code (sandbox tier): its error messages reach the caller escaped and bounded. In
      // every tier: a plugin cannot claim the caller's abort or timeout for a call's end.
      wireError: this.isolation === 'sandbox' ? (error) => withoutHostOutcomes(untrustedWireError(error)) : withoutHostOutcomes,
    });
    connection.onNotification(Method.chunks, (raw, size) => {
      const { id, chunks, json, usage } = raw as ChunksNotification;
      const sink = streams.get(id);
      if (!sink) return;
      // A chunk shows the call started, `$/started` or not: a hang must not move it and run it again.
      awaitingStart.delete(id);
      // Decoded once: the sandbox's guard hands on `chunks` and refuses a batch carrying both.
      const text = typeof json === 'string' ? json : undefined;
      // The encoding asked for, and no other (the sandbox's guard refuses the other for its own tier):
      // over a port only the JSON text is measured, so chunk objects there would count 0 bytes of
      // the window, and a plugin could fill the host's heap past it.
      if ((text !== undefined) !== (launched.chunkEncoding === 'json')) {
        throw new Error(text === undefined ? 'it sent chunk objects, not the JSON text the host asked for' : 'it sent a JSON chunk batch, an encoding the host did not ask for');
      }
      const batch: unknown = Array.isArray(chunks) ? chunks : text === undefined ? undefined : decodeChunkBatch(text);
      // Thrown here, the connection reports it as the plugin breaking the protocol.
      if (text !== undefined && batch === undefined) throw new Error('its JSON chunk batch does not decode');
      // Counted as the sender counted it: the line over stdio, the JSON text over a port.
      if (Array.isArray(batch)) sink(batch as ChatCompletionChunk[], size ?? text?.length ?? 0, usage);
    });
    connection.onNotification(Method.cancelled, (raw) => {
      const { id } = raw as CancelNotification;
      clearTimeout(cancelWatch.get(id));
      cancelWatch.delete(id);
    });
    // Credentials stay in the host: each upstream request is authorised for the client that makes it.
    connection.onRequest(Method.auth, (raw) => {
      const request = raw as AuthRequest;
      const broker = this.#byWireId.get(request.client)?.credentials;
      if (!broker) {
        throw new AuthenticationError(`The host holds no credentials for '${this.provider}' client '${String(request.client).slice(0, 64)}'.`, {
          provider: this.provider,
          code: 'auth_unavailable',
        });
      }
      return broker.authorise(request);
    });
    connection.onNotification(Method.started, (raw) => {
      awaitingStart.delete((raw as CancelNotification).id);
    });
    instance.attach?.(connection);
    const init: InitializeParams = {
      protocolVersion: PROTOCOL_VERSION,
      provider: this.provider,
      entry: spec.entryPath,
      capabilities: spec.capabilities,
      // Worker and process plugins add the `ca` option to their own store; the sandbox's host fetch uses it instead.
      ...(spec.network?.ca && this.isolation !== 'sandbox' ? { ca: spec.network.ca } : {}),
    };
    const startTimeoutMs = this.settings.startTimeoutMs;
    const ready = withTimeout(
      connection.request(Method.initialize, init),
      startTimeoutMs,
      () => new TimeoutError(`Plugin '${this.provider}' did not finish its handshake within ${startTimeoutMs} ms.`, { provider: this.provider }),
    ).then((result) => {
      if (result?.protocolVersion !== PROTOCOL_VERSION) {
        throw new PluginProtocolError(`Plugin '${this.provider}' speaks protocol ${String(result?.protocolVersion)}, the host ${PROTOCOL_VERSION}.`, {
          provider: this.provider,
        });
      }
      return result;
    });
    const launched: Launched = {
      instance,
      connection,
      streams,
      ready,
      heartbeat: undefined,
      launchedAt: performance.now(),
      stopping: undefined,
      calls: new Set(),
      callsAtKill: undefined,
      opened: new Map(),
      cancelWatch,
      awaitingStart,
      suspects: undefined,
      // Asked of the transport, not the tier: the process tier in Electron runs over a port too.
      chunkEncoding: instance.transport.measured === true ? undefined : 'json',
    };
    this.#lastLaunched = launched;
    ready.then(
      () => {
        if (launched.stopping) return;
        this.#emit({ type: 'plugin:ready', ...this.#base(), startupMs: Math.round(performance.now() - launched.launchedAt) });
        launched.heartbeat = this.#heartbeat(launched);
        launched.heartbeat?.start();
        // Warmed up by start() with no call yet: idle from now.
        this.#armIdle();
      },
      // A failed handshake ends this plugin; the next call starts a fresh one.
      (error: unknown) => {
        const cause: PluginExitCause = error instanceof TimeoutError ? 'unresponsive' : 'start-failed';
        this.#kill(launched, cause, error instanceof Error ? error : new PluginCrashedError(String(error)));
      },
    );
    if (this.#holds === 0) instance.unref();
    instance.exited.then((exit) => this.#onExit(launched, exit));
    return launched;
  }

  #heartbeat(launched: Launched): Heartbeat | undefined {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.settings;
    if (heartbeatIntervalMs <= 0) return undefined;
    return new Heartbeat({
      ping: () => launched.connection.request(Method.ping, {}),
      check: checkPingResult,
      intervalMs: heartbeatIntervalMs,
      timeoutMs: heartbeatTimeoutMs,
      onDead: (silentMs) => {
        const error = new PluginCrashedError(`Plugin '${this.provider}' stopped answering (no heartbeat for ${silentMs} ms) and was killed.`, {
          provider: this.provider,
          code: 'unresponsive',
        });
        this.#kill(launched, 'unresponsive', error);
      },
      // Supervision the plugin cannot switch off: a wrong answer kills as surely as silence.
      onBroken: (reason) => {
        // The reason quotes the answer (JSON.stringify leaves C1 and bidi controls raw).
        const error = new PluginProtocolError(`Plugin '${this.provider}' broke the protocol: it ${escapeControls(reason)}; it was killed.`, {
          provider: this.provider,
          code: 'protocol-error',
        });
        this.#kill(launched, 'protocol-error', error);
      },
    });
  }

  /**
   * A cancel went unacknowledged: the plugin's event loop is stuck. The calls that never started
   * there (not yet sent, or sent behind others and never `$/started`) move to a replacement; the
   * rest fail with the hang.
   */
  #hung(launched: Launched, graceMs: number, culprit: SessionClient): void {
    if (launched.stopping) return;
    const movable = [...launched.calls].filter((call) => call.id === undefined || launched.awaitingStart.has(call.id));
    for (const call of movable) {
      launched.calls.delete(call);
      if (call.id !== undefined) {
        launched.connection.forget(call.id);
        launched.streams.delete(call.id);
      }
      call.launched = undefined;
      call.id = undefined;
      call.moved?.();
    }
    const error = new PluginCrashedError(
      `Plugin '${this.provider}' did not acknowledge a cancel within ${graceMs} ms: it is hung, and was killed and replaced.`,
      { provider: this.provider, code: 'unresponsive' },
    );
    // The call whose cancel went unanswered is what hung it; the calls it had started ran under it.
    launched.suspects = new Set([culprit, ...suspectsOf(launched)]);
    this.#kill(launched, 'unresponsive', error);
    for (const call of movable) {
      try {
        this.place(call);
      } catch (placeError) {
        this.settle(call, placeError);
      }
    }
  }

  #onExit(launched: Launched, exit: PluginExit): void {
    if (this.#launched === launched) this.#launched = undefined;
    this.#disarm(launched);
    const cause = launched.stopping?.cause ?? (exit.violation ? 'protocol-error' : 'crashed');
    const reason = launched.stopping?.reason ?? exit.reason;
    const ErrorClass = exit.violation ? PluginProtocolError : PluginCrashedError;
    const error =
      launched.stopping?.error ??
      new ErrorClass(`Plugin '${this.provider}' ${exit.reason}.`, { provider: this.provider, code: exit.violation ? 'protocol_violation' : undefined });
    const failedCalls = launched.callsAtKill ?? launched.calls.size;
    launched.connection.close(error);
    if (isCrash(cause)) {
      this.#recordCrash(launched);
      // A replacement launched meanwhile (a hung plugin's) already reported itself as the restart.
      if (this.#lastLaunched === launched) this.#lastCrashed = true;
    }
    this.#emit({ type: 'plugin:exit', ...this.#base(), cause, reason, code: exit.code, signal: exit.signal, failedCalls });
  }

  #kill(launched: Launched, cause: PluginExitCause, error: Error): void {
    if (this.#launched === launched) this.#launched = undefined;
    // Known now, before the exit: a replacement launched at once (a hang's) is a restart.
    if (isCrash(cause) && this.#lastLaunched === launched && !launched.stopping) this.#lastCrashed = true;
    launched.stopping ??= { cause, reason: error.message, error };
    launched.callsAtKill ??= launched.calls.size;
    launched.suspects ??= suspectsOf(launched);
    this.#disarm(launched);
    // Fail in-flight calls now, not when the exit is reported.
    launched.connection.close(launched.stopping.error);
    launched.instance.kill(error.message);
  }

  #disarm(launched: Launched): void {
    launched.heartbeat?.stop();
    for (const timer of launched.cancelWatch.values()) clearTimeout(timer);
    launched.cancelWatch.clear();
  }

  async #stop(cause: 'idle' | 'closed'): Promise<void> {
    clearTimeout(this.#idleTimer);
    const launched = this.#launched;
    if (!launched) return;
    this.#launched = undefined;
    this.#disarm(launched);
    const error = new PluginUnavailableError(
      cause === 'closed' ? `The '${this.provider}' client was closed before the call finished.` : `Plugin '${this.provider}' was shut down while idle.`,
      { provider: this.provider },
    );
    launched.stopping ??= { cause, reason: cause === 'closed' ? 'closed by the client' : 'shut down while idle', error };
    // Ref'd to wait for the exit, not for a call: the plugin may start nothing more (no fetch).
    launched.instance.ref();
    launched.instance.stopping?.();
    const grace = this.settings.shutdownGraceMs;
    if (launched.calls.size > 0) {
      // Still busy after the drain: no clean exit to wait for.
      launched.callsAtKill = launched.calls.size;
      launched.connection.close(error);
      launched.instance.kill(`was still busy when the grace period ended`);
    } else {
      launched.connection.request(Method.shutdown, {}).catch(() => {});
    }
    const timer = setTimeout(() => launched.instance.kill(`did not exit within ${grace} ms of shutdown`), grace);
    await launched.instance.exited;
    clearTimeout(timer);
  }

  /** Shuts the plugin down after `idleTimeoutMs` without calls. */
  #armIdle(): void {
    const idle = this.#options.idleTimeoutMs;
    if (idle <= 0 || !this.#launched || this.#retired || this.#holds > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#holds === 0) void this.#stop('idle');
    }, idle);
    this.#idleTimer.unref();
  }

  #base(): { provider: string; isolation: Isolation; time: number } {
    return { provider: this.provider, isolation: this.isolation, time: Date.now() };
  }

  /** A plugin event goes to every client's listeners and, once, to `node:diagnostics_channel`. */
  #emit(event: PluginEvent): void {
    for (const client of this.#clients) {
      client.observe(event);
      client.events.deliver(event);
    }
    publishEvent(event);
  }
}

/** The clients with a call sent to `launched` and not settled (the ones that may have crashed it). */
function suspectsOf(launched: Launched): Set<SessionClient> {
  const suspects = new Set<SessionClient>();
  for (const call of launched.calls) if (call.id !== undefined) suspects.add(call.client);
  return suspects;
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Exits that count as crashes: the plugin's own end, a hang, a broken protocol. */
function isCrash(cause: PluginExitCause): boolean {
  return cause === 'crashed' || cause === 'unresponsive' || cause === 'protocol-error';
}
