// The lean SSE reader (src/plugins/sse.ts) reads OpenAI-wire streams exactly as the SDK's iterator
// does: same events from the same bytes however they are split, `[DONE]` ends it, error events
// raise, and leaving early stops reading upstream.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { ProviderError } from '../src/errors.js';
import { openSseBatches, sseEvents, SseParser } from '../src/plugins/sse.js';
import { LocalServer } from './support/local-server.js';
import { onChat, streamChunks, syntheticStream } from './support/openai-wire.js';
import { fixtureText } from './support/fixtures.js';
import { collect } from './support/collect.js';

/** A Response whose body arrives in the given pieces. */
function responseOf(pieces: (string | Uint8Array)[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}


describe('SseParser', () => {
  it('splits events across any piece boundaries, with LF, CRLF or CR line ends', () => {
    const text = 'data: {"a":1}\n\n: a comment\nevent: message\ndata: {"b":\ndata: 2}\n\ndata:{"c":3}\n\n';
    for (const eol of ['\n', '\r\n', '\r']) {
      const full = text.replaceAll('\n', eol);
      for (let cut = 0; cut <= full.length; cut++) {
        const parser = new SseParser();
        parser.push(full.slice(0, cut));
        const first = parser.take();
        parser.push(full.slice(cut));
        parser.end();
        const events = [...first, ...parser.take()];
        expect(events, `eol ${JSON.stringify(eol)} cut ${cut}`).toEqual([
          { event: null, data: { a: 1 } },
          { event: 'message', data: { b: 2 } },
          { event: null, data: { c: 3 } },
        ]);
      }
    }
  });

  it('reads an 8 MiB event arriving in 512-byte pieces, CRLF lines too (a long line is searched once, not at every piece)', async () => {
    // A tool call's large arguments can come as one event. Searched again at every piece, one line
    // cost its length squared: 8 MiB in 512-byte reads took over a minute; scanned once, milliseconds.
    const args = 'x'.repeat(8 * 1024 * 1024);
    for (const eol of ['\n', '\r\n']) {
      const text = `data: ${JSON.stringify({ args })}${eol}${eol}data: {"n":2}${eol}${eol}`;
      const pieces = Array.from({ length: Math.ceil(text.length / 512) }, (_, i) => text.slice(i * 512, (i + 1) * 512));
      const events = await collect(sseEvents(responseOf(pieces)));
      expect(events).toHaveLength(2);
      expect((events[0] as { args: string }).args.length).toBe(args.length);
      expect(events[1]).toEqual({ n: 2 });
    }
  });

  it('raises ProviderError on malformed JSON', () => {
    const parser = new SseParser();
    expect(() => parser.push('data: {nope\n\n')).toThrow(ProviderError);
  });
});

describe('sseEvents', () => {
  it('yields the payloads up to [DONE] and ignores what follows', async () => {
    const events = await collect(
      sseEvents(responseOf(['data: {"n":1}\n\nda', 'ta: {"n":2}\n\n', 'data: [DONE]\n\n', 'data: {"n":3}\n\n'])),
    );
    expect(events).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('keeps multi-byte characters split across pieces intact', async () => {
    const bytes = new TextEncoder().encode('data: {"t":"héllo 🌍"}\n\n');
    const pieces = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect(await collect(sseEvents(responseOf(pieces)))).toEqual([{ t: 'héllo 🌍' }]);
  });

  it('raises ProviderError for an error payload or an error event, with the provider named', async () => {
    const inline = await collect(sseEvents(responseOf(['data: {"error":{"message":"overloaded","type":"server_error"}}\n\n']), 'acme')).catch(
      (e: unknown) => e,
    );
    expect(inline).toBeInstanceOf(ProviderError);
    expect(inline).toMatchObject({ message: 'overloaded', provider: 'acme', code: 'server_error' });
    const named = await collect(sseEvents(responseOf(['event: error\ndata: {"message":"boom"}\n\n']))).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(ProviderError);
    expect((named as Error).message).toBe('boom');
  });

  it.each(['c6aa7e397b71', 'e2aad469b71d', 'f82268f2fefd'])(
    'gives the same events as the openai SDK for the recorded OpenAI stream %s, sent in small pieces',
    async (name) => {
      const recorded = fixtureText(`openai-python/${name}.sse.txt`);
      const server = await LocalServer.start();
      try {
        onChat(server, async (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          // Odd-sized pieces so events and lines straddle reads.
          for (let at = 0; at < recorded.length; at += 37) {
            res.write(recorded.slice(at, at + 37));
            await new Promise((resolve) => setImmediate(resolve));
          }
          res.end();
        });
        const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, maxRetries: 0 });
        const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }], stream: true as const };
        const viaSdk = await collect(await client.chat.completions.create(body));
        const viaLean = await collect(sseEvents(client.chat.completions.create(body)));
        expect(viaSdk.length).toBeGreaterThan(0);
        expect(viaLean).toEqual(viaSdk);
      } finally {
        await server.close();
      }
    },
  );

  it('leaving early cancels the body, so the server sees the connection close', async () => {
    const server = await LocalServer.start();
    try {
      onChat(server, (_req, res) => streamChunks(res, syntheticStream(10_000), { delayMs: 1 }));
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, maxRetries: 0 });
      const aborted = server.nextAbort();
      let seen = 0;
      for await (const _event of sseEvents(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      )) {
        if (++seen === 3) break;
      }
      await aborted;
      expect(seen).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('reports HTTP errors through the SDK as before (nothing is parsed)', async () => {
    const server = await LocalServer.start();
    try {
      onChat(server, (_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_exceeded' } }));
      });
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, maxRetries: 0 });
      const error = await collect(
        sseEvents(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true })),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    } finally {
      await server.close();
    }
  });
});

