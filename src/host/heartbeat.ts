/**
 * Liveness check of a running plugin: a `$/ping` every interval; a plugin whose event loop is
 * blocked (busy loop, deadlock) cannot answer, and is reported once the answer is overdue. Any
 * answer but the one the protocol defines (an error, another result) is reported too: a plugin
 * must not be able to switch its supervision off by answering wrongly.
 *
 * @module
 */

export interface HeartbeatOptions {
  /** Sends one ping; resolves with the plugin's result, rejects with the error it answered. */
  ping: () => Promise<unknown>;
  /** What is wrong with a result, or undefined when it is the expected answer. */
  check: (result: unknown) => string | undefined;
  intervalMs: number;
  timeoutMs: number;
  /** No answer within `timeoutMs`. */
  onDead: (silentMs: number) => void;
  /** A timely answer that is not the expected result. */
  onBroken: (reason: string) => void;
}

/**
 * Pings on an unref'd timer (a heartbeat never keeps the host alive by itself).
 *
 * @example
 * ```ts
 * const heartbeat = new Heartbeat({
 *   ping: () => connection.request('$/ping', {}), check: checkPingResult,
 *   intervalMs: 5_000, timeoutMs: 10_000, onDead: (ms) => kill(ms), onBroken: (why) => kill(why),
 * });
 * heartbeat.start();
 * heartbeat.stop();
 * ```
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** Starts pinging (no-op when the interval is 0). */
  start(): void {
    if (this.#options.intervalMs <= 0 || this.#stopped) return;
    this.#schedule();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#beat(), this.#options.intervalMs);
    this.#timer.unref();
  }

  #beat(): void {
    if (this.#stopped) return;
    const sent = performance.now();
    let answered = false;
    this.#timer = setTimeout(() => {
      // The verdict waits one turn of the loop: when the host's own loop was stalled past the
      // timeout, the answer is already waiting and is read first (a live plugin is not killed for it).
      // Not unref'd: an unref'd immediate lets the poll phase block until some other event.
      setImmediate(() => {
        if (answered || this.#stopped) return;
        this.stop();
        this.#options.onDead(Math.round(performance.now() - sent));
      });
    }, this.#options.timeoutMs);
    this.#timer.unref();
    const broken = (reason: string) => {
      answered = true;
      // Stopped already: the connection closed under the ping, and the exit handler reports why.
      if (this.#stopped) return;
      this.stop();
      this.#options.onBroken(reason);
    };
    this.#options.ping().then(
      (result) => {
        const problem = this.#options.check(result);
        if (problem !== undefined) return broken(problem);
        answered = true;
        if (this.#stopped) return;
        clearTimeout(this.#timer);
        this.#schedule();
      },
      (error: unknown) => broken(`answered $/ping with an error: ${String((error as Error)?.message ?? error).slice(0, 200)}`),
    );
  }
}
