/**
 * What host and plugin agree on: the protocol version, method names and their payloads.
 *
 * @module
 */
import type {
  Base64EmbeddingResponse,
  Capabilities,
  ChatCompletion,
  ChatCompletionChunk,
  CompletionParams,
  CompletionUsage,
  CreateEmbeddingResponse,
  EmbeddingParams,
  Model,
} from '../types.js';
import {
  checkChunks as checkChunkShapes,
  checkCompletion,
  checkEmbeddings,
  checkInitialize,
  checkModels,
  checkUsage,
  type ShapeProblem,
} from './result-shape.js';

/** Bumped on any incompatible change; `initialize` refuses a peer with another version. */
export const PROTOCOL_VERSION = 2;

/** JSON-RPC method names. `$/` marks notifications that carry no response. */
export const Method = {
  /** host → plugin, request: handshake (loads the provider module; no key yet). */
  initialize: 'initialize',
  /** host → plugin, request: one client's key, base URL and SDK options; its calls name it. */
  clientOpen: 'client/open',
  /** host → plugin, notification: a client closed; drop its SDK client. */
  clientClose: '$/client/close',
  /** host → plugin, request: a non-streaming completion. */
  completion: 'completion',
  /** host → plugin, request: a streaming completion; chunks arrive as `$/chunks`, the response ends it. */
  completionStream: 'completionStream',
  /** host → plugin, request: embeddings of the inputs, one vector per input in input order. */
  embedding: 'embedding',
  /** host → plugin, request: the provider's models. */
  listModels: 'listModels',
  /** host → plugin, request: finish in-flight work and exit. */
  shutdown: 'shutdown',
  /** host → plugin, notification: abort the request with this id. */
  cancel: '$/cancel',
  /** host → plugin, notification: the consumer took this many chunks of a stream; send more. */
  credit: '$/credit',
  /** plugin → host, notification: a batch of chunks of one stream. */
  chunks: '$/chunks',
  /** plugin → host, request (sandbox tier): perform an HTTP request to a declared origin. */
  fetch: 'fetch',
  /** host → plugin, notification: a part of a `fetch` response body, its end, or its failure. */
  fetchBody: '$/fetchBody',
  /** plugin → host, notification: the plugin consumed this many body parts of a `fetch`; send more. */
  fetchCredit: '$/fetchCredit',
  /** plugin → host, notification: the plugin dropped a `fetch` response body; stop reading upstream. */
  fetchCancel: '$/fetchCancel',
  /** host → plugin, request: liveness check; the plugin answers at once. */
  ping: '$/ping',
  /** plugin → host, notification: the plugin began work on a request sent with `ack: true`. */
  started: '$/started',
  /** plugin → host, notification: the plugin took a `$/cancel` (its event loop is alive). */
  cancelled: '$/cancelled',
  /**
   * plugin → host, request (every tier): the headers that authorise one upstream request, from
   * credentials the host resolved (a short-lived token, or a SigV4 signature made in the host).
   */
  auth: 'auth',
} as const;

/** The id a JSON-RPC request carries. AnyLLM uses numbers. */
export type RequestId = number | string;

export interface InitializeParams {
  protocolVersion: number;
  provider: string;
  /** Absolute path (or file URL) of the provider module to import. */
  entry: string;
  /** What the manifest declares the provider can do (handed to `Provider.init`). */
  capabilities: Capabilities;
  /** Extra trusted CA certificates (PEM) the plugin adds to its default store (the `ca` option). */
  ca?: string[];
}

export interface InitializeResult {
  protocolVersion: number;
  provider: string;
  capabilities: Capabilities;
}

/** One client of a shared plugin: its own SDK client inside the plugin. */
export interface ClientOpenParams {
  /** Chosen by the host, unique on this plugin: every call of the client names it. */
  client: string;
  apiKey?: string;
  apiBase?: string;
  /** Provider SDK client options the host did not recognise (e.g. `maxRetries`). */
  clientOptions: Record<string, unknown>;
}

export interface ClientCloseNotification {
  client: string;
}

/** What every call request carries besides its own params. */
export interface CallEnvelope {
  /** The client (`client/open`) whose key and options serve the call. */
  client: string;
  /**
   * Ask for `$/started` when work begins: the host sets it when other calls are in flight, so
   * that if the plugin hangs it knows which queued calls never started and can move them.
   */
  ack?: true;
}

export interface CompletionRequest extends CallEnvelope {
  params: CompletionParams;
}
export type CompletionResult = ChatCompletion;

