/**
 * A transport over a pair of byte streams (a child's stdin/stdout): one JSON message per line.
 *
 * Chosen over Node's IPC channel for child-process plugins because the reader is ours: a line that
 * is not JSON, or that grows past a size cap, is reported to the owner instead of throwing inside
 * Node's IPC parser (which, in `json` mode, surfaces as an uncaught exception in the host).
 * bench/transport.mjs compares the two.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import type { Message, Transport } from './transport.js';

/** Why the incoming stream could not be read as messages. */
export interface FramingError {
  reason: string;
}

export interface StdioTransportOptions {
  /** The longest line accepted, in UTF-16 code units (default 64 Mi). */
  maxLineLength?: number;
  /** Called once for a line that is not JSON or is too long; nothing more is delivered after it. */
  onFramingError?: (error: FramingError) => void;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

/**
 * Newline-delimited JSON over a readable and a writable stream.
 *
 * @example
 * ```ts
 * const transport = new StdioTransport(child.stdout!, child.stdin!); // host side
 * const transport = new StdioTransport(process.stdin, process.stdout); // plugin side
 * ```
 */
export class StdioTransport implements Transport {
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #maxLine: number;
  readonly #onFramingError: ((error: FramingError) => void) | undefined;
  #listener: ((message: unknown) => void) | undefined;
  #buffer = '';
  #closed = false;
  readonly #onData = (text: string) => this.#receive(text);
  #corked = false;
  readonly #uncork = () => {
    this.#corked = false;
    this.#output.uncork();
  };

  constructor(input: Readable, output: Writable, options: StdioTransportOptions = {}) {
    this.#input = input;
    this.#output = output;
    this.#maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
    this.#onFramingError = options.onFramingError;
    input.setEncoding('utf8');
    input.on('data', this.#onData);
    // A write to a peer that has gone fails asynchronously; the launcher reports the exit.
    output.on('error', () => {});
  }

  send(message: Message): void {
    if (this.#closed || this.#output.destroyed || this.#output.writableEnded) return;
    // Messages sent in one tick leave in one write (one syscall, one wake-up of the peer).
    if (!this.#corked) {
      this.#corked = true;
      this.#output.cork();
      process.nextTick(this.#uncork);
    }
    this.#output.write(`${JSON.stringify(message)}\n`);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#listener = listener;
  }

  close(): void {
    this.#closed = true;
    this.#buffer = '';
    this.#input.off('data', this.#onData);
  }

  #receive(text: string): void {
    if (this.#closed) return;
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline === -1) {
      this.#buffer += text;
      if (this.#buffer.length > this.#maxLine) this.#fail(`a message longer than ${this.#maxLine} characters`);
      return;
    }
    while (newline !== -1 && !this.#closed) {
      const line = this.#buffer + text.slice(start, newline);
      this.#buffer = '';
      start = newline + 1;
      if (line.length > this.#maxLine) return this.#fail(`a message longer than ${this.#maxLine} characters`);
      if (line.trim() !== '') this.#deliver(line);
      newline = text.indexOf('\n', start);
    }
    if (!this.#closed) {
      this.#buffer = text.slice(start);
      if (this.#buffer.length > this.#maxLine) this.#fail(`a message longer than ${this.#maxLine} characters`);
    }
  }

  #deliver(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.#fail(`a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    this.#listener?.(message);
  }

  #fail(reason: string): void {
    this.close();
    this.#onFramingError?.({ reason });
  }
}
