/**
 * What host and plugin agree on: the protocol version, method names and their payloads.
 *
 * @module
 */
import type { Capabilities, ChatCompletion, ChatCompletionChunk, CompletionParams, Model } from '../types.js';

/** Bumped on any incompatible change; `initialize` refuses a peer with another version. */
export const PROTOCOL_VERSION = 1;

/** JSON-RPC method names. `$/` marks notifications that carry no response. */
export const Method = {
  /** host → plugin, request: handshake. */
  initialize: 'initialize',
  /** host → plugin, request: a non-streaming completion. */
  completion: 'completion',
  /** host → plugin, request: a streaming completion; chunks arrive as `$/chunks`, the response ends it. */
  completionStream: 'completionStream',
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
} as const;

/** The id a JSON-RPC request carries. AnyLLM uses numbers. */
export type RequestId = number | string;

export interface InitializeParams {
  protocolVersion: number;
  provider: string;
  /** Absolute path (or file URL) of the provider module to import. */
  entry: string;
  apiKey?: string;
  apiBase?: string;
  /** Provider SDK client options the host did not recognise (e.g. `maxRetries`). */
  clientOptions: Record<string, unknown>;
  /** What the manifest declares the provider can do (handed to `Provider.init`). */
  capabilities: Capabilities;
}

export interface InitializeResult {
  protocolVersion: number;
  provider: string;
  capabilities: Capabilities;
}

export interface CompletionRequest {
  params: CompletionParams;
}
export type CompletionResult = ChatCompletion;

export interface StreamRequest {
  params: CompletionParams;
  /** How many chunks the plugin may send before it waits for `$/credit`. */
  window: number;
  /**
   * `'json'`: send each batch as one JSON text (`ChunksNotification.json`). Over a worker port a
   * string costs a fraction of structured-cloning the chunk objects on both sides; the host asks
   * for it only there (over stdio the message is JSON already).
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
}

export interface CreditNotification {
  id: RequestId;
  credits: number;
}

export interface CancelNotification {
  id: RequestId;
}

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
  /** The request body, base64 (request bodies are small JSON; sent whole). */
  body?: string;
}

/** The response head; the body streams separately. */
export interface FetchResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  url: string;
  /** Body parts the host sends ahead of credit; the plugin credits in batches of half of it. */
  window: number;
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
  credits: number;
}

export interface FetchCancelNotification {
  stream: number;
}
