/**
 * What a plugin writes to stderr, made safe to show on the user's terminal: every control
 * character that could move the cursor, erase a line, retitle the window or reorder text (C0 but
 * `\n` and `\t`, DEL, C1, the Unicode bidi and line-separator controls) is written as a visible
 * escape (`\x1b`, `\u202e`), and every line starts with the plugin's `[anyllm:<name>] ` prefix,
 * also when a line is continued across writes.
 *
 * @module
 */

/**
 * The characters escaped. `\t` is kept: it only advances to the next tab stop, so it cannot
 * overwrite the prefix. U+2028/2029 are escaped because log viewers break lines on them.
 */
const CONTROL = /(?![\n\t])[\p{Cc}\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/gu;
const HAS_CONTROL = /(?![\n\t])[\p{Cc}\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/u;

const visible = (char: string): string => {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * `text` with every terminal or bidi control character replaced by a visible escape; a `\r\n`
 * line end becomes `\n` (Windows line ends are not an attack).
 *
 * @example
 * ```ts
 * escapeControls('ok\r\x1b[2Kfake'); // 'ok\\x0d\\x1b[2Kfake'
 * ```
 */
export function escapeControls(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(/\r\n/g, '\n').replace(CONTROL, visible);
}

/** Options of a {@link StderrLines}. */
export interface StderrLinesOptions {
  /** The plugin's name, shown in the prefix. */
  provider: string;
  /** Characters of input forwarded at most; after them one notice line, then nothing. */
  limit: number;
}

/**
 * Turns a plugin's stderr, chunk by chunk, into escaped and prefixed lines for the host's stderr.
 *
 * @example
 * ```ts
 * const lines = new StderrLines({ provider: 'acme', limit: 64 * 1024 });
 * child.stderr.on('data', (text: string) => process.stderr.write(lines.push(text)));
 * ```
 */
export class StderrLines {
  readonly #prefix: string;
  readonly #limit: number;
  #forwarded = 0;
  #atLineStart = true;
  /** A `\r` at the end of a write, held back in case a `\n` starts the next one. */
  #pendingCr = false;

  constructor(options: StderrLinesOptions) {
    this.#prefix = `[anyllm:${escapeControls(options.provider)}] `;
    this.#limit = options.limit;
  }

  /** Whether the limit was reached: later writes are dropped. */
  get full(): boolean {
    return this.#forwarded >= this.#limit;
  }

  /** What to write for `text`, the next piece of the plugin's stderr ('' when nothing). */
  push(text: string): string {
    if (this.full || text === '') return '';
    let part = text.slice(0, this.#limit - this.#forwarded);
    this.#forwarded += part.length;
    if (this.#pendingCr) part = `\r${part}`;
    this.#pendingCr = part.endsWith('\r') && !this.full;
    if (this.#pendingCr) part = part.slice(0, -1);
    let out = this.#lines(escapeControls(part));
    if (this.full) {
      if (!this.#atLineStart) out += '\n';
      out += `${this.#prefix}(further output dropped)\n`;
      this.#atLineStart = true;
    }
    return out;
  }

  /** Prefixes every line that starts in `text`. */
  #lines(text: string): string {
    if (text === '') return '';
    const prefix = this.#prefix;
    let out = this.#atLineStart ? prefix : '';
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      out += text.slice(start, newline + 1);
      start = newline + 1;
      if (start < text.length) out += prefix;
    }
    out += text.slice(start);
    this.#atLineStart = text.endsWith('\n');
    return out;
  }
}
