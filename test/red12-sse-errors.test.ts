// Red team of the SSE reader's failAfter rule (src/plugins/sse.ts, openSseBatches): an error (an
// `event: error`, an error payload, malformed JSON) after good events in one read is raised at the
// next `next()`, once those are out; first in its read, at once; either way the reader then ends (a
// later `next()` gives undefined and reads nothing more). Split at every byte, CR/CRLF, comments,
// `id:`/`retry:`, multi-byte UTF-8, [DONE] and an error in one read both ways, the malformed last
// event of an unterminated body; then through the public API in the worker tier and the sandbox.
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError as PublicProviderError, type AnyLLMOptions, type CallEndEvent } from 'anyllm';
import { ProviderError } from '../src/errors.js';
import { openSseBatches } from '../src/plugins/sse.js';
import { TIERS } from './support/registered-copy.js';
import { LocalServer } from './support/local-server.js';
import { onChat, textChunk } from './support/openai-wire.js';
import { drain, messages } from './support/faulty-plugin.js';

/** A body that hands out one piece per read (nothing read ahead), counting reads and noting a cancel. */
function pulled(pieces: (string | Uint8Array)[]) {
  const encoder = new TextEncoder();
  const state = { reads: 0, cancelled: false };
  let i = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.reads++;
        if (i < pieces.length) {
          const piece = pieces[i++];
          controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
        } else controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(body), state };
}

/** Reads batches until the reader fails or ends; then two more `next()` calls. */
async function run(pieces: (string | Uint8Array)[]) {
  const { response, state } = pulled(pieces);
  const reader = await openSseBatches(response, 'openai');
  const events: unknown[] = [];
  let error: unknown;
  try {
    for (let batch = await reader.next(); batch !== undefined; batch = await reader.next()) events.push(...batch);
  } catch (e) {
    error = e;
  }
  const readsAtEnd = state.reads;
  const later = [await reader.next().catch((e: unknown) => e), await reader.next().catch((e: unknown) => e)];
  reader.close();
  return { events, error, later, readsAfter: state.reads - readsAtEnd, state };
}

const ev = (body: unknown, name?: string) => `${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(body)}\n\n`;
const GOOD = [ev({ n: 1, s: 'é😀' }), ev({ n: 2, s: '日本' })].join('');
const AFTER = ev({ n: 3 });
const BAD: Record<string, [string, RegExp]> = {
  'an error event': [ev({ error: { message: 'overloaded', code: 'x' } }, 'error'), /overloaded/],
  'an error payload': [ev({ error: { message: 'rate limited 😀' } }), /rate limited 😀/],
  'a malformed event': ['data: {"n":\n\n', /malformed server-sent event JSON/],
};

describe('openSseBatches: an error after good events (unit)', () => {
  it('raises the failure once, then ends: a later next() gives undefined and reads nothing more', async () => {
    for (const [name, [bad]] of Object.entries(BAD)) {
      // The deferred case (good events first in the read) and the at-once case (the bad one first).
      for (const pieces of [[GOOD + bad + AFTER, AFTER, AFTER], [GOOD, bad + AFTER, AFTER, AFTER]]) {
        const { events, error, later, readsAfter } = await run(pieces);
        expect(events, name).toEqual([{ n: 1, s: 'é😀' }, { n: 2, s: '日本' }]);
        expect(error, name).toBeInstanceOf(ProviderError);
        expect(later, name).toEqual([undefined, undefined]);
        expect(readsAfter, name).toBe(0);
      }
    }
  });

  it('gives the good events, then the error, however the bytes are split (every byte boundary, LF/CRLF/CR, comments, id:, retry:)', async () => {
    for (const [name, [bad, message]] of Object.entries(BAD)) {
      for (const eol of ['\n', '\r\n', '\r']) {
        const text = (`: keep-alive\nretry: 3000\nid: 7\n` + GOOD + bad + AFTER + 'data: [DONE]\n\n').replaceAll('\n', eol);
        const bytes = new TextEncoder().encode(text);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const { events, error, later } = await run([bytes.slice(0, cut), bytes.slice(cut)]);
          const where = `${name} eol ${JSON.stringify(eol)} cut ${cut}`;
          expect(events, where).toEqual([{ n: 1, s: 'é😀' }, { n: 2, s: '日本' }]);
          expect(error, where).toBeInstanceOf(ProviderError);
          expect((error as Error).message, where).toMatch(message);
          expect(later, where).toEqual([undefined, undefined]);
        }
      }
    }
  });

  it('raises a malformed last event of a body that ends without [DONE] or a blank line, after the good ones', async () => {
    for (const pieces of [[GOOD + 'data: {"n":'], [GOOD, 'data: {"n":'], [GOOD + 'data: {"n":\r']]) {
      const { events, error, later } = await run(pieces);
      expect(events).toEqual([{ n: 1, s: 'é😀' }, { n: 2, s: '日本' }]);
      expect((error as Error).message).toMatch(/malformed server-sent event JSON/);
      expect(later).toEqual([undefined, undefined]);
    }
  });

  it('[DONE] then an error in one read ends cleanly; an error then [DONE] fails', async () => {
    const [bad] = BAD['an error event'];
    const clean = await run([GOOD + 'data: [DONE]\n\n' + bad + 'data: {"n":\n\n']);
    expect(clean.events).toHaveLength(2);
    expect(clean.error).toBeUndefined();
    const failed = await run([GOOD + bad + 'data: [DONE]\n\n']);
    expect(failed.events).toHaveLength(2);
    expect((failed.error as Error).message).toMatch(/overloaded/);
    // An error event before a malformed one in the same read: the error event is raised.
    const first = await run([GOOD + bad + 'data: {"n":\n\n']);
    expect((first.error as Error).message).toMatch(/overloaded/);
  });

  it('hands out all of 20,000 events of one read, then the error; and a 1 MiB event cut in 4 KiB reads', async () => {
    const many = Array.from({ length: 20_000 }, (_, n) => ev({ n })).join('');
    const a = await run([many + BAD['an error payload'][0] + AFTER]);
    expect(a.events).toHaveLength(20_000);
    expect(a.error).toBeInstanceOf(ProviderError);
    const huge = ev({ s: 'x'.repeat(1 << 20) }) + 'data: {"n":\n\n';
    const pieces = Array.from({ length: Math.ceil(huge.length / 4096) }, (_, i) => huge.slice(i * 4096, (i + 1) * 4096));
    const b = await run(pieces);
    expect(b.events).toEqual([{ s: 'x'.repeat(1 << 20) }]);
    expect(b.error).toBeInstanceOf(ProviderError);
  });

  it('close() right after the batch before a pending failure cancels the upstream', async () => {
    const { response, state } = pulled([GOOD + BAD['an error event'][0], AFTER]);
    const reader = await openSseBatches(response, 'openai');
    expect(await reader.next()).toHaveLength(2);
    reader.close();
    expect(state.cancelled).toBe(true);
    expect(await reader.next().catch((e: unknown) => e)).toBeUndefined();
  });
});

