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
import type { Message, MessageListener, Transport } from './transport.js';

/** Why the incoming stream could not be read as messages. */
export interface FramingError {
  reason: string;
}

export interface StdioTransportOptions {
  /** The longest line accepted, in UTF-16 code units (default 64 Mi). */
  maxLineLength?: number;
  /** Called once for a line that is not JSON or is too long; nothing more is delivered after it. */
  onFramingError?: (error: FramingError) => void;
  /** Outgoing bytes allowed to wait for the peer to read them (default 256 Mi). */
  maxPendingWrite?: number;
  /** Called once when more than `maxPendingWrite` waits: the peer has stopped reading. */
  onWriteOverflow?: (pending: number) => void;
  /**
   * Judges a line before it is parsed (what is wrong with it, or `undefined`); a wrong line is a
   * framing error. The sandbox passes `scanStructure`: a dense line is refused undecoded.
   */
  checkLine?: (line: string) => string | undefined;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const DEFAULT_MAX_PENDING_WRITE = 256 * 1024 * 1024;

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
  /** Each line is measured as it is written and read. */
  readonly measured = true;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #maxLine: number;
  readonly #onFramingError: ((error: FramingError) => void) | undefined;
  readonly #maxPendingWrite: number;
  readonly #onWriteOverflow: ((pending: number) => void) | undefined;
  readonly #checkLine: ((line: string) => string | undefined) | undefined;
  #overflowed = false;
  readonly #drainWaiters: (() => void)[] = [];
  #listener: MessageListener | undefined;
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
    this.#maxPendingWrite = options.maxPendingWrite ?? DEFAULT_MAX_PENDING_WRITE;
    this.#onWriteOverflow = options.onWriteOverflow;
    this.#checkLine = options.checkLine;
    input.setEncoding('utf8');
    input.on('data', this.#onData);
    const wake = () => {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    };
    output.on('drain', wake);
    output.on('close', wake);
    // A write to a peer that has gone fails asynchronously; the launcher reports the exit.
    output.on('error', wake);
  }

  send(message: Message): number | undefined {
    if (this.#closed || this.#output.destroyed || this.#output.writableEnded) return undefined;
    return this.#write(JSON.stringify(message));
  }

  /** Writes a message already serialised (see `Transport.sendJson`): the line is `json` as it is. */
  sendJson(json: string): number | undefined {
    if (this.#closed || this.#output.destroyed || this.#output.writableEnded) return undefined;
    return this.#write(json);
  }

  #write(line: string): number {
    // Messages sent in one tick leave in one write (one syscall, one wake-up of the peer).
    if (!this.#corked) {
      this.#corked = true;
      this.#output.cork();
      process.nextTick(this.#uncork);
    }
    this.#output.write(`${line}\n`);
    const pending = this.#output.writableLength;
    if (pending > this.#maxPendingWrite && !this.#overflowed) {
      this.#overflowed = true;
      this.#onWriteOverflow?.(pending);
    }
    return line.length;
  }

  /** Whether the peer is behind in reading (the stream's buffer is past its high-water mark). */
  get backedUp(): boolean {
    return this.#output.writableNeedDrain && !this.#output.destroyed;
  }

  /** Resolves once the peer has read what waits (or the stream is gone). */
  drained(): Promise<void> {
    if (!this.backedUp) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  onMessage(listener: MessageListener): void {
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
    const wrong = this.#checkLine?.(line);
    if (wrong !== undefined) return this.#fail(wrong);
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.#fail(`a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    this.#listener?.(message, line.length);
  }

  #fail(reason: string): void {
    this.close();
    this.#onFramingError?.({ reason });
  }
}
