/**
 * The status line while `anyllm chat` waits for its first token (stderr on a terminal only):
 * what the client's events say (the plugin starting, ready, restarting after a crash) and how long
 * the wait has lasted, so a cold start or an SDK's rate-limit retries are not silence.
 *
 * The host has no event for an SDK's retries (they happen inside the plugin); the running count of
 * seconds is what shows them.
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

  #show(phase: string): void {
    this.#phase = phase;
    this.#render();
  }

  #render(): void {
    if (this.#stopped) return;
    const seconds = Math.floor((performance.now() - this.#started) / 1000);
    this.#err.status(`${this.#phase}…${seconds > 0 ? ` ${seconds} s` : ''}`);
  }
}
