// The plugin side of stream framing (protocol/chunk-sender.ts). Each chunk is serialised once, when
// it is pushed. Over stdio (process and sandbox tiers) the `$/chunks` line is built from those
// texts. It must be the line the host read before: the host parses and guards every line itself.
// The credit window counts that line. Over a port (structured clones) each chunk goes as a copy.
// A chunk with no JSON is refused with a typed error, and what was queued before it still leaves.
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ProviderError, type ChatCompletionChunk } from 'anyllm';
import { ChunkSender } from 'anyllm/internal/protocol/chunk-sender.js';
import { Connection } from 'anyllm/internal/protocol/connection.js';
import { encodeChunkBatch } from 'anyllm/internal/protocol/chunk-batch.js';
import { StdioTransport } from 'anyllm/internal/protocol/stdio-transport.js';
import type { Message, Transport } from 'anyllm/internal/protocol/transport.js';

const ESCAPES = ['quote " backslash \\ slash /', 'newline \n return \r tab \t', 'nul \u0000 del \u007f', 'separators \u2028 \u2029', 'lone \ud800 surrogate', 'emoji 🌍 é'];
const WINDOW = { messages: 1024, bytes: 8 << 20 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

function token(content: unknown, extra: Record<string, unknown> = {}): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra } as ChatCompletionChunk;
}

