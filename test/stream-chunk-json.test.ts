// Each stream chunk is serialised once in the plugin, when it is pushed: over stdio (the process
// and sandbox tiers) the `$/chunks` line is assembled from those texts, and must be the line the
// host read before (it parses and guards it itself); a chunk is still taken as it was when yielded;
// a chunk with no JSON fails its own stream with a typed error, and the plugin serves on.
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError, registerPlugin, type ChatCompletionChunk } from 'anyllm';
import { ChunkSender } from 'anyllm/internal/protocol/chunk-sender.js';
import { Connection } from 'anyllm/internal/protocol/connection.js';
import { StdioTransport } from 'anyllm/internal/protocol/stdio-transport.js';
import type { Message, Transport } from 'anyllm/internal/protocol/transport.js';
import { drain } from './support/faulty-plugin.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
/** As the fixture plugin streams them for 'escapes'. */
const ESCAPES = [
  'quote " backslash \\ slash /',
  'newline \n return \r tab \t',
  'nul \u0000 bell \u0007 del \u007f',
  'separators \u2028 \u2029',
  'lone \ud800 surrogate \udfff',
  'emoji 🌍 é',
  '</script>{"jsonrpc":"2.0"}',
];

function token(content: unknown, extra: Record<string, unknown> = {}): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra } as ChatCompletionChunk;
}

/** A sender over a real stdio transport writing into a stream; `lines()` is what was written. */
function overStdio(window = { messages: 1024, bytes: 8 << 20 }, id: string | number = 'req-7') {
  const output = new PassThrough();
  let written = '';
  output.on('data', (bytes: Buffer) => (written += bytes.toString('utf8')));
  const connection = new Connection(new StdioTransport(new PassThrough(), output));
  const sender = new ChunkSender(connection, id, window);
  const lines = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return written.split('\n').filter((line) => line !== '');
  };
  return { sender, lines, connection };
}

/** A transport that structured-clones (a port): records the messages it was given. */
function overPort(): { transport: Transport; sent: Message[] } {
  const sent: Message[] = [];
  return { sent, transport: { send: (message) => void sent.push(structuredClone(message)), onMessage() {}, close() {} } };
}