let server: LocalServer;
const open: AnyLLM[] = [];
beforeAll(async () => {
  server = await LocalServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

const event = (body: unknown, name?: string) => `${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(body)}\n\n`;
const USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };

/** Writes each part as its own read (a few ms apart), then ends with `end` unless `hold`. */
async function write(res: ServerResponse, parts: string[], end: string | null = 'data: [DONE]\n\n'): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const part of parts) {
    if (res.destroyed) return;
    res.write(part);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  if (end !== null) res.end(end);
}

async function client(tier: AnyLLMOptions): Promise<AnyLLM> {
  const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false, ...tier } as never);
  open.push(llm);
  await llm.start();
  return llm;
}

const contentOf = (chunks: { choices: { delta: { content?: string | null } }[] }[]) => chunks.map((c) => c.choices[0]?.delta.content).filter((c): c is string => !!c);

describe.each(TIERS.filter(([tier]) => tier === 'worker' || tier.startsWith('sandbox')))('an upstream error after good chunks, through completionStream (%s tier)', (_name, tier) => {
  it('an error event after the last good chunk, then a clean [DONE]: the good chunks, then ProviderError, none of them lost; call:end counts the two', async () => {
    const good = [textChunk('a'), textChunk('b'), { ...textChunk(''), choices: [], usage: USAGE }].map((c) => event(c)).join('');
    onChat(server, (_req, res) => write(res, [good + event({ error: { message: 'upstream broke' } }, 'error')]));
    const llm = await client(tier);
    const ends: CallEndEvent[] = [];
    llm.on('call:end', (e) => ends.push(e));
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } }));
    expect(error).toBeInstanceOf(PublicProviderError);
    expect((error as Error).message).toMatch(/upstream broke/);
    expect(contentOf(chunks)).toEqual(['a', 'b']);
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toMatchObject({ outcome: 'error', chunks: 2 });
  });

  it('a malformed unterminated last event with no [DONE]: the good chunks, none lost, then ProviderError', async () => {
    onChat(server, (_req, res) => write(res, [event(textChunk('a')) + event(textChunk('b')) + 'data: {"id":'], null).then(() => void res.end()));
    const llm = await client(tier);
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }));
    expect(error).toBeInstanceOf(PublicProviderError);
    expect((error as Error).message).toMatch(/malformed server-sent event JSON/);
    expect(contentOf(chunks)).toEqual(['a', 'b']);
  });

  it('the caller leaving right after the batch before a pending error closes the upstream', async () => {
    onChat(server, (_req, res) => write(res, [event(textChunk('a')) + event(textChunk('b')) + event({ error: { message: 'later' } }, 'error')], null));
    const llm = await client(tier);
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }), (_c, index) => {
      if (index === 0) throw new Error('enough');
    });
    expect((error as Error).message).toBe('enough');
    expect(contentOf(chunks)).toEqual(['a']);
    await aborted;
  });
});
