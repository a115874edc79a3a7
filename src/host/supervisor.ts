/**
 * The supervisor owns one provider's plugin: starts it on the first call, shakes hands, routes
 * calls and stream chunks, keeps the host's event loop free of it while idle, restarts it after a
 * crash, and shuts it down when idle or closed.
 *
 * @module
 */
import {
  createAbortError,
  PluginCrashedError,
  PluginProtocolError,
  PluginUnavailableError,
  TimeoutError,
} from '../errors.js';
import { Connection } from '../protocol/connection.js';
import {
  Method,
  PROTOCOL_VERSION,
  type ChunksNotification,
  type InitializeParams,
  type InitializeResult,
  type RequestId,
  type StreamRequest,
} from '../protocol/methods.js';
import type { CallOptions, ChatCompletionChunk, CompletionParams } from '../types.js';
import { ChunkStream } from './chunk-stream.js';
import type { Launcher, LaunchSpec, PluginExit, PluginInstance } from './launchers/launcher.js';

export interface SupervisorOptions {
  spec: LaunchSpec;
  launch: Launcher;
  apiKey: string | undefined;
  apiBase: string | undefined;
  clientOptions: Record<string, unknown>;
  /** Shut the plugin down after this long without calls (0 = never). */
  idleTimeoutMs: number;
  /** Chunks a stream may have unconsumed before the plugin pauses. */
  streamWindow?: number;
  /** How long `close()` waits for a clean exit before killing. */
  shutdownGraceMs?: number;
  /** How long the handshake may take (SDK import included). */
  startTimeoutMs?: number;
}

/** One running plugin and the connection to it. */
interface Session {
  instance: PluginInstance;
  connection: Connection;
  streams: Map<RequestId, ChunkStream>;
  ready: Promise<InitializeResult>;
}