/** A sender over a real stdio transport writing into a stream; `lines()` is what was written. */
function overStdio(window = WINDOW, id: string | number = 'req-7') {
  const output = new PassThrough();
  let written = '';
  output.on('data', (bytes: Buffer) => (written += bytes.toString('utf8')));
  const connection = new Connection(new StdioTransport(new PassThrough(), output));
  const sender = new ChunkSender(connection, id, window);
  const lines = async () => {
    await tick();
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
    ['a toJSON throwing a string', () => ({ toJSON: () => { throw 'no JSON here'; } }) as unknown as ChatCompletionChunk],
    ['no JSON at all (undefined)', () => undefined as unknown as ChatCompletionChunk],
    ['JSON that is a string', () => 'text' as unknown as ChatCompletionChunk],
    ['JSON that is an array', () => [token('b')] as unknown as ChatCompletionChunk],
  ])('refuses a chunk with %s with a typed error, keeping what was queued before it', async (name, bad) => {
    for (const mode of ['stdio', 'port', 'json batch'] as const) {
      const stdio = overStdio(undefined, 3);
      const port = overPort();
      const sender =
        mode === 'stdio' ? stdio.sender : new ChunkSender(new Connection(port.transport), 3, WINDOW, mode === 'json batch');
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
      expect((error as Error).message).toMatch(
        name.includes('toJSON') ? /: no JSON here$/ : name === 'a BigInt' ? /BigInt/ : name.startsWith('JSON that') ? /its JSON is not an object/ : name.startsWith('no JSON') ? /its JSON is nothing/ : /circular/,
      );
      sender.push(token('c'));
      sender.flush();
      expect(sender.count).toBe(2);
      if (mode === 'stdio') expect(await stdio.lines()).toEqual([lineOf(3, [token('a'), token('c')])]);
      else expect(port.sent).toHaveLength(1);
    }
  });

  it('gives a port (structured clones) a copy of each chunk as pushed, never the object itself', () => {
    const { transport, sent } = overPort();
    const sender = new ChunkSender(new Connection(transport), 5, WINDOW);
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

  it('serialises each chunk once, when it is pushed, and never parses it back', async () => {
    const { sender, lines } = overStdio(WINDOW, 1);
    const chunks = [token('a'), token('b'), token('c')];
    const stringify = vi.spyOn(JSON, 'stringify');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const chunk of chunks) sender.push(chunk);
      sender.noteUsage(() => ({ prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 }));
      sender.flush();
      const objects = stringify.mock.calls.map(([value]) => value).filter((value) => typeof value === 'object' && value !== null);
      // The chunks, once each, and the usage: never the batch or the message around them.
      expect(objects).toEqual([...chunks, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 }]);
      expect(objects.slice(0, 3).every((value, i) => value === chunks[i])).toBe(true);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
      parse.mockRestore();
    }
    expect(await lines()).toEqual([lineOf(1, chunks, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 })]);
  });

  it('sends at the end of the turn (one wake-up for the whole batch), and at once when a batch is full (256 chunks)', async () => {
    const { sender, lines } = overStdio(WINDOW, 1);
    const wakeUps = vi.spyOn(globalThis, 'setImmediate');
    try {
      for (const content of 'abcdef') sender.push(token(content));
      expect(wakeUps).toHaveBeenCalledTimes(1);
    } finally {
      wakeUps.mockRestore();
    }
    expect(await lines()).toEqual([lineOf(1, [...'abcdef'].map((content) => token(content)))]);
    const full = overStdio(WINDOW, 2);
    const tokens = Array.from({ length: 257 }, (_, i) => token(String(i)));
    for (const chunk of tokens.slice(0, 256)) full.sender.push(chunk);
    // The 257th goes in a batch of its own, though it is pushed in the same turn.
    full.sender.push(tokens[256]);
    full.sender.flush();
    expect(await full.lines()).toEqual([lineOf(2, tokens.slice(0, 256)), lineOf(2, [tokens[256]])]);
    expect(full.sender.count).toBe(257);
    // Nothing queued: nothing written.
    full.sender.flush();
    expect(await full.lines()).toHaveLength(2);
  });

  it('reads the usage once, when the batch leaves, and sends none when it reads none', async () => {
    const { sender, lines } = overStdio(WINDOW, 1);
    let reads = 0;
    let usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    sender.push(token('a'));
    sender.noteUsage(() => (reads++, usage));
    sender.push(token('b'));
    usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    expect(reads).toBe(0);
    sender.flush();
    expect(reads).toBe(1);
    sender.push(token('c'));
    sender.flush();
    sender.noteUsage(() => undefined);
    sender.push(token('d'));
    sender.flush();
    expect(await lines()).toEqual([
      lineOf(1, [token('a'), token('b')], { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
      lineOf(1, [token('c')]),
      lineOf(1, [token('d')]),
    ]);
  });

  it('sends the batch without a usage JSON cannot carry, from its timer, instead of throwing there', async () => {
    const { sender, lines } = overStdio(WINDOW, 1);
    sender.push(token('a'));
    sender.noteUsage(() => ({ prompt_tokens: 1n, completion_tokens: 1, total_tokens: 2 }) as never);
    // The batch leaves on the next turn (setImmediate): a throw there would end the plugin.
    expect(await lines()).toEqual([lineOf(1, [token('a')])]);
  });

  it('waits for credit once the chunk window is full, and sends the queued batch first', async () => {
    const { sender, lines } = overStdio({ messages: 2, bytes: 8 << 20 }, 1);
    const signal = new AbortController().signal;
    sender.push(token('a'));
    expect(sender.ready(signal)).toBeUndefined();
    sender.push(token('b'));
    const wait = sender.ready(signal);
    expect(wait).toBeInstanceOf(Promise);
    // Sent before waiting: the host cannot grant credit for chunks it never got.
    expect(await lines()).toEqual([lineOf(1, [token('a'), token('b')])]);
    sender.credit({ messages: 2, bytes: lineOf(1, [token('a'), token('b')]).length });
    await expect(wait).resolves.toBeUndefined();
    expect(sender.ready(signal)).toBeUndefined();
  });

  it('writes nothing once the connection is closed, and counts nothing against the window', async () => {
    const { sender, lines, connection } = overStdio({ messages: 1024, bytes: 1 }, 1);
    connection.close();
    sender.push(token('a'));
    sender.flush();
    expect(await lines()).toEqual([]);
    expect(sender.ready(new AbortController().signal)).toBeUndefined();
  });

  it('over a port, counts a JSON batch by its text, and a batch of objects by nothing it can measure', async () => {
    const text = encodeChunkBatch([token('a'), token('b')]);
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    for (const [json, bytes, waits, withUsage] of [
      [true, text.length, true, false],
      [true, text.length + 1, false, true],
      [false, 1, false, false],
      [false, 1, false, true],
    ] as const) {
      const { transport, sent } = overPort();
      const sender = new ChunkSender(new Connection(transport), 1, { messages: 1024, bytes }, json);
      if (withUsage) sender.noteUsage(() => usage);
      sender.push(token('a'));
      sender.push(token('b'));
      sender.flush();
      const batch = json ? { id: 1, json: text } : { id: 1, chunks: [token('a'), token('b')] };
      expect((sent[0] as { params: unknown }).params).toStrictEqual(withUsage ? { ...batch, usage } : batch);
      const controller = new AbortController();
      const wait = sender.ready(controller.signal);
      expect(wait !== undefined, `json: ${json}, window ${bytes}`).toBe(waits);
      controller.abort();
      await wait?.catch(() => {});
    }
  });

  it('sends the JSON batch text the host asked for over stdio too, as the notification it is', async () => {
    const output = new PassThrough();
    let written = '';
    output.on('data', (bytes: Buffer) => (written += bytes.toString('utf8')));
    const sender = new ChunkSender(new Connection(new StdioTransport(new PassThrough(), output)), 1, WINDOW, true);
    sender.push(token('a'));
    sender.push(token('b'));
    sender.flush();
    await tick();
    expect(written).toBe(`${JSON.stringify({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, json: encodeChunkBatch([token('a'), token('b')]) } })}\n`);
  });

  it('refuses a pre-serialised message over a transport that does not write JSON', () => {
    const connection = new Connection(overPort().transport);
    expect(connection.writesJson).toBe(false);
    expect(() => connection.notifyJson('$/chunks', '{}')).toThrow(/needs a transport that writes JSON/);
    expect(overStdio().connection.writesJson).toBe(true);
  });

  it('sends no pre-serialised message once the connection is closed, whatever its transport does', () => {
    const lines: string[] = [];
    const connection = new Connection({ send: () => undefined, sendJson: (json) => (lines.push(json), json.length), onMessage() {}, close() {} });
    expect(connection.notifyJson('$/chunks', '{"id":1}')).toBe(55);
    connection.close();
    expect(connection.notifyJson('$/chunks', '{"id":2}')).toBeUndefined();
    expect(lines).toEqual(['{"jsonrpc":"2.0","method":"$/chunks","params":{"id":1}}']);
  });
});
