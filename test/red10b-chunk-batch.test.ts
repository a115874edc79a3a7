// Red team (issue 10, second round): the JSON chunk batch of worker plugins. A chunk the plugin
// yields must reach the host as its JSON says, whatever objects it was made of; and a small batch
// text must not turn into a large structure in the host (the credit window counts the text).
import { describe, expect, it } from 'vitest';
import { PluginProtocolError } from '../src/errors.js';
import { Method } from '../src/protocol/methods.js';
import { decodeChunkBatch, encodeChunkBatch, MAX_TEMPLATE_CHARS } from '../src/protocol/chunk-batch.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { ChatCompletionChunk } from '../src/types.js';
import { MemoryLauncher, script, scriptedPeer, servePlugin, supervision, testSpec } from './support/memory-launcher.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let n = 0;
const fresh = () => `red10b-batch-${++n}`;

function token(content: unknown, extra: Record<string, unknown> = {}): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra } as ChatCompletionChunk;
}
/** What the host got before the batch encoding: each chunk's JSON. */
const asJson = (chunks: unknown[]) => JSON.parse(JSON.stringify(chunks)) as unknown[];
const roundTrip = (chunks: ChatCompletionChunk[]) => decodeChunkBatch(encodeChunkBatch(chunks));

function workerClient(launcher: MemoryLauncher, provider: string, isolation: 'worker' | 'process' = 'worker') {
  const s = new PluginSession({ spec: testSpec(provider), launch: launcher.launch, isolation, supervision: supervision(), idleTimeoutMs: 0 });
  return new PluginClient({ session: s, open: { apiKey: 'k', apiBase: undefined, clientOptions: {} }, retry: NO_RETRY });
}

async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

describe('a chunk whose JSON is a content chunk though its object is not one', () => {
  // The sender kept its template across such a chunk; the receiver took the chunk as its new
  // template, so the next token came back with that chunk's id (or choice) instead of its own.
  it.each([
    ['a String object as content', () => token(new String('b'), { id: 'other' })],
    ['a chunk wrapper with toJSON', () => ({ toJSON: () => token('b', { id: 'other' }) }) as unknown as ChatCompletionChunk],
    ['a delta whose toJSON gives content', () => token(undefined, { id: 'other', choices: [{ index: 0, delta: { toJSON: () => ({ content: 'b' }) } }] })],
    ['a choices array with its own toJSON', () => {
      const chunk = token('b');
      chunk.choices = Object.assign([...chunk.choices], { toJSON: () => [{ index: 0, delta: { content: 'b' }, extra: 'other' }] });
      return chunk;
    }],
  ])('%s: the next token comes back as the plugin yielded it', (_name, odd) => {
    const chunks = [token('a'), odd(), token('c')];
    const back = roundTrip(chunks);
    expect(back).toEqual(asJson(chunks));
    expect(back?.[2]).toEqual(token('c'));
  });
});

