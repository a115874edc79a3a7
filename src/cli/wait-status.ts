/**
 * The status line while `anyllm chat` waits for its first token (stderr on a terminal only):
 * what the client's events say (the plugin starting, ready, restarting after a crash, the host
 * retrying after a 429 or a 5xx) and how long the wait has lasted, so a cold start or a rate limit
 * is not silence.
 *
 * @module
 */
import type { AnyLLM } from '../index.js';
import type { StderrWriter } from './terminal.js';

/**
 * Shows and updates the status line until `stop()`.
 *
 * @example
 * ```ts
 * const status = new WaitStatus(llm, 'openai:gpt-4o-mini', err);
 * // ... the first chunk arrives
 * status.stop();
 * ```
 */
export class WaitStatus {
  readonly #err: StderrWriter;
  readonly #offs: (() => void)[] = [];
  readonly #started = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #phase: string;
  /** A phase that changes by itself (a retry's countdown). */
  #dynamic: (() => string) | undefined;
  #stopped = false;

  constructor(llm: AnyLLM, target: string, err: StderrWriter) {
    this.#err = err;
    this.#phase = `waiting for ${target}`;
    if (!err.canShowStatus) {
      this.#stopped = true;
      return;
    }
    this.#offs.push(
      llm.on('plugin:start', (event) => this.#show(`starting the ${event.provider} plugin (${event.isolation})`)),
      llm.on('plugin:ready', (event) => this.#show(`${event.provider} plugin ready in ${Math.round(event.startupMs)} ms; waiting for ${target}`)),
      llm.on('plugin:restart', (event) => this.#show(`the ${event.provider} plugin crashed; starting it again`)),
      llm.on('call:retry', (event) => this.#retrying(event.error, event.delayMs)),
    );
    this.#show(this.#phase);
    // Once a second, so a long wait (retries after a 429) visibly counts up.
    this.#timer = setInterval(() => this.#render(), 1000);
    this.#timer.unref();
  }

  /** Erases the status line and stops listening. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const off of this.#offs) off();
    this.#err.clearStatus();
  }

  /** "rate limited; retrying in 3 s", counting down to the next attempt. */
  #retrying(error: string, delayMs: number): void {
    const why = error === 'RateLimitError' ? 'rate limited' : `${error}`;
    const until = performance.now() + delayMs;
    const phase = () => {
      const left = Math.max(0, Math.ceil((until - performance.now()) / 1000));
      return left > 0 ? `${why}; retrying in ${left} s` : `${why}; retrying`;
    };
    this.#dynamic = phase;
    this.#render();
  }

  #show(phase: string): void {
    this.#dynamic = undefined;
    this.#phase = phase;
    this.#render();
  }

  #render(): void {
    if (this.#stopped) return;
    if (this.#dynamic) {
      this.#err.status(`${this.#dynamic()}…`);
      return;
    }
    const seconds = Math.floor((performance.now() - this.#started) / 1000);
    this.#err.status(`${this.#phase}…${seconds > 0 ? ` ${seconds} s` : ''}`);
  }
}