/** What the host read before: the notification object, serialised whole. */
const lineOf = (id: string | number, chunks: unknown[], usage?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', method: '$/chunks', params: usage === undefined ? { id, chunks } : { id, chunks, usage } });

describe('the plugin side of a stdio stream', () => {
  it('writes the line the whole notification serialises to, chunk by chunk as pushed', async () => {
    const { sender, lines } = overStdio();
    const reused = token('first');
    const odd = [
      token('a', { [ESCAPES[0]]: ESCAPES }),
      ...ESCAPES.map((text) => token(text)),
      { toJSON: () => token('from toJSON') } as unknown as ChatCompletionChunk,
      undefined as unknown as ChatCompletionChunk,
      token(undefined, { created: -0, extra: [undefined, () => 1, Number.NaN] }),
    ];
    for (const chunk of odd) sender.push(chunk);
    sender.push(reused);
    const expected = [...odd, token('first')];
    reused.choices[0].delta.content = 'second';
    sender.push(reused);
    expected.push(token('second'));
    const usage = { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 };
    sender.noteUsage(() => usage);
    sender.flush();
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toBe(lineOf('req-7', JSON.parse(JSON.stringify(expected)) as unknown[], usage));
    // A numeric id, and no usage member when there is none.
    const numeric = overStdio(undefined, 42);
    numeric.sender.push(token('x'));
    numeric.sender.flush();
    expect(await numeric.lines()).toEqual([lineOf(42, [token('x')])]);
  });

  it('counts against the byte window exactly the line it wrote', async () => {
    const line = lineOf(1, [token('a'), token('b')]);
    for (const [bytes, waits] of [
      [line.length, true],
      [line.length + 1, false],
    ] as const) {
      const { sender } = overStdio({ messages: 1024, bytes }, 1);
      sender.push(token('a'));
      sender.push(token('b'));
      sender.flush();
      const controller = new AbortController();
      const wait = sender.ready(controller.signal);
      expect(wait !== undefined).toBe(waits);
      controller.abort();
      await wait?.catch(() => {});
    }
  });

  it.each([
    ['a BigInt', () => token('bad', { created: 10n })],
    ['a cycle', () => {
      const chunk = token('bad') as ChatCompletionChunk & { self?: unknown };
      chunk.self = chunk;
      return chunk;
    }],
    ['a throwing toJSON', () => ({ toJSON: () => { throw new Error('no JSON here'); } }) as unknown as ChatCompletionChunk],
  ])('refuses a chunk with %s with a typed error, keeping what was queued before it', async (_name, bad) => {
    for (const mode of ['stdio', 'port', 'json batch'] as const) {
      const stdio = overStdio(undefined, 3);
      const port = overPort();
      const sender =
        mode === 'stdio' ? stdio.sender : new ChunkSender(new Connection(port.transport), 3, { messages: 1024, bytes: 8 << 20 }, mode === 'json batch');
      sender.push(token('a'));
      let error: unknown;
      try {
        sender.push(bad());
      } catch (caught) {
        error = caught;
      }
      expect(error, mode).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('unserialisable_chunk');
      expect((error as Error).message).toMatch(/chunk 2\b/);
      sender.push(token('c'));
      sender.flush();
      expect(sender.count).toBe(2);
      if (mode === 'stdio') expect(await stdio.lines()).toEqual([lineOf(3, [token('a'), token('c')])]);
      else expect(port.sent).toHaveLength(1);
    }
  });

  it('gives a port (structured clones) a copy of each chunk as pushed, never the object itself', () => {
    const { transport, sent } = overPort();
    const sender = new ChunkSender(new Connection(transport), 5, { messages: 1024, bytes: 8 << 20 });
    const reused = token('a');
    sender.push(reused);
    reused.choices[0].delta.content = 'b';
    sender.push(reused);
    reused.choices[0].delta.content = 'c';
    sender.flush();
    const params = (sent[0] as { params: { chunks: ChatCompletionChunk[]; json?: unknown } }).params;
    expect(params.json).toBeUndefined();
    expect(params.chunks).toEqual([token('a'), token('b')]);
  });
});

describe.each(['worker', 'process', 'sandbox'] as const)('a plugin streaming awkward chunks (%s tier)', (isolation) => {
  let llm: AnyLLM;
  beforeAll(async () => {
    const name = await registerPlugin(fileURLToPath(new URL('./fixtures/plugins/chunk-shapes/', import.meta.url)));
    llm = await AnyLLM.create(name, { isolation, retry: false });
  });
  afterAll(() => llm.close());

  const text = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? chunk.choices[0]?.finish_reason);

  it('streams each state of one chunk object reused for every yield', async () => {
    const { chunks, error } = await drain(llm.completionStream({ model: 'reuse', messages }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toEqual(['a', 'b', 'c', 'stop']);
  });

  it('streams text that JSON escapes, as it was yielded', async () => {
    const { chunks, error } = await drain(llm.completionStream({ model: 'escapes', messages }));
    expect(error).toBeUndefined();
    expect(text(chunks)).toEqual(ESCAPES);
    expect(chunks.map((chunk, i) => (chunk as unknown as Record<string, unknown>)[ESCAPES[i]])).toEqual(ESCAPES);
  });

  it.each(['bigint', 'cycle'])('ends a stream at a chunk with no JSON (%s) with a typed error; the plugin serves on', async (model) => {
    const instance = (await llm.completion({ model: 'pid', messages })).choices[0].message.content;
    const beside = drain(llm.completionStream({ model: 'slow:30', messages }));
    const { chunks, error } = await drain(llm.completionStream({ model, messages }));
    // Of the chunks before it, those the consumer had not taken yet are dropped: an error surfaces at once (chunk-stream.ts).
    expect(['one', 'two'].slice(0, chunks.length)).toEqual(text(chunks));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'unserialisable_chunk', provider: 'chunkshapes' });
    expect((error as Error).message).toMatch(/chunk 3\b/);
    const other = await beside;
    expect(other.error).toBeUndefined();
    expect(text(other.chunks)).toEqual(Array.from({ length: 30 }, (_, i) => `s${i} `));
    // The same plugin answers (not a restarted one).
    expect((await llm.completion({ model: 'pid', messages })).choices[0].message.content).toBe(instance);
  });
});
