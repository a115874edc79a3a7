/**
 * Replays recorded provider responses (test/fixtures/recorded/, see SOURCES.md there) byte for
 * byte from a local HTTP server, one recorded response per request whatever the path, so the real
 * SDK inside the real plugin reads exactly what the provider sent. Each recording format becomes a
 * list of `Recorded` responses:
 * - vercel-ai `.chunks.txt`: one event's JSON per line, framed as the API does (OpenAI's wire
 *   `data: …\n\n` + `data: [DONE]`; Anthropic's `event: <type>` + `data: …`; Gemini's `data: …\r\n\r\n`);
 * - vercel-ai `.json`: a response body (an error body with its status);
 * - raw SSE (openai-python, anthropic-sdk-python): the file's bytes;
 * - js-genai replay files and pydantic-ai VCR cassettes: each interaction's status and body.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureJson, fixtureText } from './fixtures.js';
import { parseYaml } from './yaml-lite.js';

/** One recorded HTTP response. */
export interface Recorded {
  status: number;
  contentType: string;
  body: string;
}

/** What the replay server received. */
export interface Received {
  method: string;
  path: string;
  body: unknown;
}

const SSE = 'text/event-stream';
const JSON_TYPE = 'application/json';

function lines(path: string): string[] {
  return fixtureText(path)
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

/** A vercel-ai `.chunks.txt` recording on OpenAI's wire. */
export function openaiChunks(path: string): Recorded {
  return { status: 200, contentType: SSE, body: `${lines(path).map((line) => `data: ${line}\n\n`).join('')}data: [DONE]\n\n` };
}

/** A vercel-ai `.chunks.txt` recording on Anthropic's wire: each event named by its `type`. */
export function anthropicChunks(path: string): Recorded {
  const events = lines(path).map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
  return { status: 200, contentType: SSE, body: events.join('') };
}

/** A vercel-ai `.chunks.txt` recording on Gemini's wire (`alt=sse`, CRLF-separated events, no `[DONE]`). */
export function geminiChunks(path: string): Recorded {
  return { status: 200, contentType: SSE, body: lines(path).map((line) => `data: ${line}\r\n\r\n`).join('') };
}

/** A JSON body file, sent with `status`. */
export function jsonBody(path: string, status = 200): Recorded {
  return { status, contentType: JSON_TYPE, body: fixtureText(path) };
}

/**
 * A raw SSE recording, sent as it is; a file saved without the blank line that ends its last event
 * (anthropic-sdk-python's) gets it back, as the server sent it.
 */
export function rawSse(path: string): Recorded {
  const text = fixtureText(path);
  return { status: 200, contentType: SSE, body: /\r?\n\r?\n$/.test(text) ? text : `${text.replace(/\r?\n?$/, '')}\n\n` };
}

/** The responses of a js-genai replay file: a streamed one as one `data:` event per body segment. */
export function genaiResponses(path: string): Recorded[] {
  const { interactions } = fixtureJson<{
    interactions: { request: { url: string }; response: { statusCode: number; bodySegments: unknown[] } }[];
  }>(path);
  return interactions.map(({ request, response }) => {
    const streamed = request.url.includes(':streamGenerateContent');
    if (!streamed) return { status: response.statusCode, contentType: JSON_TYPE, body: JSON.stringify(response.bodySegments[0]) };
    const body = response.bodySegments.map((segment) => `data: ${JSON.stringify(segment)}\r\n\r\n`).join('');
    return { status: response.statusCode, contentType: response.statusCode === 200 ? SSE : JSON_TYPE, body: response.statusCode === 200 ? body : JSON.stringify(response.bodySegments[0]) };
  });
}

/** One interaction of a pydantic-ai cassette, as PyYAML wrote it. */
export interface CassetteInteraction {
  request: { method: string; uri: string; parsed_body?: Record<string, unknown> };
  response: { status: { code: number }; parsed_body?: unknown; body?: { string: string } };
}

/** The interactions of a pydantic-ai VCR cassette. */
export function cassette(path: string): CassetteInteraction[] {
  return (parseYaml(fixtureText(path)) as unknown as { interactions: CassetteInteraction[] }).interactions;
}

/** The responses of a pydantic-ai VCR cassette. */
export function cassetteResponses(path: string): Recorded[] {
  return cassette(path).map(({ response }) =>
    response.body
      ? { status: response.status.code, contentType: SSE, body: response.body.string }
      : { status: response.status.code, contentType: JSON_TYPE, body: JSON.stringify(response.parsed_body) },
  );
}

/** A server that answers each request with the next queued recording. */
export class ReplayServer {
  readonly received: Received[] = [];
  #queue: Recorded[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<ReplayServer> {
    const server = createServer();
    const replay = new ReplayServer(server);
    server.on('request', (req, res) => void replay.#handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return replay;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Answers the next requests with `responses`, in order. */
  queue(responses: readonly Recorded[]): void {
    this.#queue = [...responses];
    this.received.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    this.received.push({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', this.origin).pathname, body });
    const next = this.#queue.shift();
    if (!next) {
      res.writeHead(599, { 'content-type': JSON_TYPE });
      res.end('{"error":{"message":"no recorded response left"}}');
      return;
    }
    res.writeHead(next.status, { 'content-type': next.contentType });
    res.end(next.body);
  }
}
