/**
 * AWS's binary event-stream framing (`application/vnd.amazon.eventstream`), decoded: each message
 * is a 12-byte prelude (total length, headers length, CRC32 of the two), typed headers, the
 * payload, and a CRC32 of everything before it. Both CRCs are checked: a torn or corrupted frame
 * is an error, never a garbled event.
 *
 * @module
 */
import { crc32 } from 'node:zlib';

/** One decoded message. */
export interface EventStreamMessage {
  headers: Record<string, string | number | boolean | Uint8Array>;
  payload: Uint8Array;
}

const PRELUDE = 12;
const MAX_MESSAGE = 16 * 1024 * 1024;
const decoder = new TextDecoder();

/**
 * Splits a byte stream into messages, whatever the chunking of the transport.
 *
 * @example
 * ```ts
 * for await (const message of decodeEventStream(response.body!)) console.log(message.headers[':event-type']);
 * ```
 */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  const queue = new ByteQueue();
  for await (const part of body) {
    queue.push(part);
    while (queue.length >= PRELUDE) {
      const head = queue.peek(4);
      const total = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (total < PRELUDE + 4 || total > MAX_MESSAGE) throw new Error(`event stream: a message of ${total} bytes is malformed`);
      if (queue.length < total) break;
      yield decodeMessage(queue.take(total));
    }
  }
  if (queue.length > 0) throw new Error(`event stream: it ended inside a message (${queue.length} bytes left)`);
}

/**
 * The transport's parts not yet decoded. A message is joined once, when all of it has come: joining
 * at every part copied a large message once per part (its length squared over the part size).
 */
class ByteQueue {
  #parts: Uint8Array[] = [];
  length = 0;

  push(part: Uint8Array): void {
    if (part.length === 0) return;
    this.#parts.push(part);
    this.length += part.length;
  }

  /** The first `n` bytes (n <= length), left in the queue. */
  peek(n: number): Uint8Array {
    const first = this.#parts[0];
    if (first.length >= n) return first.subarray(0, n);
    const joined = this.#join(n);
    // Kept joined: the next peek or take of these bytes copies nothing more.
    this.#parts.unshift(joined);
    return joined.subarray(0, n);
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Uint8Array {
    const first = this.#parts[0];
    this.length -= n;
    if (first.length > n) {
      this.#parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#parts.shift();
      return first;
    }
    return this.#join(n);
  }

  /** Removes the parts that hold the first `n` bytes and returns those bytes in one array; the rest of the last part stays. */
  #join(n: number): Uint8Array {
    const joined = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const part = this.#parts.shift()!;
      const used = Math.min(part.length, n - filled);
      joined.set(part.subarray(0, used), filled);
      filled += used;
      if (used < part.length) this.#parts.unshift(part.subarray(used));
    }
    return joined;
  }
}

/**
 * Decodes one whole message.
 *
 * @example
 * ```ts
 * decodeMessage(frame).headers[':message-type']; // 'event'
 * ```
 */
export function decodeMessage(frame: Uint8Array): EventStreamMessage {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const total = view.getUint32(0);
  const headersLength = view.getUint32(4);
  if (total !== frame.length || PRELUDE + headersLength + 4 > total) throw new Error('event stream: a message has inconsistent lengths');
  if (crc32(frame.subarray(0, 8)) !== view.getUint32(8)) throw new Error('event stream: a prelude checksum does not match');
  if (crc32(frame.subarray(0, total - 4)) !== view.getUint32(total - 4)) throw new Error('event stream: a message checksum does not match');
  const headers: EventStreamMessage['headers'] = {};
  let at = PRELUDE;
  const end = PRELUDE + headersLength;
  while (at < end) {
    const nameLength = frame[at];
    const name = decoder.decode(frame.subarray(at + 1, at + 1 + nameLength));
    at += 1 + nameLength;
    const type = frame[at++];
    switch (type) {
      case 0:
        headers[name] = true;
        break;
      case 1:
        headers[name] = false;
        break;
      case 2:
        headers[name] = view.getInt8(at);
        at += 1;
        break;
      case 3:
        headers[name] = view.getInt16(at);
        at += 2;
        break;
      case 4:
        headers[name] = view.getInt32(at);
        at += 4;
        break;
      case 5:
      case 8:
        headers[name] = Number(view.getBigInt64(at));
        at += 8;
        break;
      case 6:
      case 7: {
        const length = view.getUint16(at);
        const bytes = frame.subarray(at + 2, at + 2 + length);
        headers[name] = type === 7 ? decoder.decode(bytes) : bytes;
        at += 2 + length;
        break;
      }
      case 9:
        headers[name] = frame.subarray(at, at + 16);
        at += 16;
        break;
      default:
        throw new Error(`event stream: header '${name}' has unknown type ${type}`);
    }
  }
  if (at !== end) throw new Error('event stream: headers overrun their length');
  return { headers, payload: frame.subarray(end, total - 4) };
}