export interface EmbeddingRequest extends CallEnvelope {
  params: EmbeddingParams;
}
/** Base64 vectors when the params asked for `encoding_format: 'base64'`. */
export type EmbeddingResult = CreateEmbeddingResponse | Base64EmbeddingResponse;

export interface StreamRequest extends CallEnvelope {
  params: CompletionParams;
  /** How many chunks the plugin may have unconsumed before it waits for `$/credit`. */
  window: number;
  /** How many bytes of `$/chunks` messages it may have unconsumed (see `flow-control.ts`). */
  windowBytes: number;
  /**
   * `'json'`: send each batch as one JSON text (`ChunksNotification.json`). Over a port (a
   * worker's, an Electron utility process's) a string costs a fraction of structured-cloning the
   * chunk objects on both sides, and its length is what the byte window counts (a port measures
   * nothing); the host asks for it only there (over stdio the message is JSON already, measured as
   * a line), and refuses the other encoding.
   */
  encoding?: 'json';
}
/** The response that closes a stream. */
export interface StreamResult {
  chunks: number;
}

export interface ChunksNotification {
  id: RequestId;
  /** The batch, unless it was sent as `json`. */
  chunks?: ChatCompletionChunk[];
  /** The batch as a JSON array text, when the stream asked for `encoding: 'json'`. */
  json?: string;
  /**
   * The provider's usage so far, when it changed (a running usage, or usage held back for the
   * final chunk): the host counts it for a stream cut short; the consumer sees usage once, at the end.
   */
  usage?: CompletionUsage;
}

export interface CreditNotification {
  id: RequestId;
  /** Chunks consumed. */
  credits: number;
  /** Bytes of `$/chunks` messages consumed. */
  bytes: number;
}

export interface CancelNotification {
  id: RequestId;
}

export type ListModelsRequest = CallEnvelope;

export interface ListModelsResult {
  data: Model[];
}

/** plugin → host (sandbox tier): one HTTP request. The response body follows as `$/fetchBody`. */
export interface FetchRequest {
  /** Chosen by the plugin, unique among its open fetches: names the body notifications. */
  stream: number;
  url: string;
  method: string;
  headers: [string, string][];
  /** The request body, base64, sent whole: at most {@link MAX_FETCH_BODY} bytes decoded. */
  body?: string;
}

/**
 * plugin → host: which request needs authorising. The host answers only for the client's own base
 * URL and the manifest's origins, so a plugin cannot borrow the credentials for another host.
 */
export interface AuthRequest {
  /** The client (`client/open`) whose credentials sign it: clients of a shared plugin each have their own. */
  client: string;
  url: string;
  method: string;
  /** The request's headers that a signature covers (SigV4 signs `content-type`, `host` and `x-amz-*`). */
  headers?: [string, string][];
  /** The SHA-256 of the request body, hex (SigV4 signs it; bearer tokens ignore it). */
  bodySha256?: string;
}

/** The headers to add to that request, and until when they are good (ms since the epoch). */
export interface AuthResult {
  headers: [string, string][];
  expiresAt?: number;
}

/**
 * Checks an `auth` request's params; what is wrong, or undefined.
 *
 * @example
 * ```ts
 * checkAuthRequest({ url: 'https://bedrock-runtime.us-east-1.amazonaws.com/x', method: 'POST' }); // undefined
 * ```
 */
export function checkAuthRequest(params: unknown): string | undefined {
  const shape = onlyKeys(params, ['client', 'url', 'method', 'headers', 'bodySha256'], 'an auth request');
  if (shape) return shape;
  const request = params as Partial<Record<keyof AuthRequest, unknown>>;
  if (typeof request.client !== 'string' || request.client.length > 64) return 'an auth request whose client is not a client id';
  if (typeof request.url !== 'string' || !URL.canParse(request.url)) return 'an auth request whose url is not a URL';
  if (typeof request.method !== 'string' || !/^[A-Za-z]{1,16}$/.test(request.method)) return 'an auth request whose method is not an HTTP method';
  const headers = request.headers;
  if (headers !== undefined && (!Array.isArray(headers) || headers.length > 64 || headers.some((h) => !Array.isArray(h) || h.length !== 2 || h.some((v) => typeof v !== 'string')))) {
    return 'an auth request whose headers are not [name, value] pairs of strings';
  }
  if (request.bodySha256 !== undefined && (typeof request.bodySha256 !== 'string' || !/^[0-9a-f]{64}$/.test(request.bodySha256))) {
    return 'an auth request whose bodySha256 is not a hex SHA-256';
  }
  return undefined;
}

