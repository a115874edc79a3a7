/**
 * The host's view of what a sandboxed plugin may say. A plugin that says anything else (a response
 * to a request the host never sent, chunks beyond its credit, a method it may not call) has broken
 * the protocol and is killed before the message reaches the connection.
 *
 * @module
 */
import { Method, type ChunksNotification, type CreditNotification, type StreamRequest } from '../../protocol/methods.js';
import type { Message, Transport } from '../../protocol/transport.js';

export interface ChannelGuardOptions {
  /** Whether the plugin may call `fetch` (and send its body credits and cancels). */
  allowFetch: boolean;
  /** Called once, with what the plugin did wrong; nothing more is delivered after it. */
  onViolation: (reason: string) => void;
}

interface OpenRequest {
  method: string;
  /** For `completionStream`: the credit window, and chunks received minus credit granted. */
  window?: number;
  outstanding: number;
  /** The host asked for batches as JSON text (`StreamRequest.encoding`). */
  json?: boolean;
}

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
  /** Requests the host sent and the plugin has not answered yet. */
  readonly #open = new Map<unknown, OpenRequest>();
  #violated = false;

  constructor(inner: Transport, options: ChannelGuardOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  send(message: Message): void {
    const out = message as Inbound;
    if (typeof out.method === 'string') {
      if (out.id !== undefined) {
        const stream = out.method === Method.completionStream ? (out.params as StreamRequest) : undefined;
        this.#open.set(out.id, { method: out.method, window: stream?.window, outstanding: 0, json: stream?.encoding === 'json' });
      } else if (out.method === Method.credit) {
        const { id, credits } = out.params as CreditNotification;
        const open = this.#open.get(id);
        if (open) open.outstanding -= credits;
      }
    }
    this.#inner.send(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#inner.onMessage((message) => {
      if (this.#violated) return;
      const problem = this.#check(message as Inbound);
      if (problem === undefined) return listener(message);
      this.#violated = true;
      this.#inner.close();
      this.#options.onViolation(problem);
    });
  }

  close(): void {
    this.#open.clear();
    this.#inner.close();
  }

  /** What is wrong with an incoming message, or undefined when it is allowed. */
  #check(message: Inbound): string | undefined {
    if (typeof message !== 'object' || message === null || Array.isArray(message) || message.jsonrpc !== '2.0') {
      return 'sent a message that is not JSON-RPC 2.0';
    }
    const { id, method } = message;
    if (method === undefined) {
      // A response: it must answer a request the host sent and is still waiting on.
      if (!this.#open.delete(id)) return `answered request id ${JSON.stringify(id)}, which the host is not waiting on`;
      if (!('result' in message) && !('error' in message)) return 'sent a response with neither result nor error';
      return undefined;
    }
    if (typeof method !== 'string') return 'sent a message whose method is not a string';
    if (id !== undefined) {
      if (typeof id !== 'number' && typeof id !== 'string') return 'sent a request whose id is not a number or string';
      if (method === Method.fetch && this.#options.allowFetch) return undefined;
      return `called '${method}', which a plugin may not call`;
    }
    if (method === Method.chunks) return this.#checkChunks(message.params as ChunksNotification);
    if (method === Method.cancel) return undefined;
    if ((method === Method.fetchCredit || method === Method.fetchCancel) && this.#options.allowFetch) return undefined;
    return `sent the notification '${method}', which a plugin may not send`;
  }

  #checkChunks(params: ChunksNotification | undefined): string | undefined {
    if (typeof params !== 'object' || params === null) return 'sent a malformed chunk batch';
    const open = this.#open.get(params.id);
    if (!open || open.method !== Method.completionStream) {
      return `sent chunks for ${JSON.stringify(params.id)}, which is not an open stream`;
    }
    const count = batchSize(params, open.json === true);
    if (count === undefined) return 'sent a malformed chunk batch';
    open.outstanding += count;
    if (open.window !== undefined && open.outstanding > open.window) {
      return `sent ${open.outstanding} chunks beyond the host's credit (window ${open.window})`;
    }
    return undefined;
  }
}

/** How many chunks a batch holds, or undefined when it is not the shape the host asked for. */
function batchSize(params: ChunksNotification, json: boolean): number | undefined {
  if (Array.isArray(params.chunks)) return params.chunks.length;
  if (!json || typeof params.json !== 'string') return undefined;
  try {
    const batch: unknown = JSON.parse(params.json);
    return Array.isArray(batch) ? batch.length : undefined;
  } catch {
    return undefined;
  }
}