describe('openSseBatches', () => {
  it('gives the events of each read of the body together, and undefined once it ends', async () => {
    const reader = await openSseBatches(responseOf(['data: {"n":1}\n\ndata: {"n":2}\n\nda', 'ta: {"n":3}\n\n', ': only a comment\n\n', 'data: {"n":4}\n\n']));
    const batches: unknown[][] = [];
    for (let events = await reader.next(); events !== undefined; events = await reader.next()) batches.push(events);
    // A read that completes no event (the comment) gives no empty batch: the next read's events come instead.
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 3 }], [{ n: 4 }]]);
    expect(await reader.next()).toBeUndefined();
    reader.close();
  });

  it('stops at [DONE] within a read, and reads on no further', async () => {
    const reader = await openSseBatches(responseOf(['data: {"n":1}\n\ndata: [DONE]\n\ndata: {"n":2}\n\n']));
    expect(await reader.next()).toEqual([{ n: 1 }]);
    expect(await reader.next()).toBeUndefined();
  });

  it('hands out the events before an error event of the same read, then raises it', async () => {
    const pieces = ['data: {"n":1}\n\nevent: error\ndata: {"message":"overloaded"}\n\ndata: {"n":2}\n\n'];
    const reader = await openSseBatches(responseOf(pieces), 'acme');
    expect(await reader.next()).toEqual([{ n: 1 }]);
    const error = await reader.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ message: 'overloaded', provider: 'acme' });
    reader.close();
    // sseEvents, built on it, yields the good event before raising.
    const seen: unknown[] = [];
    const raised = await (async () => {
      for await (const event of sseEvents(responseOf(pieces))) seen.push(event);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ n: 1 }]);
    expect(raised).toBeInstanceOf(ProviderError);
  });

  it('reads no further once it has raised, whether an error event or a malformed one came first in its read', async () => {
    for (const bad of ['event: error\ndata: {"message":"overloaded"}\n\n', 'data: {not json\n\n']) {
      const reader = await openSseBatches(responseOf(['data: {"n":1}\n\n', `${bad}data: {"n":2}\n\n`, 'data: {"n":3}\n\n']), 'acme');
      expect(await reader.next()).toEqual([{ n: 1 }]);
      await expect(reader.next()).rejects.toBeInstanceOf(ProviderError);
      // Not the event after it, nor the next read's: the stream ended with the error.
      expect(await reader.next()).toBeUndefined();
      reader.close();
    }
  });

  it('a body-less response has no events', async () => {
    const reader = await openSseBatches(new Response(null));
    expect(await reader.next()).toBeUndefined();
  });

  it('close() before the end cancels the body, so the server sees the connection close', async () => {
    const server = await LocalServer.start();
    try {
      onChat(server, (_req, res) => streamChunks(res, syntheticStream(10_000), { delayMs: 1 }));
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, maxRetries: 0 });
      const aborted = server.nextAbort();
      const reader = await openSseBatches(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      );
      expect((await reader.next())?.length).toBeGreaterThan(0);
      reader.close();
      await aborted;
    } finally {
      await server.close();
    }
  });
});
