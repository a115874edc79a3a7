/**
 * Red team 14: a hung plugin's calls that "never started" move to its replacement, and run there
 * from the start. A call is taken as not started until the plugin says `$/started`; a hostile
 * sandboxed plugin that streams chunks for a queued call without saying so, then leaves a cancel
 * unacknowledged, had the host move that stream: the consumer read the chunk the first plugin sent,
 * then the whole stream again from the replacement (a replayed reply, and chunks of two runs mixed).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PluginCrashedError } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';

const world = new HostileWorld();
beforeAll(() => world.setUp());
afterEach(() => world.closeClients());
afterAll(() => world.tearDown());

const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: '{}' }] });

describe.each(SANDBOX_MODES)('a stream that sent chunks on a plugin then declared hung (OS boundary: %s)', (mode) => {
  it('is not moved to the replacement and run again: it fails as hung after the chunk it sent', async () => {
    const h = await world.client('hostile', mode, { supervision: { cancelGraceMs: 300 } });
    // This plugin process stops saying `$/started` and `$/cancelled`; its replacement is honest.
    expect(await attack(h, 'red14-arm')).toEqual({ armed: true });
    const controller = new AbortController();
    const hung = h.completionStream(ask('red14-hang'), { signal: controller.signal });
    const hungRead = hung.next().then(
      () => 'read',
      (error: unknown) => error,
    );
    // Queued behind the hanging stream, so the host waits for its `$/started`, which never comes.
    const stream = h.completionStream(ask('red14-chunk-then-hang'));
    const first = await stream.next();
    const firstText = first.value?.choices[0]?.delta.content;
    expect(firstText).toMatch(/^from \d+$/);
    // The cancel goes unacknowledged: the plugin is declared hung and replaced.
    controller.abort();
    expect((await hungRead as Error).name).toBe('AbortError');
    const next = await Promise.race([
      stream.next().then(
        (result) => ({ read: result.value?.choices[0]?.delta.content ?? null }),
        (error: unknown) => ({ error }),
      ),
      new Promise<{ timedOut: true }>((resolve) => setTimeout(() => resolve({ timedOut: true }), 15_000).unref()),
    ]);
    // Not a second run's first chunk: the stream ends with the hang.
    expect(next).not.toHaveProperty('read');
    expect(next).toHaveProperty('error');
    const { error } = next as { error: Error };
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect(error.message).toMatch(/hung/);
    await stream.return();
  }, 40_000);
});
