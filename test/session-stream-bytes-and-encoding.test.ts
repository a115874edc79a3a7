// What a stream's chunk batches are measured and refused by: a child-process plugin's batches
// count as the transport measured them (the line), so its byte window holds, and a plugin not
// asked for JSON text (any tier but the worker) that sends it breaks the protocol and is killed.
import { describe, expect, it } from 'vitest';
import { PluginProtocolError } from '../src/errors.js';
import { Method, STREAM_WINDOW_BYTES } from '../src/protocol/methods.js';
import type { Launcher } from '../src/host/launchers/launcher.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { AnyLLMEvent } from '../src/host/events.js';
import { chunkOf, MemoryLauncher, scriptedPeer, supervision, testSpec, type PluginBody } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let n = 0;

/** A launcher whose host transport measures each message, as the stdio transport measures a line. */
const sized = (body: PluginBody): Launcher => new MemoryLauncher(body, { measured: true }).launch;

async function run(launch: Launcher) {
  const s = new PluginSession({ spec: testSpec(`bytes-${++n}`), launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
  const c = new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
  const exits: AnyLLMEvent[] = [];
  c.events.on('plugin:exit', (event) => void exits.push(event as AnyLLMEvent));
  const stream = c.stream({ model: 'm', messages });
  // Nothing is read until every batch has arrived: the window alone decides.
  await new Promise((resolve) => setTimeout(resolve, 50));
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, error: undefined, exits };
  } catch (error) {
    return { text, error, exits };
  }
}

/** A plugin that sends `count` batches of one chunk of `size` characters, then ends the stream. */
const sender = (count: number, size: number, json = false): PluginBody =>
  scriptedPeer({
    completionStream: (_raw, context, _side, peer) => {
      for (let i = 0; i < count; i++) {
        const chunks = [chunkOf('x'.repeat(size))];
        peer.notify(Method.chunks, (json ? { id: context.id, json: JSON.stringify(chunks) } : { id: context.id, chunks }) as never);
      }
      return new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 20));
    },
  });

describe('stream batches over a child-process channel', () => {
  const size = Math.floor(STREAM_WINDOW_BYTES * 0.4);

  // The window refuses a batch that arrives once the unread bytes have reached it (one batch may overshoot).
  it('delivers batches up to the one that reaches the byte window', async () => {
    const { text, error } = await run(sized(sender(3, size)));
    expect(error).toBeUndefined();
    expect(text.length).toBe(3 * size);
  });

  it('kills a plugin that sends a batch past the byte window, its batches measured as the transport read them; the batches before that one are read, it is not', async () => {
    const { text, error, exits } = await run(sized(sender(4, size)));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(text.length).toBe(3 * size);
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
  });

  it('kills a plugin that sends JSON text it was not asked for', async () => {
    const { error, exits } = await run(sized(sender(1, 10, true)));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toContain('it sent a JSON chunk batch, an encoding the host did not ask for');
    expect(exits[0]).toMatchObject({ cause: 'protocol-error' });
  });
});