/** The response head; the body streams separately. */
export interface FetchResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  url: string;
  /** Body parts the host sends ahead of credit; the plugin credits once half of it is read. */
  window: number;
  /** Bytes of `$/fetchBody` messages the host sends ahead of credit. */
  windowBytes: number;
}

export interface FetchBodyNotification {
  stream: number;
  /** A body part, base64. */
  data?: string;
  /** The body ended. */
  done?: boolean;
  /** Reading the body failed upstream. */
  error?: string;
}

export interface FetchCreditNotification {
  stream: number;
  /** Body parts consumed. */
  credits: number;
  /** Bytes of `$/fetchBody` messages consumed. */
  bytes: number;
}

export interface FetchCancelNotification {
  stream: number;
}

// ---------------------------------------------------------------------------------------------
// The method map: who sends each method, what it carries, how large it may be, and a check of
// what a plugin sends. The connection's types, the sandbox's channel guard and the tests use it.
// Sizes are in UTF-16 code units of the message's JSON text (bytes, for JSON's ASCII framing).
// ---------------------------------------------------------------------------------------------

const KiB = 1024;
const MiB = 1024 * KiB;

/** The most chunks one `$/chunks` message carries. */
export const MAX_CHUNKS_PER_MESSAGE = 256;
/** Bytes of `$/chunks` messages a stream may have unconsumed (the chunk count is `streamWindow`). */
export const STREAM_WINDOW_BYTES = 8 * MiB;
/** What the host sends of a fetch response body ahead of the plugin's credit. */
export const FETCH_WINDOW = { messages: 32, bytes: 4 * MiB } as const;
/** The largest request body a sandboxed plugin may send through the fetch proxy (decoded). */
export const MAX_FETCH_BODY = 32 * MiB;
/** Request bodies of one plugin the host holds at once (until upstream has taken each). */
export const MAX_FETCH_BODIES_IN_FLIGHT = 64 * MiB;

/** The params and result of each method, for typed calls. */
export interface MethodTypes {
  initialize: { params: InitializeParams; result: InitializeResult };
  'client/open': { params: ClientOpenParams; result: { ok: true } };
  '$client/close': { params: ClientCloseNotification; result: void };
  $started: { params: CancelNotification; result: void };
  $cancelled: { params: CancelNotification; result: void };
  completion: { params: CompletionRequest; result: CompletionResult };
  completionStream: { params: StreamRequest; result: StreamResult };
  embedding: { params: EmbeddingRequest; result: EmbeddingResult };
  listModels: { params: ListModelsRequest; result: ListModelsResult };
  shutdown: { params: Record<string, never>; result: { ok: true } };
  $ping: { params: Record<string, never>; result: { ok: true } };
  fetch: { params: FetchRequest; result: FetchResult };
  auth: { params: AuthRequest; result: AuthResult };
  $cancel: { params: CancelNotification; result: void };
  $credit: { params: CreditNotification; result: void };
  $chunks: { params: ChunksNotification; result: void };
  $fetchBody: { params: FetchBodyNotification; result: void };
  $fetchCredit: { params: FetchCreditNotification; result: void };
  $fetchCancel: { params: FetchCancelNotification; result: void };
}
type Key<M extends string> = M extends `$/${infer Rest}` ? `$${Rest}` : M;
/** A method's wire name. */
export type MethodName = (typeof Method)[keyof typeof Method];
/** The params a method carries. */
export type ParamsOf<M extends MethodName> = MethodTypes[Key<M> & keyof MethodTypes]['params'];
/** The result a request resolves with. */
export type ResultOf<M extends MethodName> = MethodTypes[Key<M> & keyof MethodTypes]['result'];

