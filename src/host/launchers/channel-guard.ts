/**
 * The host's view of what a sandboxed plugin may say. Every message is checked against the method
 * map (`src/protocol/methods.ts`: who may send it, its size cap, its schema) and against what is
 * open: an answer must answer a request the host sent, `$/chunks` must stay inside the stream's
 * credit (chunks and bytes, `flow-control.ts`), `$/cancel` must name an open plugin → host request,
 * `$/fetchCredit` / `$/fetchCancel` an open fetch body (credit no more than the host sent). A
 * plugin that says anything else has broken the protocol and is killed before the message reaches
 * the connection.
 *
 * The guard sees both directions, so it mirrors the host's side of each window from what the host
 * sends (requests, grants, body parts) and judges the plugin's side from what arrives, with the
 * sizes the transport measured. Each message is decoded once: what the guard checked is what the
 * connection receives.
 *
 * @module
 */
import { CreditReceiver, CreditSender } from '../../protocol/flow-control.js';
import { checkStructure } from '../../protocol/json-bounds.js';
import { checkChunks as checkChunkShapes } from '../../protocol/result-shape.js';
import {
  Method,
  MAX_ERROR_ANSWER_BYTES,
  methodSpec,
  type ChunksNotification,
  type CreditNotification,
  type FetchBodyNotification,
  type FetchCancelNotification,
  type FetchCreditNotification,
  type FetchRequest,
  type FetchResult,
  type MethodName,
  type RequestId,
  type StreamRequest,
} from '../../protocol/methods.js';
import type { Message, MessageListener, Transport } from '../../protocol/transport.js';
import type { ChatCompletionChunk } from '../../types.js';

export interface ChannelGuardOptions {
  /** Whether the plugin may call `fetch` (and send its body credits and cancels). */
  allowFetch: boolean;
  /** Called once, with what the plugin did wrong; nothing more is delivered after it. */
  onViolation: (reason: string) => void;
}

/** A request the host sent and the plugin has not answered yet. */
interface HostRequest {
  method: MethodName;
  /** For `completionStream`: the host's credit window, mirrored. */
  credit?: CreditReceiver;
  /** The host asked for batches as JSON text (`StreamRequest.encoding`). */
  json: boolean;
}

/**
 * Messages that may cross an end in flight (a `$/cancel` after the answer went out, a credit after
 * the body's last part): the last few closed ids are remembered, and still judged.
 */
const RECENT = 64;
/**
 * Calls the host has cancelled that the plugin has not answered yet. An honest plugin answers each
 * soon after the cancel (its handler sees the abort); one that acknowledges cancels and never answers
 * would make the guard keep every one for the plugin's life. Beyond this many, the oldest is
 * forgotten, and an answer to it later is one the host is not waiting on.
 */
export const MAX_CANCELLED_UNANSWERED = 4096;

type Inbound = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

/**
 * Wraps the host side of a plugin's transport and enforces the protocol on what comes in.
 *
 * @example
 * ```ts
 * const transport = new ChannelGuard(new StdioTransport(child.stdout, child.stdin), {
 *   allowFetch: true,
 *   onViolation: (reason) => child.kill('SIGKILL'),
 * });
 * ```
 */
export class ChannelGuard implements Transport {
  readonly #inner: Transport;
  readonly #options: ChannelGuardOptions;
  readonly #hostRequests = new Map<unknown, HostRequest>();
  /** Ids in `#hostRequests` the host has cancelled, oldest first (at most MAX_CANCELLED_UNANSWERED). */
  readonly #cancelled = new Set<unknown>();
  /** Requests the plugin sent and the host has not answered yet (`fetch`: with its body stream). */
  readonly #pluginRequests = new Map<unknown, { stream: number | undefined }>();
  readonly #answered = new Recent<unknown, true>();
  /** Fetch bodies the host is sending: the host's window, mirrored. */
  readonly #bodies = new Map<number, CreditSender>();
  readonly #endedBodies = new Recent<number, CreditSender>();
  #violated = false;

  constructor(inner: Transport, options: ChannelGuardOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  get measured(): boolean {
    return this.#inner.measured === true;
  }

  get backedUp(): boolean {
    return this.#inner.backedUp === true;
  }

  drained(): Promise<void> {
    return this.#inner.drained?.() ?? Promise.resolve();
  }

  send(message: Message): number | undefined {
    const size = this.#inner.send(message);
    this.#observe(message as Inbound, size);
    return size;
  }

  onMessage(listener: MessageListener): void {
    this.#inner.onMessage((message, size) => {
      if (this.#violated) return;
      const checked = this.#check(message as Inbound, size ?? 0);
      if (typeof checked !== 'string') return listener(checked.message, size);
      this.#violated = true;
      this.#inner.close();
      this.#options.onViolation(checked);
    });
  }

