/**
 * The CLI's two streams: stdout carries the reply and nothing else (no escape codes, ever);
 * stderr carries reasoning, logs and a status line, styled only where colour is wanted.
 *
 * @module
 */

/** The part of a writable stream the CLI uses (a TTY has `isTTY`, `columns` and `hasColors`). */
export interface OutStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
  hasColors?: () => boolean;
}

/**
 * Whether `stream` should get colour, decided as Node decides it for its own output: `FORCE_COLOR`
 * wins (`0` or `false` turns colour off, anything else on, even into a pipe); otherwise only a TTY,
 * and not with `NO_COLOR`, `NODE_DISABLE_COLORS` or `TERM=dumb` (what `hasColors()` checks).
 *
 * @example
 * ```ts
 * wantsColour(process.stderr, process.env); // false when stderr is a file
 * ```
 */
export function wantsColour(stream: OutStream, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ['', '1', 'true', '2', '3'].includes(force);
  if (!stream.isTTY) return false;
  if (env.NO_COLOR !== undefined || env.NODE_DISABLE_COLORS !== undefined || env.TERM === 'dumb') return false;
  return stream.hasColors?.() ?? true;
}

/**
 * stderr for the CLI: dimmed text when colour is wanted, and a one-line status that is redrawn in
 * place (TTY only) and erased before anything else is written to either stream.
 *
 * @example
 * ```ts
 * const err = new StderrWriter(process.stderr, process.env);
 * err.status('starting the openai plugin');
 * err.clearStatus();
 * err.dim('reasoning text');
 * ```
 */
export class StderrWriter {
  readonly #stream: OutStream;
  readonly #colour: boolean;
  /** The status line's length on screen; 0 when none is shown. */
  #status = 0;

  constructor(stream: OutStream, env: NodeJS.ProcessEnv) {
    this.#stream = stream;
    this.#colour = wantsColour(stream, env);
  }

  /** Whether a status line can be shown (stderr is a terminal). */
  get canShowStatus(): boolean {
    return this.#stream.isTTY === true;
  }

  /** Writes `text` dimmed (plain without colour). */
  dim(text: string): void {
    this.clearStatus();
    this.#stream.write(this.#colour ? `\x1b[2m${text}\x1b[22m` : text);
  }

  /** Writes `text` as it is. */
  plain(text: string): void {
    this.clearStatus();
    this.#stream.write(text);
  }

  /** A `[anyllm] ...` log line (verbose mode), dimmed. */
  log(line: string): void {
    this.dim(`[anyllm] ${line}`);
    this.#stream.write('\n');
  }

  /** Shows `text` as the status line, replacing the previous one; nothing when stderr is not a terminal. */
  status(text: string): void {
    if (!this.canShowStatus) return;
    // A terminal that reports no size (0 columns, as under `script`) is taken as 80 wide.
    const width = Math.max(10, (this.#stream.columns || 80) - 1);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.#erase();
    this.#stream.write(this.#colour ? `\x1b[2m${line}\x1b[22m` : line);
    this.#status = line.length;
  }

  /** Erases the status line, if one is shown. */
  clearStatus(): void {
    if (this.#status === 0) return;
    this.#erase();
    this.#status = 0;
  }

  // Without colour (NO_COLOR) not even a control sequence: spaces over the old line.
  #erase(): void {
    if (this.#status === 0) return;
    this.#stream.write(this.#colour ? '\r\x1b[2K' : `\r${' '.repeat(this.#status)}\r`);
  }
}

/** Whether an error from writing to stdout means the reader went away (`| head`): not a failure. */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}
