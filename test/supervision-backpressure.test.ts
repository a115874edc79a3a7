// A consumer that reads slowly pauses the plugin (credits), so the host buffers at most one window
// of chunks however long the stream, and the plugin stops reading upstream meanwhile.
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { onChat, textChunk } from './support/openai-wire.js';
import { messages } from './support/faulty-plugin.js';

const TOTAL = 100_000;
const WINDOW = 64;
let server: LocalServer;
let written = 0;

/** Writes TOTAL chunks as fast as the client takes them, honouring the socket's own backpressure. */
async function flood(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < TOTAL && !res.destroyed; i++) {
    written++;
    if (!res.write(`data: ${JSON.stringify(textChunk(`${i} `))}\n\n`)) await once(res, 'drain');
  }
  res.end('data: [DONE]\n\n');
}

/** Resolves once `read()` has stopped changing for a few polls (the writer is blocked). */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  let still = 0;
  while (still < 4) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = read();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (_req, res) => flood(res));
});
afterAll(() => server.close());

describe('backpressure', () => {
  it('a consumer that stops reading pauses the plugin and upstream; the host buffers at most one window', async () => {
    const llm = await AnyLLM.create('openai', {
      apiKey: 'sk-test',
      apiBase: `${server.origin}/v1`,
      supervision: { streamWindow: WINDOW },
    });
    const stream = llm.completionStream({ model: 'gpt-4o-mini', messages });
    const first = await stream.next();
    expect(first.value?.choices[0].delta.content).toBe('0 ');

    // The consumer now does nothing. The server's writes stall once the plugin stops reading.
    const stalledAt = await settled(() => written);
    expect(stalledAt).toBeLessThan(TOTAL);
    expect(stream.buffered).toBeLessThanOrEqual(WINDOW);

    // Reading again resumes everything, and every chunk arrives in order.
    let count = 1;
    let maxBuffered = 0;
    let inOrder = true;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content !== `${count} `) inOrder = false;
      count++;
      maxBuffered = Math.max(maxBuffered, stream.buffered);
      // Slow down now and then so the window fills up again.
      if (count % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(count).toBe(TOTAL);
    expect(inOrder).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(WINDOW);
    await llm.close();
  });
});