describe('a batch text that would grow into a large structure in the host', () => {
  it('sends in full the tokens of a chunk too large to be a template', () => {
    const meta = 'x'.repeat(MAX_TEMPLATE_CHARS);
    const chunks = [token('a', { meta }), token('b', { meta }), token('c', { meta })];
    const items = JSON.parse(encodeChunkBatch(chunks)) as unknown[];
    expect(items.map((item) => typeof item)).toEqual(['object', 'object', 'object']);
    expect(roundTrip(chunks)).toEqual(chunks);
    // Just under the bound, the tokens still travel as text.
    const small = 'x'.repeat(MAX_TEMPLATE_CHARS - JSON.stringify(token('a', { meta: '' })).length);
    const fits = [token('a', { meta: small }), token('b', { meta: small })];
    expect((JSON.parse(encodeChunkBatch(fits)) as unknown[]).map((item) => typeof item)).toEqual(['object', 'string']);
    expect(roundTrip(fits)).toEqual(fits);
  });

  it('refuses a string item whose template is too large, and more items than a batch carries', () => {
    const big = JSON.stringify(token('a', { meta: 'x'.repeat(MAX_TEMPLATE_CHARS) }));
    expect(decodeChunkBatch(`[${big},""]`)).toBeUndefined();
    expect(decodeChunkBatch(`[${big}]`)).toHaveLength(1);
    const small = JSON.stringify(token('a'));
    expect(decodeChunkBatch(`[${small}${',""'.repeat(255)}]`)).toHaveLength(256);
    expect(decodeChunkBatch(`[${small}${',""'.repeat(256)}]`)).toBeUndefined();
    // A string after a chunk that is not a content chunk is not the content of an older one.
    expect(decodeChunkBatch(`[${small},{"choices":[]},"b"]`)).toBeUndefined();
  });

  it('kills a worker plugin that sends a large template repeated by empty strings, before the host builds the copies', async () => {
    // 256 KiB of template and 1 000 three-byte items: 256 MiB in the host, had it been rebuilt.
    const json = `[${JSON.stringify(token('a', { meta: 'x'.repeat(256 << 10) }))}${',""'.repeat(1000)}]`;
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (_raw, context, _side, peer) => {
          peer.notify(Method.chunks, { id: context.id, json } as never);
          return new Promise(() => {});
        },
      }),
    );
    const c = workerClient(launcher, fresh());
    const { chunks, error } = await drain(c.stream({ model: 'm', messages }));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(chunks).toEqual([]);
    await c.close();
  });

  it('streams a real plugin\'s chunks that repeat a large field, each as the plugin yielded it', async () => {
    const name = fresh();
    const meta = 'm'.repeat(2 * MAX_TEMPLATE_CHARS);
    script(name, {
      stream: async function* () {
        for (let i = 0; i < 100; i++) yield token(String(i), { meta });
      },
    });
    const c = workerClient(new MemoryLauncher(servePlugin), name);
    const { chunks, error } = await drain(c.stream({ model: 'm', messages }));
    expect(error).toBeUndefined();
    expect(chunks).toEqual(Array.from({ length: 100 }, (_, i) => token(String(i), { meta })));
    await c.close();
  });
});

describe('a JSON chunk batch from a plugin that was not asked for one', () => {
  it('kills a process-tier plugin that sends one (its streams are asked for chunk objects)', async () => {
    const json = encodeChunkBatch([token('a'), token('b')]);
    const launcher = new MemoryLauncher(
      scriptedPeer({
        completionStream: (raw, context, _side, peer) => {
          expect((raw as { encoding?: unknown }).encoding).toBeUndefined();
          peer.notify(Method.chunks, { id: context.id, json } as never);
          return new Promise(() => {});
        },
      }),
      // Over stdio, as a process plugin's channel (measured: chunk objects are asked for).
      { measured: true },
    );
    const c = workerClient(launcher, fresh(), 'process');
    const { chunks, error } = await drain(c.stream({ model: 'm', messages }));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toMatch(/did not ask for/);
    expect(chunks).toEqual([]);
    await c.close();
  });
});

describe('a plugin that reuses one chunk object, changing it after each yield', () => {
  // The batch leaves at the end of the turn; it held the plugin's objects, so every chunk of the
  // batch went as the object's last state: 'ccc' for a, b, c.
  it.each(['worker', 'process'] as const)('streams each state it yielded (%s tier)', async (isolation) => {
    const name = fresh();
    script(name, {
      stream: async function* () {
        const chunk = token('');
        for (const text of ['a', 'b', 'c']) {
          chunk.choices[0].delta.content = text;
          yield chunk;
        }
        chunk.choices[0].delta = {};
        chunk.choices[0].finish_reason = 'stop';
        yield chunk;
      },
    });
    const c = workerClient(new MemoryLauncher(servePlugin), name, isolation);
    const { chunks, error } = await drain(c.stream({ model: 'm', messages }));
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? chunk.choices[0]?.finish_reason)).toEqual(['a', 'b', 'c', 'stop']);
    await c.close();
  });
});
