/**
 * The top-level functions: `completion({ model: 'provider:model' })` without managing a client.
 * One client per provider, key and base URL is kept while it is used, and closed once it has sat
 * idle (or when more than a bounded number of idle ones are kept): an app that calls with many
 * users' keys holds SDK clients for its recent keys, not for every key it ever saw. Idle plugins
 * never keep the process alive.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type {
  Base64EmbeddingResponse,
  CallOptions,
  ChatCompletion,
  ChatCompletionChunk,
  CompletionParams,
  CreateEmbeddingResponse,
  EmbeddingParams,
  ParsedChatCompletion,
  SchemaOutput,
  StructuredCompletionParams,
  StructuredOutputSchema,
} from '../types.js';
import { AnyLLM } from './anyllm.js';
import type { ChunkStream } from './chunk-stream.js';
import type { CompletionStreamHelpers, ReadableStreamOptions } from './stream-helpers.js';

/** Per-call options of the top-level functions. */
export interface TopLevelOptions extends CallOptions {
  apiKey?: string;
  apiBase?: string;
}

/** How the top-level client cache is bounded (see {@link configureTopLevelClients}). */
export interface TopLevelClientLimits {
  /** A client unused this long, with no call in flight, is closed. Default 60 s (a plugin's own idle time). */
  idleMs: number;
  /** Past this many clients, the least recently used idle ones are closed at once. Default 64. */
  maxClients: number;
}

const limits: TopLevelClientLimits = { idleMs: 60_000, maxClients: 64 };

interface CachedClient {
  /** Its key in the cache; undefined for a client made outside it (options it does not cache). */
  key: string | undefined;
  client: Promise<AnyLLM>;
  /** Set once `client` resolved: only a made client can be asked whether it is busy, and closed. */
  made: AnyLLM | undefined;
  lastUsed: number;
  /**
   * Top-level streams handed this client that have not ended. A stream's call starts at its first
   * read, and a `toReadableStream()` may wait long for one: its client must still be open then.
   */
  streams: number;
}

/** A top-level stream's hold on its client: from when it is handed out until it ends or is dropped unread. */
interface Hold {
  entry: CachedClient;
  released: boolean;
}

/** A stream dropped without being read (or ended) lets its client go once it is collected. */
const dropped = new FinalizationRegistry<Hold>((hold) => release(hold));

function release(hold: Hold): void {
  if (hold.released) return;
  hold.released = true;
  hold.entry.streams--;
  if (hold.entry.key !== undefined) used(hold.entry.key);
}

/** Least recently used first (a use moves an entry to the end). */
const clients = new Map<string, CachedClient>();
let sweeper: NodeJS.Timeout | undefined;

/**
 * Sets the top-level client cache's bounds (for tests, and for apps whose key count or call
 * pattern the defaults do not fit). Internal: not exported from `anyllm`.
 *
 * @example
 * ```ts
 * configureTopLevelClients({ idleMs: 5_000 });
 * ```
 */
export function configureTopLevelClients(next: Partial<TopLevelClientLimits>): void {
  Object.assign(limits, next);
  clearInterval(sweeper);
  sweeper = undefined;
  if (clients.size > 0) startSweeper();
}

/** The API keys of the top-level clients held now, least recently used first (internal, for tests). */
export function topLevelClientKeys(): (string | null)[] {
  return [...clients.keys()].map((key) => (JSON.parse(key) as [string, string | null, string | null])[1]);
}

/**
 * A client handed out this recently may not have started its call yet (its `inFlight` still 0):
 * the cap does not close it.
 */
const JUST_USED_MS = 1_000;