const DEFAULT_STREAM_WINDOW = 1024;

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
  #session: Session | undefined;
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#provider = options.spec.provider;
  }

  /** Whether a plugin is running now. */
  get running(): boolean {
    return this.#session !== undefined;
  }

  /** Starts the plugin if it is not running and waits for its handshake. */
  async start(): Promise<InitializeResult> {
    return this.#ensureSession().ready;
  }

  /** Sends one request and returns its result; `options` may abort it or time it out. */
  async request<T>(method: string, params: unknown, options: CallOptions = {}): Promise<T> {
    options.signal?.throwIfAborted();
    this.#callStarted();
    try {
      const session = this.#ensureSession();
      await withCallOptions(session.ready, options, this.#provider);
      const id = session.connection.nextId();
      const result = session.connection.request<T>(method, params, id);
      return await withCallOptions(result, options, this.#provider, (reason) => session.connection.cancel(id, reason));
    } finally {
      this.#callEnded();
    }
  }

  /** Starts a streamed completion; chunks flow as the returned stream is read. */
  stream(params: CompletionParams, options: CallOptions = {}): ChunkStream {
    const window = this.#options.streamWindow ?? DEFAULT_STREAM_WINDOW;
    let cancel: (reason?: unknown) => void = () => {};
    let grant: (credits: number) => void = () => {};
    return new ChunkStream({
      window,
      grant: (credits) => grant(credits),
      cancel: () => cancel(),
      start: (stream) => {
        options.signal?.throwIfAborted();
        this.#callStarted();
        const session = this.#ensureSession();
        let id: RequestId | undefined;
        // Tells the plugin to abort upstream; the call's own rejection then ends the stream.
        cancel = (reason) => {
          if (id !== undefined) session.connection.cancel(id, reason);
        };
        const run = async () => {
          await withCallOptions(session.ready, options, this.#provider);
          id = session.connection.nextId();
          session.streams.set(id, stream);
          grant = (credits) => session.connection.notify(Method.credit, { id, credits });
          const done = session.connection.request(Method.completionStream, { params, window } satisfies StreamRequest, id);
          await withCallOptions(done, options, this.#provider, cancel);
        };
        run().then(
          () => stream.end(),
          (error: unknown) => stream.fail(error),
        ).finally(() => {
          if (id !== undefined) session.streams.delete(id);
          this.#callEnded();
        });
      },
    });
  }

  /** Asks the plugin to exit, waits up to the grace period, then kills it. Further calls fail. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#stop('closed');
    return this.#closing;
  }

  #ensureSession(): Session {
    if (this.#closed) {
      throw new PluginUnavailableError(`The '${this.#provider}' client is closed.`, { provider: this.#provider });
    }
    this.#session ??= this.#launch();
    return this.#session;
  }

  #launch(): Session {
    const { spec, launch } = this.#options;
    const instance = launch(spec);
    const streams = new Map<RequestId, ChunkStream>();
    const connection = new Connection(instance.transport, {
      provider: this.#provider,
      onProtocolError: (error) => this.#kill(session, error),
    });
    connection.onNotification(Method.chunks, (raw) => {
      const { id, chunks } = raw as ChunksNotification;
      if (Array.isArray(chunks)) streams.get(id)?.push(chunks as ChatCompletionChunk[]);
    });
    instance.attach?.(connection);
    const init: InitializeParams = {
      protocolVersion: PROTOCOL_VERSION,
      provider: this.#provider,
      entry: spec.entryPath,
      apiKey: this.#options.apiKey,
      apiBase: this.#options.apiBase,
      clientOptions: this.#options.clientOptions,
    };
    const ready = withTimeout(
      connection.request<InitializeResult>(Method.initialize, init),
      this.#options.startTimeoutMs ?? 30_000,
      () => new TimeoutError(`Plugin '${this.#provider}' did not finish its handshake in time.`, { provider: this.#provider }),
    ).then((result) => {
      if (result?.protocolVersion !== PROTOCOL_VERSION) {
        throw new PluginProtocolError(
          `Plugin '${this.#provider}' speaks protocol ${String(result?.protocolVersion)}, the host ${PROTOCOL_VERSION}.`,
          { provider: this.#provider },
        );
      }
      return result;
    });
    const session: Session = { instance, connection, streams, ready };
    // A failed handshake ends this session; the next call starts a fresh plugin.
    ready.catch((error: unknown) => this.#kill(session, error));
    if (this.#inFlight === 0) instance.unref();
    instance.exited.then((exit) => this.#onExit(session, exit));
    return session;
  }

  #onExit(session: Session, exit: PluginExit): void {
    if (this.#session === session) this.#session = undefined;
    session.connection.close(
      new PluginCrashedError(`Plugin '${this.#provider}' ${exit.reason}.`, { provider: this.#provider }),
    );
  }

  #kill(session: Session, error: unknown): void {
    if (this.#session === session) this.#session = undefined;
    session.connection.close(error);
    session.instance.kill(error instanceof Error ? error.message : String(error));
  }

  async #stop(reason: string): Promise<void> {
    clearTimeout(this.#idleTimer);
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    session.instance.ref();
    const grace = this.#options.shutdownGraceMs ?? 2_000;
    const timer = setTimeout(() => session.instance.kill(`did not exit within ${grace} ms of shutdown`), grace);
    session.connection.request(Method.shutdown, {}).catch(() => {});
    await session.instance.exited;
    clearTimeout(timer);
    session.connection.close(new PluginUnavailableError(`Plugin '${this.#provider}' was ${reason}.`, { provider: this.#provider }));
  }

  #callStarted(): void {
    if (this.#inFlight++ === 0) {
      clearTimeout(this.#idleTimer);
      this.#session?.instance.ref();
    }
  }

  #callEnded(): void {
    if (--this.#inFlight > 0) return;
    this.#session?.instance.unref();
    const idle = this.#options.idleTimeoutMs;
    if (idle > 0 && this.#session && !this.#closed) {
      this.#idleTimer = setTimeout(() => {
        if (this.#inFlight === 0) void this.#stop('idle');
      }, idle);
      this.#idleTimer.unref();
    }
  }
}

/** Rejects with an AbortError on abort and a TimeoutError after `timeoutMs`, calling `onCancel` for either. */
function withCallOptions<T>(
  promise: Promise<T>,
  options: CallOptions,
  provider: string,
  onCancel?: (reason: unknown) => void,
): Promise<T> {
  const { signal, timeoutMs } = options;
  if (!signal && timeoutMs === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      cleanup();
      onCancel?.(signal?.reason);
      reject(createAbortError(signal?.reason));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        const error = new TimeoutError(`The call did not finish within ${timeoutMs} ms.`, { provider });
        onCancel?.(error);
        reject(error);
      }, timeoutMs);
    }
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
