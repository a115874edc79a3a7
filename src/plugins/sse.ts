/**
 * A lean reader for OpenAI-wire server-sent events. The `openai` SDK still makes the request
 * (auth, retries, HTTP errors as its error classes); only the body of a successful stream is read
 * here, in one loop, instead of through the SDK's stack of async iterators. That per-chunk work is
 * what bounds a plugin's streaming throughput.
 *
 * `OpenAICompatibleProvider` reads every stream this way; another provider on the `openai` SDK
 * (exported from `anyllm/plugin`) wraps its request the same way:
 * ```ts
 * const stream = sseEvents(this.client.chat.completions.create(body as never, { signal: ctx.signal }), this.name);
 * ```
 *
 * @module
 */
import { ProviderError } from '../errors.js';
import { DeltaJsonParser } from './delta-json.js';

/** What `sseEvents` needs of a request: the SDK's `APIPromise` has it. */
export interface RawResponseSource {
  /** Resolves with the raw `Response` once the status is OK (the SDK throws its own errors otherwise). */
  asResponse(): Promise<Response>;
}

/** Bytes still read after `[DONE]` so the connection can be reused; beyond this it is cut. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * The JSON payloads of an SSE response, up to `data: [DONE]`. An `error` event or a payload with an
 * `error` member ends the stream with `ProviderError`, as the SDK's iterator does with `APIError`.
 *
 * @example
 * ```ts
 * for await (const event of sseEvents(client.chat.completions.create({ ...body, stream: true }, { signal }), 'openai')) {
 *   for (const chunk of this.convertCompletionChunkResponse(event, state)) yield chunk;
 * }
 * ```
 */
export async function* sseEvents(source: RawResponseSource | Promise<Response> | Response, provider?: string): AsyncGenerator<unknown> {
  const reader = await openSseBatches(source, provider);
  try {
    for (let batch = await reader.next(); batch !== undefined; batch = await reader.next()) yield* batch;
  } finally {
    reader.close();
  }
}

/** The payloads of an SSE response, as many at a time as one read of the body brought. */
export interface SseBatchReader {
  /** The next payloads (never an empty array); `undefined` once the stream ended at `[DONE]` or its end. */
  next(): Promise<unknown[] | undefined>;
  /** Stops reading upstream, unless the stream was read to its end. */
  close(): void;
}

/**
 * What {@link sseEvents} yields, a batch per read of the body: a loop over it awaits once per
 * network read, not once per event (per chunk, that await is a measurable part of a plugin's
 * streaming throughput). Call `close()` when done, early or not.
 *
 * @example
 * ```ts
 * const reader = await openSseBatches(client.chat.completions.create(body, { signal }), 'openai');
 * try {
 *   for (let events = await reader.next(); events; events = await reader.next()) for (const event of events) use(event);
 * } finally {
 *   reader.close();
 * }
 * ```
 */
export async function openSseBatches(source: RawResponseSource | Promise<Response> | Response, provider?: string): Promise<SseBatchReader> {
  const response = await (isRawResponseSource(source) ? source.asResponse() : source);
  const body = response.body;
  if (!body) return { next: () => Promise.resolve(undefined), close: () => {} };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let ended = false;
  let finished = false;
  /** An error (an error event, a malformed one) that came after good ones in the same read: raised once those are out. */
  let failure: { error: unknown } | undefined;
  /** Raises `error` now when no event of this read came before it; else after them, at the next call. */
  const failAfter = (payloads: readonly unknown[], error: unknown): void => {
    if (payloads.length > 0) {
      failure = { error };
      return;
    }
    ended = true;
    throw error;
  };
  const next = async (): Promise<unknown[] | undefined> => {
    if (failure) {
      // Raised once: kept, it would be raised again at every later call, where an error raised at
      // once (first in its read) leaves a reader whose next() gives undefined. One end for both.
      const { error } = failure;
      failure = undefined;
      ended = true;
      throw error;
    }
    while (!ended) {
      const { done, value } = await reader.read();
      /** A malformed event in this read: raised after the events before it, as an error event is. */
      let malformed: { error: unknown } | undefined;
      try {
        parser.push(done ? decoder.decode() : decoder.decode(value, { stream: true }));
        if (done) parser.end();
      } catch (error) {
        malformed = { error };
      }
      if (done) ended = finished = true;
      const events = parser.take();
      const payloads: unknown[] = [];
      let sawDone = false;
      for (const event of events) {
        if (event === DONE) {
          ended = sawDone = true;
          if (!done) finished = await drain(reader);
          break;
        }
        try {
          payloads.push(check(event, provider));
        } catch (error) {
          failAfter(payloads, error);
          break;
        }
      }
      // A malformed event after [DONE] or after an error event is never reached (it came later).
      if (malformed && !sawDone && !failure) failAfter(payloads, malformed.error);
      if (payloads.length > 0) return payloads;
    }
    return undefined;
  };
  return {
    next,
    close: () => {
      ended = true;
      // A closed reader has ended: a failure still pending is dropped, not raised after close().
      failure = undefined;
      // Left early (break, error, abort): stop reading upstream.
      if (!finished) {
        finished = true;
        reader.cancel().catch(() => {});
      }
    },
  };
}