  close(): void {
    this.#hostRequests.clear();
    this.#cancelled.clear();
    this.#pluginRequests.clear();
    this.#bodies.clear();
    this.#inner.close();
  }

  /** Keeps the mirror of what is open up to date with what the host sends. */
  #observe(out: Inbound, size: number | undefined): void {
    const { id, method } = out;
    if (typeof method !== 'string') {
      // The host answered one of the plugin's requests.
      const request = this.#pluginRequests.get(id);
      if (!request) return;
      this.#pluginRequests.delete(id);
      this.#answered.add(id, true);
      const result = out.result as FetchResult | undefined;
      if (request.stream !== undefined && result !== undefined) {
        this.#bodies.set(request.stream, new CreditSender({ messages: result.window, bytes: result.windowBytes }));
      }
      return;
    }
    if (id !== undefined) {
      const stream = method === Method.completionStream ? (out.params as StreamRequest) : undefined;
      this.#hostRequests.set(id, {
        method: method as MethodName,
        credit: stream && new CreditReceiver({ messages: stream.window, bytes: stream.windowBytes }),
        json: stream?.encoding === 'json',
      });
    } else if (method === Method.cancel) {
      this.#noteCancel((out.params as { id?: unknown } | undefined)?.id);
    } else if (method === Method.credit) {
      const { id: streamId, credits, bytes } = out.params as CreditNotification;
      this.#hostRequests.get(streamId)?.credit?.granted({ messages: credits, bytes });
    } else if (method === Method.fetchBody) {
      const { stream, data, done, error } = out.params as FetchBodyNotification;
      const credit = this.#bodies.get(stream);
      if (!credit) return;
      if (typeof data === 'string') credit.sent(1, size ?? data.length);
      if (done || error !== undefined) this.#endBody(stream, credit);
    }
  }

  #noteCancel(id: unknown): void {
    if (!this.#hostRequests.has(id)) return;
    this.#cancelled.add(id);
    if (this.#cancelled.size <= MAX_CANCELLED_UNANSWERED) return;
    const oldest = this.#cancelled.values().next().value;
    this.#cancelled.delete(oldest);
    this.#hostRequests.delete(oldest);
  }

  #endBody(stream: number, credit: CreditSender): void {
    this.#bodies.delete(stream);
    this.#endedBodies.add(stream, credit);
  }

  /** The message to deliver, or what is wrong with it. */
  #check(message: Inbound, size: number): { message: unknown } | string {
    if (typeof message !== 'object' || message === null || Array.isArray(message) || message.jsonrpc !== '2.0') {
      return 'sent a message that is not JSON-RPC 2.0';
    }
    // Before anything reads it: the caps count text, the host holds the decoded value (json-bounds.ts).
    const dense = checkStructure(message, size);
    if (dense !== undefined) return `sent ${dense}`;
    const { id, method } = message;
    if (method === undefined) return this.#checkAnswer(message, size) ?? { message };
    if (typeof method !== 'string') return 'sent a message whose method is not a string';
    const spec = methodSpec(method);
    const fetchMethod = method === Method.fetch || method === Method.fetchCredit || method === Method.fetchCancel;
    if (!spec || spec.from === 'host' || (fetchMethod && !this.#options.allowFetch)) {
      return id === undefined ? `sent the notification '${method.slice(0, 80)}', which a plugin may not send` : `called '${method.slice(0, 80)}', which a plugin may not call`;
    }
    if ((id !== undefined) !== (spec.kind === 'request')) return `sent '${method}' as a ${id === undefined ? 'notification' : 'request'}, which it is not`;
    if (size > (spec.maxBytes ?? 0)) return `sent a '${method}' message of ${size} bytes, over its cap of ${spec.maxBytes}`;
    const malformed = spec.checkParams?.(message.params);
    if (malformed !== undefined) return `sent ${malformed}`;
    switch (method) {
      case Method.fetch:
        return this.#checkFetch(id, message.params as FetchRequest) ?? { message };
      case Method.auth:
        return this.#checkFetch(id, { stream: undefined }) ?? { message };
      case Method.cancel: {
        const target = (message.params as { id: RequestId }).id;
        if (this.#pluginRequests.has(target) || this.#answered.has(target)) return { message };
        return `cancelled request ${JSON.stringify(target)}, which it has not sent`;
      }
      case Method.chunks:
        return this.#checkChunks(message, size);
      case Method.fetchCredit: {
        const { stream, credits, bytes } = message.params as FetchCreditNotification;
        const credit = this.#bodies.get(stream) ?? this.#endedBodies.get(stream);
        if (!credit) return `credited fetch body ${stream}, which is not open`;
        const inflated = credit.take({ messages: credits, bytes });
        return inflated === undefined ? { message } : `${inflated} (fetch body ${stream})`;
      }
      case Method.fetchCancel: {
        const { stream } = message.params as FetchCancelNotification;
        const credit = this.#bodies.get(stream);
        if (credit) this.#endBody(stream, credit);
        else if (!this.#endedBodies.has(stream)) return `cancelled fetch body ${stream}, which is not open`;
        return { message };
      }
      default:
        return { message };
    }
  }

  /** A response: it must answer a request the host sent and is still waiting on, within its cap. */
  #checkAnswer(message: Inbound, size: number): string | undefined {
    const { id } = message;
    const open = this.#hostRequests.get(id);
    if (!open) return `answered request id ${JSON.stringify(id)?.slice(0, 40)}, which the host is not waiting on`;
    this.#hostRequests.delete(id);
    this.#cancelled.delete(id);
    const spec = methodSpec(open.method);
    const hasResult = 'result' in message;
    // An error answer may say more than a small result (a refused client/open quoting its options).
    const cap = hasResult ? (spec?.maxBytes ?? 0) : Math.max(spec?.maxBytes ?? 0, MAX_ERROR_ANSWER_BYTES);
    if (size > cap) return `answered '${open.method}' with ${size} bytes, over its cap of ${cap}`;
    if (hasResult === 'error' in message) return 'sent a response with both or neither of result and error';
    if (!hasResult) {
      const error = message.error as { code?: unknown; message?: unknown } | null;
      if (typeof error !== 'object' || error === null || typeof error.code !== 'number' || typeof error.message !== 'string') {
        return `answered '${open.method}' with a malformed error`;
      }
      return undefined;
    }
    // The supervisor judges ping answers itself, in every tier (a wrong one kills as 'protocol-error').
    if (open.method === Method.ping) return undefined;
    const problem = spec?.checkResult?.(message.result);
    return problem === undefined ? undefined : `answered '${open.method}' with ${problem}`;
  }

  #checkFetch(id: unknown, params: { stream: number | undefined }): string | undefined {
    if (this.#pluginRequests.has(id) || this.#hostRequests.has(id)) return `sent request id ${JSON.stringify(id)?.slice(0, 40)}, which is in use`;
    this.#pluginRequests.set(id, { stream: params.stream });
    return undefined;
  }

  /** A batch must be for an open stream, in the encoding the host asked for, inside its credit. */
  #checkChunks(message: Inbound, size: number): { message: unknown } | string {
    const params = message.params as ChunksNotification;
    const open = this.#hostRequests.get(params.id);
    if (!open || !open.credit) return `sent chunks for ${JSON.stringify(params.id)?.slice(0, 40)}, which is not an open stream`;
    let chunks = params.chunks;
    if (open.json !== (params.json !== undefined)) return `sent chunks as ${open.json ? 'objects' : 'JSON text'}, not the encoding the host asked for`;
    if (params.json !== undefined) {
      // Decoded here, once; the connection receives the chunks the guard counted.
      const decoded = decodeBatch(params.json);
      if (decoded === undefined) return 'sent a chunk batch whose JSON text is not an array of objects';
      const dense = checkStructure(decoded, size);
      if (dense !== undefined) return `sent, as a chunk batch's JSON text, ${dense}`;
      chunks = decoded;
    }
    const count = (chunks as unknown[]).length;
    const overrun = open.credit.received(count, size);
    if (overrun !== undefined) return `${overrun} (stream ${JSON.stringify(params.id)})`;
    // Before the caller sees any chunk of it: a whole batch of OpenAI-shaped chunks, or none.
    const malformed = checkChunkShapes(chunks as unknown[]);
    if (malformed !== undefined) return `sent a stream chunk that is not OpenAI-shaped: ${malformed}`;
    if (params.json === undefined) return { message };
    const decodedParams: ChunksNotification = params.usage === undefined ? { id: params.id, chunks: chunks as ChatCompletionChunk[] } : { id: params.id, chunks: chunks as ChatCompletionChunk[], usage: params.usage };
    return { message: { jsonrpc: '2.0', method: Method.chunks, params: decodedParams } };
  }
}

function decodeBatch(json: string): ChunksNotification['chunks'] {
  let batch: unknown;
  try {
    batch = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(batch) || batch.length === 0) return undefined;
  for (const chunk of batch) if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return undefined;
  return batch as ChunksNotification['chunks'];
}

/** The last {@link RECENT} keys added, oldest dropped first. */
class Recent<K, V> {
  readonly #map = new Map<K, V>();
  add(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > RECENT) this.#map.delete(this.#map.keys().next().value as K);
  }
  has(key: K): boolean {
    return this.#map.has(key);
  }
  get(key: K): V | undefined {
    return this.#map.get(key);
  }
}
