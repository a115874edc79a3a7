/**
 * Call routing for one `AnyLLM` client on a shared plugin session: each call is counted and
 * reported from here (`call:start`, `call:retry`, `call:end`), bounded by its guard, retried while
 * that is safe (a stream only before its first chunk), and ended exactly once. The client's key,
 * base URL and SDK options travel with it (`client/open`); `close()` ends only its own calls.
 *
 * @module
 */
import { createAbortError, FallbackError, isAbortError, PluginCrashedError, PluginProtocolError, PluginUnavailableError, TimeoutError } from '../errors.js';
import { Method, STREAM_WINDOW_BYTES, type CallEnvelope, type ClientOpenParams, type CreditNotification, type InitializeResult, type StreamRequest } from '../protocol/methods.js';
import type { Credit } from '../protocol/flow-control.js';
import type { CallOptions, ChatCompletion, ChatCompletionChunk, CompletionParams, CompletionUsage, Isolation } from '../types.js';
import { CallGuard, isGuardTimeout } from './call-guard.js';
import { ChunkStream } from './chunk-stream.js';
import { EventHub, type CallMethod, type CallOutcome, type PluginExitCause } from './events.js';
import type { OsBoundaryKind } from './launchers/os-boundary/types.js';
import type { CredentialBroker } from './credentials/index.js';
import type { Launcher, LaunchSpec } from './launchers/launcher.js';
import { PluginSession, type Launched, type Placement, type PluginEvent, type SessionClient } from './plugin-session.js';
import { movesOn } from './fallbacks.js';
import { NO_RETRY, resolveRetry, retryDelay, type RetryPolicy } from './retry.js';
import { SUPERVISION_DEFAULTS, type ResolvedSupervision } from './supervision.js';
import { estimateUsage, countDeltaChars } from './usage-estimate.js';

/** Counters of one client since it was created. */
export interface ClientStats {
  provider: string;
  isolation: Isolation;
  /** The OS boundary a sandboxed plugin runs in (`'none'`: Node's permission model alone, or not sandboxed). */
  boundary: OsBoundaryKind;
  /** Whether its (shared) plugin is running now. */
  running: boolean;
  /** Plugin launches seen by this client (the first start, restarts and starts after idle shutdowns). */
  starts: number;
  /** Plugin ends by crashing, hanging or breaking the protocol, seen by this client. */
  crashes: number;
  /** Crashes of its plugin inside the current crash window. */
  recentCrashes: number;
  /** While the crash budget is spent: how long until a start is allowed again. */
  unavailableForMs: number;
  /** This client's calls in flight now (streams included). */
  inFlight: number;
  calls: { started: number; ok: number; error: number; aborted: number; timeout: number; retries: number };
  /** Stream chunks delivered to this client. */
  chunks: number;
  /** Tokens reported by the provider across this client's calls. */
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** How the last plugin ended, if one did while this client was attached. */
  lastExit: { cause: PluginExitCause; reason: string; time: number } | undefined;
}

export interface PluginClientOptions {
  session: PluginSession;
  /** The key, base URL and SDK options of this client's own SDK client in the plugin. */
  open: Omit<ClientOpenParams, 'client'>;
  retry: RetryPolicy;
  /** Answers the plugin's `auth` requests for this client (a manifest with `credentials`). */
  credentials?: CredentialBroker;
  /** The name its events, errors and stats report (the provider's, or an OpenAI-compatible server's). */
  name?: string;
}

/** The bookkeeping of one call across its attempts, for its events and the stats. */
interface CallRecord {
  id: number;
  method: CallMethod;
  model: string | undefined;
  started: number;
  attempts: number;
  firstChunkAt: number | undefined;
  chunks: number;
  /** Characters of content, reasoning and tool arguments received (for a usage estimate). */
  deltaChars: number;
  usage: CompletionUsage | null | undefined;
  /** A stream's params (for a usage estimate). */
  params: CompletionParams | undefined;
}

/**
 * The next step of a fallback chain after `error`: another client (of another provider) and the
 * params for it, or undefined when the chain is done. Checks what the next provider cannot honour
 * itself (its refusals are recorded as that step's error, and the chain moves on).
 */
export type FallbackSource<P> = () => Promise<FallbackStepResult<P>>;

export interface FallbackStepResult<P> {
  /** The step to try, or undefined when the chain is done. */
  next: { client: PluginClient; params: P; name: string } | undefined;
  /** Steps refused before it (a parameter the provider cannot honour, a client that cannot be made). */
  skipped: { name: string; error: unknown }[];
}