const DONE: unique symbol = Symbol('done');

/** A parsed event: its name (null when unnamed) and JSON payload. */
interface SseEvent {
  event: string | null;
  data: unknown;
}

/**
 * Splits SSE text into events and parses their data as JSON. Text arrives in pieces of any size.
 *
 * @example
 * ```ts
 * const parser = new SseParser();
 * parser.push('data: {"a":1}\n\ndata: [DO');
 * parser.take(); // [{ event: null, data: { a: 1 } }]
 * ```
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event: string | null = null;
  #pendingCR = false;
  #ready: (SseEvent | typeof DONE)[] = [];
  readonly #json = new DeltaJsonParser();

  /** Feeds decoded text. */
  push(text: string): void {
    if (this.#pendingCR) {
      text = `\r${text}`;
      this.#pendingCR = false;
    }
    if (text.includes('\r')) {
      // A CR at the very end may be the first half of CRLF: keep it for the next piece.
      if (text.endsWith('\r')) {
        this.#pendingCR = true;
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, '\n');
    }
    // The buffer holds no line end, so a piece without one only extends it: searched again (and
    // flattened) at every piece, one long line (a large tool call's arguments) costs its length squared.
    if (text.indexOf('\n') === -1) {
      this.#buffer += text;
      return;
    }
    const buffer = this.#buffer + text;
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n', start)) !== -1) {
      this.#line(buffer.slice(start, end));
      start = end + 1;
    }
    this.#buffer = start === 0 ? buffer : buffer.slice(start);
  }

  /** The text has ended: a held CR is a line end, and an unterminated last event is dispatched. */
  end(): void {
    if (this.#pendingCR) {
      this.#pendingCR = false;
      this.push('\n');
    }
    this.push('\n\n');
  }

  /** The events completed so far (each at most once). */
  take(): (SseEvent | typeof DONE)[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }

  #dispatch(): void {
    if (this.#data.length === 0) {
      this.#event = null;
      return;
    }
    const text = this.#data.length === 1 ? this.#data[0] : this.#data.join('\n');
    const event = this.#event;
    this.#data = [];
    this.#event = null;
    if (text === '[DONE]') {
      this.#ready.push(DONE);
      return;
    }
    let data: unknown;
    try {
      data = this.#json.parse(text);
    } catch {
      throw new ProviderError('Error reading response: malformed server-sent event JSON.');
    }
    this.#ready.push({ event, data });
  }
}

function check(item: SseEvent | typeof DONE, provider: string | undefined): unknown {
  const { event, data } = item as SseEvent;
  const error = event === 'error' ? ((data as { error?: unknown })?.error ?? data) : (data as { error?: unknown } | null)?.error;
  if (error) {
    const message = typeof (error as { message?: unknown }).message === 'string' ? (error as { message: string }).message : JSON.stringify(error);
    const code = (error as { code?: unknown; type?: unknown }).code ?? (error as { type?: unknown }).type;
    throw new ProviderError(message, { provider, code: typeof code === 'string' ? code : undefined });
  }
  return data;
}

/** Reads what follows `[DONE]` (normally nothing) so the kept-alive connection can be reused. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    seen += value.byteLength;
    if (seen > DRAIN_LIMIT) return false;
  }
}

function isRawResponseSource(value: unknown): value is RawResponseSource {
  return typeof (value as RawResponseSource | null)?.asResponse === 'function';
}
