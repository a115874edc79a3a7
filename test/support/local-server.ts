/**
 * A real HTTP server on 127.0.0.1 for tests: routes by method and path, records every request,
 * and reports when a client closes a connection before the response ended (an upstream abort).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The client's port: the same port on two requests means one kept-alive connection (one SDK client). */
  remotePort: number | undefined;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export class LocalServer {
  readonly requests: RecordedRequest[] = [];
  /** Responses whose client went away before the server ended them. */
  abortedResponses = 0;
  readonly #routes = new Map<string, Handler>();
  readonly #server: Server;
  readonly #abortWaiters: (() => void)[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  /** `tls`: serve HTTPS with this key and certificate (origin `https://127.0.0.1:port`). */
  static async start(tls?: { key: string; cert: string }): Promise<LocalServer> {
    const server = tls ? createTlsServer(tls) : createServer();
    const local = new LocalServer(server);
    server.on('request', (req, res) => void local.#handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return local;
  }

  get origin(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#server instanceof TlsServer ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** Routes `METHOD /path` (path without query) to a handler; a later call replaces it. */
  on(method: string, path: string, handler: Handler): this {
    this.#routes.set(`${method} ${path}`, handler);
    return this;
  }

  /** Resolves when a client has closed a response early (counted from now). */
  nextAbort(): Promise<void> {
    return new Promise((resolve) => this.#abortWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    if (text && String(req.headers['content-type'] ?? '').includes('json')) body = JSON.parse(text);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, remotePort: req.socket.remotePort };
    this.requests.push(recorded);
    res.on('close', () => {
      if (res.writableFinished) return;
      this.abortedResponses++;
      for (const wake of this.#abortWaiters.splice(0)) wake();
    });
    const handler = this.#routes.get(`${recorded.method} ${recorded.path}`);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route for ${recorded.method} ${recorded.path}`, type: 'not_found' } }));
      return;
    }
    try {
      await handler(recorded, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    }
  }
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface SseOptions {
  /** Wait this long between events (0 = write all at once). */
  delayMs?: number;
  /** Leave the response open after the last event (to test aborts and timeouts). */
  hang?: boolean;
}

/** Writes server-sent events: each entry is one event's raw text (e.g. 'data: {...}'). */
export async function sendSse(res: ServerResponse, events: Iterable<string>, options: SseOptions = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const event of events) {
    if (res.destroyed) return;
    res.write(`${event}\n\n`);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (!options.hang) res.end();
}
