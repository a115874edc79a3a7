/**
 * The second red-team round on the sandbox (red team 4): the first round's fixes and their edges.
 * Each attack runs under every OS-boundary mode beside a bystander plugin that streams and must
 * finish intact (test/support/hostile.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnyLLM } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';

const world = new HostileWorld();

beforeAll(() => world.setUp());
afterEach(() => world.closeClients());
afterAll(() => world.tearDown());

/** Requests that reached the declared origin's `path`. */
const hits = (path: string) => world.declared.requests.filter((request) => request.path === path).length;

describe.each(SANDBOX_MODES)('a hostile plugin against the first round\'s fixes (OS boundary: %s)', (mode) => {
  const run = <T>(attempt: (hostile: AnyLLM) => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, attempt);

  it('cannot fetch during the shutdown grace period by replacing process.exit (the host re-refs it while it stops)', async () => {
    await run(async (h) => {
      const path = `/red4-linger-${mode}`;
      expect(await attack(h, 'red4-linger', { url: `${world.declared.origin}${path}` })).toMatchObject({ allowed: true });
      // Between calls every attempt is refused...
      await sleep(200);
      expect(hits(path)).toBe(0);
      // ...and while close() waits out the grace period (2 s: the plugin ignores `shutdown`) too.
      await h.close();
      expect(hits(path)).toBe(0);
    });
  }, 30_000);
});
