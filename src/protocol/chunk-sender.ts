/**
 * Plugin side of stream framing: chunks ready in the same event-loop turn leave as one `$/chunks`
 * notification, and the sender pauses when the host has not granted credit for more (chunks and
 * bytes, by the rule in `flow-control.ts`).
 *
 * Each chunk is taken when it is pushed, in the form its transport carries: over a transport that
 * writes JSON lines (stdio: the process and sandbox tiers), as its JSON text, which the batch's line
 * is then assembled from (each chunk serialised once, not copied and serialised again); as a JSON
 * batch text when the host asked for one (`StreamRequest.encoding`); else (ports, Electron: structured
 * clones) as a copy of the object its JSON gives.
 *
 * @module
 */
import { ProviderError } from '../errors.js';
import type { ChatCompletionChunk, CompletionUsage } from '../types.js';
import type { Connection } from './connection.js';
import { ChunkBatchWriter, chunkJson } from './chunk-batch.js';
import { CreditSender, type Credit, type WindowSize } from './flow-control.js';
import { MAX_CHUNKS_PER_MESSAGE, Method, type ChunksNotification, type RequestId } from './methods.js';

/**
 * Batches the chunks of one stream and applies the host's credit window.
 *
 * @example
 * ```ts
 * const sender = new ChunkSender(connection, id, { messages: 1024, bytes: 8 << 20 });
 * for await (const chunk of source) { sender.push(chunk); await sender.ready(signal); }
 * sender.flush();
 * ```
 */
export class ChunkSender {
  readonly #connection: Connection;
  readonly #id: RequestId;
  readonly #credit: CreditSender;
  /** Set when the host asked for JSON text (see `StreamRequest.encoding`). */
  readonly #writer: ChunkBatchWriter | undefined;
  /** Set when the transport writes JSON lines: each queued chunk's JSON text. */
  #texts: string[] | undefined;
  #batch: ChatCompletionChunk[] = [];
  /** Reads the provider's running usage, to go with the next batch (for the host's accounting only). */
  #usage: (() => CompletionUsage | undefined) | undefined;
  #scheduled = false;
  #pushed = 0;

  /** `json`: send each batch as one JSON text (see `StreamRequest.encoding`). */
  constructor(connection: Connection, id: RequestId, window: WindowSize, json = false) {
    this.#connection = connection;
    this.#id = id;
    this.#credit = new CreditSender(window);
    this.#writer = json ? new ChunkBatchWriter() : undefined;
    this.#texts = !json && connection.writesJson ? [] : undefined;
  }

  /** How many chunks were pushed in all. */
  get count(): number {
    return this.#pushed;
  }

  /**
   * Queues a chunk as it is now; the batch leaves at the end of this event-loop turn, or once it is
   * full. Taken now, not when the batch leaves: a provider may reuse one chunk object for every
   * token, changing it after each yield. Throws a `ProviderError` (code `unserialisable_chunk`) for
   * a chunk that has no JSON (a BigInt, a cycle, a throwing toJSON) or whose JSON is not an object
   * (`chunkJson`): the stream ends with it, and the plugin goes on serving.
   */
  push(chunk: ChatCompletionChunk): void {
    try {
      if (this.#writer) this.#writer.add(chunk);
      else if (this.#texts) this.#texts.push(chunkJson(chunk));
      else this.#batch.push(JSON.parse(chunkJson(chunk)) as ChatCompletionChunk);
    } catch (error) {
      throw new ProviderError(`The provider yielded a chunk that cannot be sent as a JSON object (chunk ${this.#pushed + 1}): ${error instanceof Error ? error.message : String(error)}`, {
        code: 'unserialisable_chunk',
      });
    }
    this.#pushed++;
    // A turn can hold a whole stream (the body already arrived): send in slices so the host works meanwhile.
    if (this.#queued() >= MAX_CHUNKS_PER_MESSAGE) {
      this.flush();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * The provider's usage changed: `read()` (the usage so far) goes with the next batch, read once
   * when the batch leaves, not per chunk. The consumer still sees usage once, at the end.
   */
  noteUsage(read: () => CompletionUsage | undefined): void {
    this.#usage = read;
  }

  /** Sends what is queued now (before the response that closes the stream). */
  flush(): void {
    this.#scheduled = false;
    const count = this.#queued();
    if (count === 0) return;
    const usageJson = this.#usageJson();
    // The size the host will count: the line over stdio; over a port, the JSON text it measures.
    const size = this.#texts ? this.#sendTexts(this.#texts, usageJson) : this.#sendBatch(usageJson === undefined ? undefined : (JSON.parse(usageJson) as CompletionUsage));
    this.#credit.sent(count, size);
  }

  /**
   * The noted usage's JSON text, or undefined for none. A flush runs from a timer as well, where a
   * throw ends the plugin (and every call in it): a usage JSON cannot carry (a BigInt, a cycle) or a
   * read that throws goes without, as this note is the host's accounting only; the stream's final
   * usage chunk, pushed as a chunk is, fails the stream with it (`unserialisable_chunk`). As JSON in
   * every tier, so a port carries no value a stdio line could not.
   */
  #usageJson(): string | undefined {
    const read = this.#usage;
    this.#usage = undefined;
    try {
      // undefined for no usage (JSON.stringify(undefined)): then no member, as the object would have none.
      return JSON.stringify(read?.()) as string | undefined;
    } catch {
      return undefined;
    }
  }

  /** The line JSON.stringify would write for the notification, from the chunks' texts as pushed. */
  #sendTexts(texts: string[], usageJson: string | undefined): number {
    this.#texts = [];
    const params = `{"id":${JSON.stringify(this.#id)},"chunks":[${texts.join(',')}]${usageJson === undefined ? '' : `,"usage":${usageJson}`}}`;
    return this.#connection.notifyJson(Method.chunks, params) ?? 0;
  }

  #sendBatch(usage: CompletionUsage | undefined): number {
    const chunks = this.#batch;
    this.#batch = [];
    const json = this.#writer?.take();
    const notification: ChunksNotification = json === undefined ? { id: this.#id, chunks } : { id: this.#id, json };
    if (usage !== undefined) notification.usage = usage;
    return this.#connection.notify(Method.chunks, notification) ?? json?.length ?? 0;
  }

  #queued(): number {
    return this.#writer ? this.#writer.size : (this.#texts ?? this.#batch).length;
  }

  /** Records credit from the host; wakes the producer when it is back inside the window. */
  credit(grant: Credit): void {
    this.#credit.take(grant);
  }

  /**
   * Resolves at once (undefined) while one more chunk fits beside what is queued; otherwise sends
   * the batch and resolves when the host grants credit, or rejects when `signal` aborts.
   */
  ready(signal: AbortSignal): Promise<void> | undefined {
    if (this.#credit.canSend(this.#queued() + 1)) return undefined;
    this.flush();
    return this.#credit.wait(1, signal);
  }
}
