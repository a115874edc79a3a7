/**
 * Liveness check of a running plugin: a `$/ping` every interval; a plugin whose event loop is
 * blocked (busy loop, deadlock) cannot answer, and is reported once the answer is overdue.
 *
 * @module
 */

/**
 * Pings on an unref'd timer (a heartbeat never keeps the host alive by itself).
 *
 * @example
 * ```ts
 * const heartbeat = new Heartbeat(() => connection.request('$/ping', {}), 5_000, 10_000, (ms) => kill(ms));
 * heartbeat.start();
 * heartbeat.stop();
 * ```
 */
export class Heartbeat {
  readonly #ping: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #onDead: (silentMs: number) => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(ping: () => Promise<unknown>, intervalMs: number, timeoutMs: number, onDead: (silentMs: number) => void) {
    this.#ping = ping;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#onDead = onDead;
  }

  /** Starts pinging (no-op when the interval is 0). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#stopped) return;
    this.#schedule();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#beat(), this.#intervalMs);
    this.#timer.unref();
  }

  #beat(): void {
    if (this.#stopped) return;
    const sent = performance.now();
    let answered = false;
    this.#timer = setTimeout(() => {
      if (answered || this.#stopped) return;
      this.stop();
      this.#onDead(Math.round(performance.now() - sent));
    }, this.#timeoutMs);
    this.#timer.unref();
    this.#ping().then(
      () => {
        answered = true;
        if (this.#stopped) return;
        clearTimeout(this.#timer);
        this.#schedule();
      },
      () => {
        // The connection closed: the exit handler deals with it.
        answered = true;
      },
    );
  }
}