/** One attempt of a call: how to send it and what to do with its end. */
interface Attempt {
  send(launched: Launched, id: number, envelope: CallEnvelope): Promise<unknown>;
  /** Whether a failure of this attempt may be retried (a stream: nothing delivered yet). */
  retryable(): boolean;
}

let nextWireId = 1;

/**
 * One client's calls on its plugin session.
 *
 * @example
 * ```ts
 * const client = new PluginClient({ session, open: { apiKey, apiBase, clientOptions: {} }, retry: RETRY_DEFAULTS });
 * const completion = await client.request(Method.completion, { params }, { timeoutMs: 30_000 });
 * await client.close();
 * ```
 */
export class PluginClient implements SessionClient {
  readonly wireId = `c${nextWireId++}`;
  readonly open: Omit<ClientOpenParams, 'client'>;
  readonly events = new EventHub();
  readonly credentials: CredentialBroker | undefined;
  readonly #session: PluginSession;
  readonly #retry: RetryPolicy;
  readonly #name: string;
  /** Attempts on the wire now, so `close()` can end them. */
  readonly #placements = new Set<Placement>();
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #nextCallId = 1;
  readonly #stats = {
    starts: 0,
    crashes: 0,
    calls: { started: 0, ok: 0, error: 0, aborted: 0, timeout: 0, retries: 0 },
    chunks: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    lastExit: undefined as ClientStats['lastExit'],
  };

  constructor(options: PluginClientOptions) {
    this.#session = options.session;
    this.open = options.open;
    this.#retry = options.retry;
    this.credentials = options.credentials;
    this.#name = options.name ?? options.session.provider;
    options.session.attach(this);
  }

  /** Whether its plugin is running now. */
  get running(): boolean {
    return this.#session.running;
  }

  /** Counts what happens to the shared plugin while this client is attached. */
  observe(event: PluginEvent): void {
    if (event.type === 'plugin:start') this.#stats.starts++;
    if (event.type !== 'plugin:exit') return;
    this.#stats.lastExit = { cause: event.cause, reason: event.reason, time: event.time };
    if (event.cause === 'crashed' || event.cause === 'unresponsive' || event.cause === 'protocol-error') this.#stats.crashes++;
  }

  /** A snapshot of the counters. */
  stats(): ClientStats {
    const s = this.#stats;
    const budget = this.#session.budget(this);
    return {
      provider: this.#name,
      isolation: this.#session.isolation,
      boundary: this.#session.boundary,
      running: this.running,
      starts: s.starts,
      crashes: s.crashes,
      recentCrashes: budget.recent,
      unavailableForMs: budget.blockedForMs,
      inFlight: this.#inFlight,
      calls: { ...s.calls },
      chunks: s.chunks,
      usage: { ...s.usage },
      lastExit: s.lastExit && { ...s.lastExit },
    };
  }

  /** Starts the plugin (if it is not running) and this client's SDK client in it; resolves once both are ready. */
  start(): Promise<InitializeResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#session.start(this);
  }

  /** Sends one request (retried per the policy, then down the fallback chain) and returns its result. */
  request<T>(method: CallMethod, params: object, options: CallOptions = {}, fallback?: FallbackSource<object>): Promise<T> {
    if (options.signal?.aborted) return Promise.reject(createAbortError(options.signal.reason));
    const model = (params as { params?: { model?: unknown } }).params?.model;
    return new Promise<T>((resolve, reject) => {
      this.#run<object>(method, typeof model === 'string' ? model : undefined, params, undefined, options, fallback, {
        attempt: (guard, _record, stepParams) => ({
          send: (launched, id, envelope) => {
            guard.touch();
            return launched.connection.request(method as typeof Method.completion, { ...stepParams, ...envelope } as never, id);
          },
          retryable: () => true,
        }),
        done: (error, value) => (error === undefined ? resolve(value as T) : reject(error)),
      });
    });
  }

  /** Starts a streamed completion; chunks flow as the returned stream is read. */
  stream(params: CompletionParams, options: CallOptions = {}, fallback?: FallbackSource<CompletionParams>): ChunkStream {
    const window = { messages: this.#session.settings.streamWindow, bytes: STREAM_WINDOW_BYTES };
    let current: { placement: () => Placement | undefined; cancel(error: Error): void; resumeIdle(): void } | undefined;
    return new ChunkStream({
      window,
      grant: (credit: Credit) => {
        const placement = current?.placement();
        if (!placement) return;
        this.#session.notify(placement, (connection, id) => {
          connection.notify(Method.credit, { id, credits: credit.messages, bytes: credit.bytes } satisfies CreditNotification);
          // The window the idle timer was paused for is open again: a provider that stalls now times out.
          current?.resumeIdle();
        });
      },
      cancel: () => current?.cancel(createAbortError()),
      start: (stream) => {
        if (options.signal?.aborted) throw createAbortError(options.signal.reason);
        current = this.#run<CompletionParams>('completionStream', params?.model, params, params, options, fallback, {
          attempt: (guard, record, stepParams, step) => {
            let on: Launched | undefined;
            const sink = (chunks: ChatCompletionChunk[], bytes: number, running: CompletionUsage | undefined) => {
              const count = chunks.length;
              if (count === 0) return;
              const problem = stream.push(chunks, bytes);
              if (problem !== undefined && on) {
                // The batch is refused, and counts for nothing. The plugin of this attempt, a fallback
                // step's included: its own session kills it, or that session would go on routing its
                // clients' calls to the dead plugin.
                const error = new PluginProtocolError(`Plugin '${step.#name}' broke the protocol: it ${problem}.`, { provider: step.#name });
                return step.#session.violation(on, error);
              }
              record.firstChunkAt ??= performance.now();
              record.chunks += count;
              // Only for an estimate in `call:end`: no per-chunk work when nobody listens for it.
              if (this.events.wants('call:end')) record.deltaChars += countDeltaChars(chunks);
              // The usage so far (for a stream cut short), then the final usage chunk's.
              if (running) record.usage = running;
              const usage = chunks[count - 1].usage;
              if (usage) record.usage = usage;
              // A full window pauses the plugin until the consumer reads: that wait is not the plugin's idleness.
              if (stream.full) guard.pauseIdle();
              else guard.touch();
            };
            return {
              send: (launched, id, envelope) => {
                on = launched;
                launched.streams.set(id, sink);
                guard.touch();
                // The encoding of the plugin this attempt runs on: a fallback step may be in another tier.
                const request: StreamRequest = { ...envelope, params: stepParams, window: window.messages, windowBytes: window.bytes, encoding: launched.chunkEncoding };
                return launched.connection.request(Method.completionStream, request, id);
              },
              // Once a chunk has reached the consumer, a new attempt would repeat it.
              retryable: () => record.chunks === 0,
            };
          },
          done: (error) => (error === undefined ? stream.end() : stream.fail(error)),
        });
      },
    });
  }

  /**
   * The life of one call, the same for requests and streams: counted and reported from here, each
   * attempt placed on the session, bounded by one guard across attempts, retried per the policy,
   * and ended exactly once (`done`, then the `call:end` bookkeeping). Returns its current attempt
   * and a way to cancel it.
   */
  #run<P>(
    method: CallMethod,
    model: unknown,
    params: P,
    streamParams: CompletionParams | undefined,
    options: CallOptions,
    fallback: FallbackSource<P> | undefined,
    hooks: {
      /** `client`: whose plugin the attempt runs on (this one, or a fallback step's). */
      attempt(guard: CallGuard, record: CallRecord, params: P, client: PluginClient): Attempt;
      done(error: unknown, value: unknown): void;
    },
  ): { placement: () => Placement | undefined; cancel(error: Error): void; resumeIdle(): void } {
    const record = this.#beginCall(method, typeof model === 'string' ? model : undefined, streamParams);
    // Checked by validateCallOptions before the call was made.
    const policy = options.retry === undefined ? this.#retry : resolveRetry(options.retry, this.#retry, this.#name);
    /** Where attempts go: this client, then each fallback step's. */
    let target = { client: this as PluginClient, params, name: `${this.#name}:${String(model)}` };
    /** Attempts on the current target (each step of a chain has its own retries). */
    let stepAttempts = 0;
    let crashes = 0;
    const chain = { names: [target.name], errors: [] as unknown[] };
    let current: Placement | undefined;
    let waiting: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (error: unknown, value?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(waiting);
      guard.dispose();
      hooks.done(error, value);
      this.#endCall(record, value, error);
    };
    const cancel = (error: Error) => {
      if (current) (current.client as PluginClient).#session.cancel(current, error);
      else finish(error);
    };
    const guard = new CallGuard(options, this.#name, cancel);
    const attemptOnce = () => {
      waiting = undefined;
      if (finished) return;
      if (this.#closed) return finish(this.#closedError());
      record.attempts++;
      stepAttempts++;
      const client = target.client;
      const attempt = hooks.attempt(guard, record, target.params, client);
      // A fallback step runs on another client's plugin: it too must keep the process alive meanwhile.
      const foreign = client !== this;
      if (foreign) client.#session.hold();
      const placement: Placement = {
        client,
        launched: undefined,
        id: undefined,
        ack: false,
        settled: false,
        send: attempt.send,
        // The replacement's cold start is not the provider's silence (the next send re-arms it).
        moved: () => guard.pauseIdle(),
        done: (error, value) => {
          this.#placements.delete(placement);
          if (foreign) client.#session.release();
          if (current === placement) current = undefined;
          if (error === undefined) return finish(undefined, value);
          // A retry's wait and the plugin's restart are the host's: the next attempt's send re-arms the idle timer.
          guard.pauseIdle();
          retryOrFail(error, attempt);
        },
      };
      current = placement;
      this.#placements.add(placement);
      try {
        client.#session.place(placement);
      } catch (error) {
        this.#placements.delete(placement);
        if (foreign) client.#session.release();
        current = undefined;
        guard.pauseIdle();
        retryOrFail(error, attempt);
      }
    };
    const retryOrFail = (error: unknown, attempt: Attempt) => {
      if (finished) return;
      if (this.#closed || !attempt.retryable()) return finish(error);
      // A call under which the plugin crashed twice is likely what crashes it: not a third time.
      if (error instanceof PluginCrashedError && crashes++ > 0) return fallBack(error);
      const delay = retryDelay(error, stepAttempts, policy);
      if (delay === undefined) return fallBack(error);
      this.#stats.calls.retries++;
      if (this.events.wants('call:retry')) {
        this.events.emit({
          type: 'call:retry',
          ...this.#base(),
          callId: record.id,
          method: record.method,
          model: record.model,
          attempt: record.attempts,
          error: errorName(error),
          message: error instanceof Error ? error.message : String(error),
          delayMs: delay,
        });
      }
      waiting = setTimeout(attemptOnce, delay);
    };
    /** Retries are spent: the next step of the chain, when the error moves it on. */
    const fallBack = (error: unknown) => {
      if (!fallback || !movesOn(error)) return finish(chain.errors.length > 0 ? exhausted(error) : error);
      chain.errors.push(error);
      fallback().then(
        ({ next, skipped: refused }) => {
          if (finished) return;
          for (const skipped of refused) {
            this.#emitFallback(target.name, skipped.name, chain.errors[chain.errors.length - 1]);
            chain.names.push(skipped.name);
            chain.errors.push(skipped.error);
            target = { ...target, name: skipped.name };
          }
          if (!next) return finish(new FallbackError(chain.names, chain.errors));
          this.#emitFallback(target.name, next.name, chain.errors[chain.errors.length - 1]);
          chain.names.push(next.name);
          target = { client: next.client, params: next.params, name: next.name };
          // A new step has retries of its own, its crash retry included (another model or plugin).
          stepAttempts = 0;
          crashes = 0;
          attemptOnce();
        },
        (sourceError: unknown) => finish(sourceError),
      );
    };
    /**
     * The chain ended on an error that does not move it on. The caller's own limits (an abort, its
     * `timeoutMs` / `idleTimeoutMs`) cut the chain short: they stay what they are, not "every provider failed".
     */
    const exhausted = (error: unknown) => {
      if (isAbortError(error) || isGuardTimeout(error)) return error;
      return new FallbackError(chain.names, [...chain.errors, error]);
    };
    attemptOnce();
    return {
      placement: () => current,
      resumeIdle: () => guard.resumeIdle(),
      cancel: (error) => {
        // The consumer's own stop is not a failure of the guard: it ends the call as aborted.
        guard.dispose();
        cancel(error);
      },
    };
  }

  #emitFallback(from: string, to: string, error: unknown): void {
    if (!this.events.wants('call:fallback')) return;
    this.events.emit({
      type: 'call:fallback',
      ...this.#base(),
      from,
      to,
      error: errorName(error),
      message: error instanceof Error ? error.message : String(error),
    });
  }

  /** Lets this client's calls finish (up to the grace period), then ends the rest and leaves the plugin. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#drainAndLeave();
    return this.#closing;
  }

  async #drainAndLeave(): Promise<void> {
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        timer = setTimeout(resolve, this.#session.settings.shutdownGraceMs);
      });
      clearTimeout(timer);
      this.#drained = undefined;
    }
    // Calls of other clients on the same plugin go on; this client's end now. Its last client's
    // leaving ends the plugin with its calls; a fallback step on another provider's plugin, which
    // may serve other clients, is ended here either way.
    const last = this.#session.isLastClient(this);
    for (const placement of [...this.#placements]) {
      const session = (placement.client as PluginClient).#session;
      if (!last || session !== this.#session) session.cancel(placement, this.#closedError('before the call finished'));
    }
    await this.#session.detach(this);
  }

  #closedError(when = ''): PluginUnavailableError {
    return new PluginUnavailableError(`The '${this.#name}' client ${when ? `was closed ${when}` : 'is closed'}.`, { provider: this.#name });
  }

  #beginCall(method: CallMethod, model: string | undefined, params: CompletionParams | undefined): CallRecord {
    const record: CallRecord = {
      id: this.#nextCallId++,
      method,
      model,
      started: performance.now(),
      attempts: 0,
      firstChunkAt: undefined,
      chunks: 0,
      deltaChars: 0,
      usage: undefined,
      params,
    };
    this.#stats.calls.started++;
    if (this.#inFlight++ === 0) this.#session.hold();
    if (this.events.wants('call:start')) {
      this.events.emit({ type: 'call:start', ...this.#base(), callId: record.id, method, model });
    }
    return record;
  }

  #endCall(record: CallRecord, value: unknown, error: unknown): void {
    const outcome: CallOutcome = error === undefined ? 'ok' : isAbortError(error) ? 'aborted' : error instanceof TimeoutError ? 'timeout' : 'error';
    this.#stats.calls[outcome]++;
    this.#stats.chunks += record.chunks;
    const reported = record.usage ?? (value as ChatCompletion | undefined)?.usage ?? undefined;
    if (reported) {
      // A plugin outside the sandbox's checks may report anything: only whole counts add up.
      this.#stats.usage.prompt_tokens += tokenCount(reported.prompt_tokens);
      this.#stats.usage.completion_tokens += tokenCount(reported.completion_tokens);
      this.#stats.usage.total_tokens += tokenCount(reported.total_tokens);
    }
    if (this.events.wants('call:end')) {
      const stream = record.method === 'completionStream';
      // A stream cut short before its usage chunk still cost tokens: say about how many.
      const estimate = stream && error !== undefined && !reported && record.params ? estimateUsage(record.params, record.deltaChars) : undefined;
      this.events.emit({
        type: 'call:end',
        ...this.#base(),
        callId: record.id,
        method: record.method,
        model: record.model,
        outcome,
        error: error === undefined ? undefined : errorName(error),
        usage: reported ?? estimate,
        ...(estimate ? { usageEstimated: true as const } : {}),
        attempts: record.attempts,
        latencyMs: performance.now() - record.started,
        firstChunkMs: stream && record.firstChunkAt !== undefined ? record.firstChunkAt - record.started : undefined,
        chunks: stream ? record.chunks : undefined,
      });
    }
    if (--this.#inFlight === 0) {
      this.#session.release();
      this.#drained?.();
    }
  }

  #base(): { provider: string; isolation: Isolation; time: number } {
    return { provider: this.#name, isolation: this.#session.isolation, time: Date.now() };
  }
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

/**
 * A client on a plugin session of its own, not shared, with a launcher of the caller's choosing
 * (an embedding host's own launcher, or a test's). No host retries unless `retry` says so.
 *
 * @example
 * ```ts
 * const client = privateClient({ spec, launch: launchProcess, isolation: 'process', apiKey: 'k', apiBase: undefined, clientOptions: {}, idleTimeoutMs: 0 });
 * ```
 */
export function privateClient(options: {
  spec: LaunchSpec;
  launch: Launcher;
  isolation: Isolation;
  apiKey: string | undefined;
  apiBase: string | undefined;
  clientOptions: Record<string, unknown>;
  idleTimeoutMs: number;
  supervision?: ResolvedSupervision;
  retry?: RetryPolicy;
}): PluginClient {
  const session = new PluginSession({
    spec: options.spec,
    launch: options.launch,
    isolation: options.isolation,
    supervision: options.supervision ?? { ...SUPERVISION_DEFAULTS },
    idleTimeoutMs: options.idleTimeoutMs,
  });
  return new PluginClient({
    session,
    open: { apiKey: options.apiKey, apiBase: options.apiBase, clientOptions: options.clientOptions },
    retry: options.retry ?? NO_RETRY,
  });
}

/** `value` when it is a whole, non-negative number of tokens a sum holds exactly; otherwise 0. */
function tokenCount(value: unknown): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0;
}
