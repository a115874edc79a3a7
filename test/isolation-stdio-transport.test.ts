/**
 * The newline-delimited JSON transport that child-process plugins speak: messages survive any split
 * into reads (multi-byte characters included), and what is not a message is reported, not thrown.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdioTransport, type FramingError } from 'anyllm/internal/protocol/stdio-transport.js';

function pair(options: { maxLineLength?: number } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const received: unknown[] = [];
  const errors: FramingError[] = [];
  const transport = new StdioTransport(input, output, { ...options, onFramingError: (error) => errors.push(error) });
  transport.onMessage((message) => received.push(message));
  return { input, output, transport, received, errors };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the stdio transport', () => {
  it('delivers messages in order however the bytes are split, multi-byte characters included', async () => {
    const { input, received, errors } = pair();
    const messages = Array.from({ length: 50 }, (_, i) => ({ jsonrpc: '2.0', method: '$/chunks', params: { i, text: `héllo 🌍 ${i}` } }));
    const bytes = Buffer.from(messages.map((message) => `${JSON.stringify(message)}\n`).join(''));
    for (let at = 0; at < bytes.length; at += 7) input.write(bytes.subarray(at, at + 7));
    await tick();
    expect(received).toEqual(messages);
    expect(errors).toEqual([]);
  });

  it('writes one JSON line per message', async () => {
    const { output, transport } = pair();
    let written = '';
    output.on('data', (bytes: Buffer) => (written += bytes.toString('utf8')));
    transport.send({ jsonrpc: '2.0', id: 1, method: 'completion', params: { text: 'a\nb' } });
    transport.send({ jsonrpc: '2.0', id: 1, result: null });
    await tick();
    const lines = written.split('\n');
    expect(lines.slice(0, 2).map((line) => JSON.parse(line))).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'completion', params: { text: 'a\nb' } },
      { jsonrpc: '2.0', id: 1, result: null },
    ]);
    expect(lines[2]).toBe('');
  });

  it('reports a line that is not JSON once, and delivers nothing after it', async () => {
    const { input, received, errors } = pair();
    input.write('{"jsonrpc":"2.0","method":"a"}\nnot json\n{"jsonrpc":"2.0","method":"b"}\n');
    await tick();
    expect(received).toEqual([{ jsonrpc: '2.0', method: 'a' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toMatch(/a line that is not JSON: "not json"/);
  });

  it('reports a message that grows past the size cap without a newline', async () => {
    const { input, received, errors } = pair({ maxLineLength: 1000 });
    for (let i = 0; i < 20; i++) input.write('x'.repeat(100));
    await tick();
    expect(received).toEqual([]);
    expect(errors.map((error) => error.reason)).toEqual(['a message longer than 1000 characters']);
  });

  it('drops messages sent after the peer closed its end instead of throwing', async () => {
    const { output, transport } = pair();
    output.destroy();
    expect(() => transport.send({ jsonrpc: '2.0', method: 'late' })).not.toThrow();
  });
});