/** Closes what is idle: unused for `idleMs`, or beyond `maxClients` (least recently used first). */
function sweep(now = Date.now()): void {
  let excess = clients.size - limits.maxClients;
  for (const [key, entry] of clients) {
    const idleFor = now - entry.lastUsed;
    const stale = idleFor >= limits.idleMs;
    if (!stale && excess <= 0) break;
    if (!stale && idleFor < JUST_USED_MS) continue;
    // A client with a call in flight (a stream being read, a request waiting) is never closed under it.
    if (!entry.made || entry.streams > 0 || entry.made.stats().inFlight > 0) continue;
    clients.delete(key);
    excess--;
    entry.made.close().catch(() => {});
  }
  if (clients.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function startSweeper(): void {
  if (sweeper) return;
  sweeper = setInterval(sweep, Math.max(10, limits.idleMs / 2));
  sweeper.unref();
}

/** Splits 'provider:model' at the first ':' (model ids may contain ':'). */
export function splitModel(model: unknown): { provider: string; model: string } {
  const at = typeof model === 'string' ? model.indexOf(':') : -1;
  if (at <= 0 || at === (model as string).length - 1) {
    throw new InvalidRequestError(
      `Invalid request: 'model' must be 'provider:model', e.g. 'openai:gpt-4o-mini' (got ${JSON.stringify(model)}).`,
      { code: 'invalid_request' },
    );
  }
  return { provider: (model as string).slice(0, at), model: (model as string).slice(at + 1) };
}

/** The per-call part of the top-level options (the key and base URL choose the client). */
function callOptionsOf(options: TopLevelOptions): CallOptions {
  const { apiKey: _key, apiBase: _base, ...call } = options;
  return call;
}

function isNameOrAbsent(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/** The cache key of a provider, key and base URL. */
function keyOf(provider: string, options: TopLevelOptions): string {
  return JSON.stringify([provider, options.apiKey ?? null, options.apiBase ?? null]);
}

/**
 * A call of this key's client just ended: it is the most recently used now. Counted from the
 * call's start only, a call longer than the idle time (or than the cap's grace) left its client
 * first in line to be closed the moment it ended, though the key was in use a moment ago.
 */
function used(key: string): void {
  const entry = clients.get(key);
  if (entry) touch(key, entry);
}

/** Marks `entry` used now: the most recent, last in the cache's order. */
function touch(key: string, entry: CachedClient): void {
  clients.delete(key);
  entry.lastUsed = Date.now();
  clients.set(key, entry);
}

/** One top-level request on its key's client, whose end counts as the key's last use. */
async function onClient<T>(params: unknown, options: TopLevelOptions, run: (client: AnyLLM, model: string) => Promise<T>): Promise<T> {
  const { provider, model } = splitModel((params as { model?: unknown } | undefined)?.model);
  const entry = entryFor(provider, options);
  const client = await entry.client;
  try {
    return await run(client, model);
  } finally {
    if (entry.key !== undefined) used(entry.key);
  }
}

function entryFor(provider: string, options: TopLevelOptions): CachedClient {
  // Only strings name a client. Anything else is AnyLLM.create's to refuse, with its typed error:
  // an object whose toJSON gives a key must not be served by that key's client, nor a BigInt throw here.
  if (!isNameOrAbsent(options.apiKey) || !isNameOrAbsent(options.apiBase)) {
    return { key: undefined, client: AnyLLM.create(provider, { apiKey: options.apiKey, apiBase: options.apiBase }), made: undefined, lastUsed: 0, streams: 0 };
  }
  const key = keyOf(provider, options);
  let entry = clients.get(key);
  if (!entry) {
    const made: CachedClient = { key, client: AnyLLM.create(provider, { apiKey: options.apiKey, apiBase: options.apiBase }), made: undefined, lastUsed: 0, streams: 0 };
    made.client.then(
      (client) => (made.made = client),
      () => {
        if (clients.get(key) === made) clients.delete(key);
      },
    );
    entry = made;
  }
  touch(key, entry);
  startSweeper();
  if (clients.size > limits.maxClients) sweep();
  return entry;
}

/**
 * A chat completion from any provider, named in the model as 'provider:model'. A schema as
 * `response_format` gives `choices[0].message.parsed`, as `AnyLLM.completion` does.
 *
 * @example
 * ```ts
 * const res = await completion({ model: 'anthropic:claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
 * const { choices } = await completion({ model: 'openai:gpt-4o-mini', messages, response_format: z.object({ city: z.string() }) });
 * choices[0].message.parsed?.city; // string
 * ```
 */
export async function completion<S extends StructuredOutputSchema>(
  params: StructuredCompletionParams<S>,
  options?: TopLevelOptions,
): Promise<ParsedChatCompletion<SchemaOutput<S>>>;
export async function completion(params: CompletionParams, options?: TopLevelOptions): Promise<ChatCompletion>;
export async function completion(params: CompletionParams, options: TopLevelOptions = {}): Promise<ChatCompletion> {
  return onClient(params, options, (client, model) => client.completion({ ...params, model }, callOptionsOf(options)));
}

/**
 * Embeddings from any provider, named in the model as 'provider:model', as `AnyLLM.embedding` gives them.
 *
 * @example
 * ```ts
 * const { data } = await embedding({ model: 'openai:text-embedding-3-small', input: ['a cat', 'a dog'] });
 * data[0].embedding; // number[]
 * ```
 */
export async function embedding(params: EmbeddingParams & { encoding_format: 'base64' }, options?: TopLevelOptions): Promise<Base64EmbeddingResponse>;
export async function embedding(params: EmbeddingParams, options?: TopLevelOptions): Promise<CreateEmbeddingResponse>;
export async function embedding(params: EmbeddingParams, options: TopLevelOptions = {}): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
  // Every call option, as completion() passes them (`retry` and `fallbacks` included).
  return onClient(params, options, (client, model) => client.embedding({ ...params, model }, callOptionsOf(options)));
}

/** What the top-level `completionStream()` returns: the chunks, and the same helpers as `ChunkStream`. */
export interface CompletionStream<Final extends ChatCompletion = ChatCompletion>
  extends AsyncIterableIterator<ChatCompletionChunk>,
    CompletionStreamHelpers<Final> {}

/**
 * The top-level stream: the client is found (or made) on first use, then everything goes to its
 * `ChunkStream`, helpers included, in the order the caller asked.
 */
class LazyCompletionStream<Final extends ChatCompletion> implements CompletionStream<Final> {
  readonly #open: (held: (hold: Hold) => void) => Promise<ChunkStream<Final>>;
  #hold: Hold | undefined;
  #opening: Promise<ChunkStream<Final>> | undefined;
  #inner: ChunkStream<Final> | undefined;

  constructor(open: (held: (hold: Hold) => void) => Promise<ChunkStream<Final>>) {
    this.#open = open;
  }

  /** The stream ended (read to its end, failed, or stopped): its client is free, and was just used. */
  readonly #ended = (): void => {
    const hold = this.#hold;
    if (!hold) return;
    this.#hold = undefined;
    dropped.unregister(hold);
    release(hold);
  };

  [Symbol.asyncIterator](): this {
    return this;
  }

  #opened(): Promise<ChunkStream<Final>> {
    return (this.#opening ??= this.#open((hold) => {
      this.#hold = hold;
      dropped.register(this, hold, hold);
    }));
  }

  async next(): Promise<IteratorResult<ChatCompletionChunk>> {
    this.#inner ??= await this.#opened();
    return this.#inner.next().then(
      (result) => {
        if (result.done) this.#ended();
        return result;
      },
      (error: unknown) => {
        this.#ended();
        throw error;
      },
    );
  }

  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    const current = this.#inner ?? (this.#opening ? await this.#opening.catch(() => undefined) : undefined);
    await current?.return();
    this.#ended();
    return { value: undefined, done: true };
  }

  finalChatCompletion(): Promise<Final> {
    const final = this.#opened().then((inner) => inner.finalChatCompletion());
    final.then(this.#ended, this.#ended);
    return final;
  }

  toReadableStream(options?: { format?: 'chunks' }): ReadableStream<ChatCompletionChunk>;
  toReadableStream(options: { format: 'ndjson' }): ReadableStream<Uint8Array>;
  toReadableStream(options?: ReadableStreamOptions): ReadableStream<ChatCompletionChunk> | ReadableStream<Uint8Array> {
    // Asked of the inner stream now (not at the first read), so a finalChatCompletion() asked
    // next sees a reader and does not read the stream itself.
    const inner = this.#opened().then((stream) => stream.toReadableStream(options as { format: 'ndjson' }).getReader() as ReadableStreamDefaultReader<ChatCompletionChunk | Uint8Array>);
    inner.catch(() => {}); // reported by the first read
    return new ReadableStream<ChatCompletionChunk | Uint8Array>(
      {
        pull: async (controller) => {
          const result = await (await inner).read().catch((error: unknown) => {
            this.#ended();
            throw error;
          });
          if (result.done) {
            this.#ended();
            controller.close();
          } else controller.enqueue(result.value);
        },
        cancel: async (reason) => {
          const reader = await inner.catch(() => undefined);
          await reader?.cancel(reason);
          this.#ended();
        },
      },
      { highWaterMark: 0 },
    ) as ReadableStream<ChatCompletionChunk> | ReadableStream<Uint8Array>;
  }
}

/**
 * A streamed chat completion from any provider, named in the model as 'provider:model', with the
 * helpers of `AnyLLM.completionStream` (`finalChatCompletion()`, `toReadableStream()`).
 *
 * @example
 * ```ts
 * for await (const chunk of completionStream({ model: 'openai:gpt-4o-mini', messages })) {
 *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * }
 * const final = await completionStream({ model: 'openai:gpt-4o-mini', messages }).finalChatCompletion();
 * ```
 */
export function completionStream<S extends StructuredOutputSchema>(
  params: StructuredCompletionParams<S>,
  options?: TopLevelOptions,
): CompletionStream<ParsedChatCompletion<SchemaOutput<S>>>;
export function completionStream(params: CompletionParams, options?: TopLevelOptions): CompletionStream;
export function completionStream(params: CompletionParams, options: TopLevelOptions = {}): CompletionStream {
  return new LazyCompletionStream(async (held) => {
    const { provider, model } = splitModel((params as { model?: unknown } | undefined)?.model);
    const entry = entryFor(provider, options);
    entry.streams++;
    held({ entry, released: false });
    const client = await entry.client;
    return client.completionStream({ ...params, model }, callOptionsOf(options));
  });
}

