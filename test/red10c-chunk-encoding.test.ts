// Red team 10c: a stream's byte window counts what the transport measured, or, over a worker's
// port (structured clone: nothing is measured), the length of the batch's JSON text, which is why
// the host asks a worker plugin for JSON text. A worker plugin that sent chunk objects instead was
// counted 0 bytes a batch: 64 batches of 1 MiB each (or 1024 of any size) were taken into the
// host's heap past its 8 MiB window, the worker's own heap cap notwithstanding. A batch in an
// encoding the host did not ask for is now the plugin breaking the protocol, both ways.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnyLLM, PluginProtocolError } from 'anyllm';
import { useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/red10c-chunks/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);

describe('a worker plugin asked for JSON chunk batches', () => {
  it('is killed for sending chunk objects (their bytes go uncounted), before the consumer gets them', async () => {
    const llm = await AnyLLM.create(plugin.provider, { isolation: 'worker', idleTimeoutMs: 0, retry: false });
    plugin.track(llm);
    await llm.start();
    const exited = new Promise<string>((resolve) => llm.on('plugin:exit', (event) => resolve(`${event.cause}: ${event.reason}`)));
    let received = 0;
    const error = await (async () => {
      let count = 0;
      for await (const chunk of llm.completionStream({ model: 'objects:64', messages })) {
        received += chunk.choices[0]?.delta.content?.length ?? 0;
        if (++count === 64) break;
      }
    })().then(
      () => new Error(`the stream ended with ${received} characters`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toMatch(/chunk objects/);
    expect(received).toBe(0);
    expect(await exited).toMatch(/^protocol-error: .*chunk objects/);
    // A fresh plugin serves the next stream.
    const chunks = [];
    for await (const chunk of llm.completionStream({ model: 'ok', messages })) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0].delta.content).join('')).toBe('ok');
  });
});