/** What the map says about one method. A check returns what is wrong, or undefined. */
export interface MethodSpec {
  /** Who sends it: the host, the plugin, or either (`$/cancel`). */
  from: 'host' | 'plugin' | 'either';
  kind: 'request' | 'notification';
  /**
   * The largest message a plugin may send for it: the message itself (plugin → host) or its
   * response (host → plugin requests). Unset for what a plugin never sends nor answers.
   */
  maxBytes?: number;
  /** Checks the params a plugin sends. */
  checkParams?: (params: unknown) => string | undefined;
  /** Checks the result a plugin answers with. */
  checkResult?: (result: unknown) => string | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): boolean => (typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'string';
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** Checks that `value` is an object with only the keys in `allowed` (extra keys are a smuggling channel). */
function onlyKeys(value: unknown, allowed: readonly string[], what: string): string | undefined {
  if (!isObject(value)) return `${what} that is not an object`;
  for (const key in value) if (!allowed.includes(key)) return `${what} with the unexpected member '${key.slice(0, 40)}'`;
  return undefined;
}

function checkChunks(params: unknown): string | undefined {
  const shape = onlyKeys(params, ['id', 'chunks', 'json', 'usage'], 'a chunk batch');
  if (shape) return shape;
  const { id, chunks, json, usage } = params as Record<string, unknown>;
  if (usage !== undefined) {
    const problem = checkUsage(usage);
    if (problem !== undefined || usage === null) return `a chunk batch whose usage is not OpenAI-shaped: ${problem ?? 'null'}`;
  }
  if (!isId(id)) return 'a chunk batch whose id is not a request id';
  if ((chunks === undefined) === (json === undefined)) return 'a chunk batch with both or neither of chunks and json';
  if (json !== undefined) return typeof json === 'string' ? undefined : 'a chunk batch whose json is not text';
  if (!Array.isArray(chunks) || chunks.length === 0 || chunks.length > MAX_CHUNKS_PER_MESSAGE) {
    return `a chunk batch that is not an array of 1 to ${MAX_CHUNKS_PER_MESSAGE} chunks`;
  }
  for (const chunk of chunks) if (!isObject(chunk)) return 'a chunk batch holding something that is not an object';
  return undefined;
}

function checkFetchCredit(params: unknown): string | undefined {
  const shape = onlyKeys(params, ['stream', 'credits', 'bytes'], 'a fetch credit');
  if (shape) return shape;
  const { stream, credits, bytes } = params as Record<string, unknown>;
  if (!Number.isSafeInteger(stream)) return 'a fetch credit whose stream is not an integer';
  if (!isCount(credits) || !isCount(bytes) || (credits as number) + (bytes as number) === 0) {
    return 'a fetch credit that is not a positive count of parts and bytes';
  }
  return undefined;
}

/**
 * Checks a `fetch` request's params; what is wrong, or undefined.
 *
 * @example
 * ```ts
 * checkFetchRequest({ stream: 1, url: 'ftp://x', method: 'GET', headers: [] }); // 'ftp: URLs are not fetched'
 * ```
 */
export function checkFetchRequest(params: unknown): string | undefined {
  const shape = onlyKeys(params, ['stream', 'url', 'method', 'headers', 'body'], 'a fetch');
  if (shape) return shape;
  const request = params as Partial<Record<keyof FetchRequest, unknown>>;
  if (!Number.isSafeInteger(request.stream)) return 'stream must be an integer';
  if (typeof request.url !== 'string' || !URL.canParse(request.url)) return 'url must be a URL';
  const protocol = new URL(request.url).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') return `${protocol} URLs are not fetched`;
  if (typeof request.method !== 'string' || !/^[A-Za-z]{1,16}$/.test(request.method)) return 'method must be an HTTP method';
  const headers = request.headers;
  if (!Array.isArray(headers) || headers.some((h) => !Array.isArray(h) || h.length !== 2 || h.some((v) => typeof v !== 'string'))) {
    return 'headers must be [name, value] pairs of strings';
  }
  if (request.body !== undefined) {
    if (typeof request.body !== 'string') return 'body must be base64 text';
    if (base64Length(request.body) > MAX_FETCH_BODY) return `the body is larger than ${MAX_FETCH_BODY} bytes`;
  }
  return undefined;
}

/** The decoded size of base64 text, without decoding it. */
export function base64Length(text: string): number {
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  return Math.floor((text.length * 3) / 4) - padding;
}

const onlyId = (what: string) => (params: unknown) => onlyKeys(params, ['id'], what) ?? (isId((params as { id: unknown }).id) ? undefined : `${what} whose id is not a request id`);
const onlyStream = (what: string) => (params: unknown) =>
  onlyKeys(params, ['stream'], what) ?? (Number.isSafeInteger((params as { stream: unknown }).stream) ? undefined : `${what} whose stream is not an integer`);
const okResult = (what: string) => (result: unknown) =>
  isObject(result) && result.ok === true && Object.keys(result).length === 1 ? undefined : `${what} that is not { ok: true }`;
/** A result check from an OpenAI shape check (result-shape.ts): what it is, and what is wrong with it. */
const shaped = (what: string, check: (value: unknown) => ShapeProblem) => (result: unknown) => {
  const problem = check(result);
  return problem === undefined ? undefined : `${what} that is not OpenAI-shaped: ${problem}`;
};

/**
 * The cap of an error answer to any request: a result's cap (4 KiB for `client/open` and `$/ping`)
 * is about what a result may be, while an error quotes what the provider or its SDK said (options it
 * refused, say). Larger than what the host keeps of an untrusted message, which it trims anyway.
 */
export const MAX_ERROR_ANSWER_BYTES = 64 * KiB;

/** The map. Every method a sandboxed plugin sends or answers has a size cap and a check. */
export const METHODS: Readonly<Record<MethodName, MethodSpec>> = {
  [Method.initialize]: { from: 'host', kind: 'request', maxBytes: 1 * MiB, checkResult: shaped('a handshake answer', checkInitialize) },
  [Method.clientOpen]: { from: 'host', kind: 'request', maxBytes: 4 * KiB, checkResult: okResult('a client/open answer') },
  [Method.clientClose]: { from: 'host', kind: 'notification' },
  [Method.started]: { from: 'plugin', kind: 'notification', maxBytes: 1 * KiB, checkParams: onlyId('a started notice') },
  [Method.cancelled]: { from: 'plugin', kind: 'notification', maxBytes: 1 * KiB, checkParams: onlyId('a cancel acknowledgement') },
  [Method.completion]: { from: 'host', kind: 'request', maxBytes: 16 * MiB, checkResult: shaped('a completion', checkCompletion) },
  [Method.completionStream]: {
    from: 'host',
    kind: 'request',
    maxBytes: 64 * KiB,
    checkResult: (result) => (isObject(result) && isCount(result.chunks) ? undefined : 'a stream result without a chunk count'),
  },
  // 32 MiB is some 1,000 vectors of 1,536 floats as JSON (a quarter of that as base64); it keeps
  // the sandbox's line cap at the fetch body's.
  [Method.embedding]: { from: 'host', kind: 'request', maxBytes: 32 * MiB, checkResult: shaped('an embedding list', checkEmbeddings) },
  [Method.listModels]: {
    from: 'host',
    kind: 'request',
    maxBytes: 8 * MiB,
    checkResult: shaped('a model list', checkModels),
  },
  [Method.shutdown]: { from: 'host', kind: 'request', maxBytes: 64 * KiB },
  // The supervisor judges the answer (any answer but a timely { ok: true } kills, in every tier).
  [Method.ping]: { from: 'host', kind: 'request', maxBytes: 4 * KiB, checkResult: checkPingResult },
  [Method.credit]: { from: 'host', kind: 'notification' },
  [Method.fetchBody]: { from: 'host', kind: 'notification' },
  [Method.cancel]: { from: 'either', kind: 'notification', maxBytes: 1 * KiB, checkParams: onlyId('a cancel') },
  [Method.chunks]: { from: 'plugin', kind: 'notification', maxBytes: 16 * MiB, checkParams: checkChunks },
  [Method.fetch]: {
    from: 'plugin',
    kind: 'request',
    // The largest body, base64, plus room for the URL and headers.
    maxBytes: Math.ceil(MAX_FETCH_BODY / 3) * 4 + 2 * MiB,
    checkParams: checkFetchRequest,
  },
  [Method.auth]: { from: 'plugin', kind: 'request', maxBytes: 64 * KiB, checkParams: checkAuthRequest },
  [Method.fetchCredit]: { from: 'plugin', kind: 'notification', maxBytes: 1 * KiB, checkParams: checkFetchCredit },
  [Method.fetchCancel]: { from: 'plugin', kind: 'notification', maxBytes: 1 * KiB, checkParams: onlyStream('a fetch cancel') },
};

/**
 * Whether a ping was answered as it must be: exactly `{ ok: true }`.
 *
 * @example
 * ```ts
 * checkPingResult({ ok: true }); // undefined
 * checkPingResult(null);         // 'answered $/ping with …'
 * ```
 */
export function checkPingResult(result: unknown): string | undefined {
  return isObject(result) && result.ok === true && Object.keys(result).length === 1
    ? undefined
    : `answered $/ping with ${JSON.stringify(result)?.slice(0, 80)} instead of { ok: true }`;
}

/** The method's spec, when `name` is a method of the protocol. */
export function methodSpec(name: string): MethodSpec | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name as MethodName] : undefined;
}

/**
 * The largest message a plugin may send at all: the line cap of the sandbox's transport, so a
 * larger one is refused before it is parsed.
 */
export const MAX_PLUGIN_MESSAGE = Math.max(...Object.values(METHODS).map((spec) => spec.maxBytes ?? 0));
