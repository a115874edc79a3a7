/**
 * A forward proxy on 127.0.0.1 for tests, as corporate proxies work: plain HTTP requests arrive in
 * absolute form (`POST http://origin/path`) and are forwarded; HTTPS arrives as `CONNECT host:port`
 * and is tunnelled (the proxy sees no more than that). Every request is recorded.
 */
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export class ForwardProxy {
  /** `POST http://127.0.0.1:1234/v1/chat/completions`, `CONNECT 127.0.0.1:5678`, in arrival order. */
  readonly seen: string[] = [];
  /** The `proxy-authorization` header of each request, or '' without one. */
  readonly auth: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<ForwardProxy> {
    const server = createServer();
    const proxy = new ForwardProxy(server);
    server.on('connection', (socket) => {
      proxy.#sockets.add(socket);
      socket.once('close', () => proxy.#sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      proxy.seen.push(`${req.method} ${req.url}`);
      proxy.auth.push(req.headers['proxy-authorization'] ?? '');
      let target: URL;
      try {
        target = new URL(req.url ?? '');
      } catch {
        res.writeHead(400).end('a forward proxy takes absolute-form requests');
        return;
      }
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      const upstream = request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (error) => res.writeHead(502).end(String(error)));
      req.pipe(upstream);
    });
    server.on('connect', (req, client: Socket, head: Buffer) => {
      proxy.seen.push(`CONNECT ${req.url}`);
      proxy.auth.push(req.headers['proxy-authorization'] ?? '');
      proxy.#sockets.add(client);
      const at = (req.url ?? '').lastIndexOf(':');
      const upstream = connect(Number((req.url ?? '').slice(at + 1)), (req.url ?? '').slice(0, at).replace(/^\[(.+)\]$/, '$1'), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      proxy.#sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
