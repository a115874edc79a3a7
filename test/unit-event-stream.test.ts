/**
 * The plugins' AWS event-stream decoder (plugins/bedrock/event-stream.ts) against AWS's own encoder
 * (`@smithy/eventstream-codec`): every header type, messages split at every byte, and the checks
 * that make a torn or corrupted stream an error.
 */
import { EventStreamCodec, Int64 } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { decodeEventStream, decodeMessage } from '../plugins/bedrock/event-stream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const uuid = new Uint8Array(16).map((_, i) => i);
const frame = codec.encode({
  headers: {
    ':event-type': { type: 'string', value: 'contentBlockDelta' },
    yes: { type: 'boolean', value: true },
    no: { type: 'boolean', value: false },
    byte: { type: 'byte', value: -7 },
    short: { type: 'short', value: -300 },
    int: { type: 'integer', value: 70_000 },
    long: { type: 'long', value: Int64.fromNumber(-5_000_000_000) },
    bin: { type: 'binary', value: Uint8Array.of(1, 2, 3) },
    when: { type: 'timestamp', value: new Date(1_700_000_000_000) },
    id: { type: 'uuid', value: '00010203-0405-0607-0809-0a0b0c0d0e0f' },
  },
  body: fromUtf8('{"delta":{"text":"héllo"}}'),
});

async function* pieces(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

describe('decodeEventStream', () => {
  it('reads every header type AWS encodes, and the payload', () => {
    const { headers, payload } = decodeMessage(frame);
    expect(headers).toEqual({
      ':event-type': 'contentBlockDelta', yes: true, no: false, byte: -7, short: -300, int: 70_000, long: -5_000_000_000,
      bin: Uint8Array.of(1, 2, 3), when: 1_700_000_000_000, id: uuid,
    });
    expect(new TextDecoder().decode(payload)).toBe('{"delta":{"text":"héllo"}}');
  });

  it('joins messages split at any byte, two messages in one read too', async () => {
    const two = new Uint8Array([...frame, ...frame]);
    for (let cut = 1; cut < two.length; cut += 7) {
      const messages = [];
      for await (const message of decodeEventStream(pieces(two, [cut]))) messages.push(message);
      expect(messages).toHaveLength(2);
    }
  });

  it('joins messages read one byte at a time, and in reads of every size up to a message and a half', async () => {
    const three = new Uint8Array([...frame, ...frame, ...frame]);
    for (let size = 1; size <= frame.length * 1.5; size += size < 16 ? 1 : 13) {
      const sizes = Array.from({ length: Math.ceil(three.length / size) }, () => size);
      const messages = [];
      for await (const message of decodeEventStream(pieces(three, sizes))) messages.push(message);
      expect(messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(Array(3).fill('{"delta":{"text":"héllo"}}'));
      expect(messages[2].headers[':event-type']).toBe('contentBlockDelta');
    }
  });

  it('reads a 12 MiB message arriving in 1 KiB reads, then the next one (joined once, not at every read)', async () => {
    // A tool call's large input comes as one message. Joined at every read, it was copied once per
    // read: 12 MiB in 1 KiB reads, ~75 GB of copying, minutes; joined once, milliseconds.
    const text = 'x'.repeat(12 * 1024 * 1024);
    const big = codec.encode({ headers: { ':event-type': { type: 'string', value: 'chunk' } }, body: fromUtf8(text) });
    const all = new Uint8Array(big.length + frame.length);
    all.set(big);
    all.set(frame, big.length);
    const messages = [];
    for await (const message of decodeEventStream(pieces(all, Array(Math.ceil(all.length / 1024)).fill(1024)))) messages.push(message);
    expect(messages).toHaveLength(2);
    expect(messages[0].payload.length).toBe(text.length);
    expect(messages[0].payload.every((byte) => byte === 120)).toBe(true);
    expect(new TextDecoder().decode(messages[1].payload)).toBe('{"delta":{"text":"héllo"}}');
  });

  it('refuses a corrupted prelude or body, and a stream that ends inside a message', async () => {
    const collect = async (bytes: Uint8Array) => {
      for await (const _ of decodeEventStream(pieces(bytes, []))) void _;
    };
    const body = Uint8Array.from(frame);
    body[body.length - 6] ^= 1;
    await expect(collect(body)).rejects.toThrow('a message checksum does not match');
    const prelude = Uint8Array.from(frame);
    prelude[5] ^= 1;
    await expect(collect(prelude)).rejects.toThrow(/prelude checksum|inconsistent lengths/);
    await expect(collect(frame.subarray(0, frame.length - 3))).rejects.toThrow('it ended inside a message');
  });
});
