/**
 * A test file's installed copy of a fixture plugin (`plugin-copy.ts`), registered before its tests:
 * the clients a test opens are closed after it, and the copy is removed after the file.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AnyLLM, registerPlugin, type AnyLLMOptions } from 'anyllm';
import { SANDBOX_MODES } from './hostile.js';
import { copyPlugin, type PluginCopy } from './plugin-copy.js';

/** Every tier, as `describe.each` takes them: the sandbox once per OS-boundary mode this machine has. */
export const TIERS: readonly (readonly [string, AnyLLMOptions])[] = [
  ['worker', { isolation: 'worker' }],
  ['process', { isolation: 'process' }],
  ...SANDBOX_MODES.map((os) => [`sandbox, OS boundary ${os}`, { isolation: 'sandbox', sandbox: { os } }] as const),
];

export interface RegisteredCopy {
  /** The provider name the copy registered as (once the file's tests have started). */
  readonly provider: string;
  /** The copy's folder, `<temporary root>/node_modules/<package name>` (once the file's tests have started). */
  readonly dir: string;
  /** Closes `llm` after the current test; returns it. */
  track(llm: AnyLLM): AnyLLM;
  /**
   * A started client of the copy, closed after the current test: no idle shutdown, no retries,
   * the plugin's stderr kept off the test's output.
   */
  started(options: AnyLLMOptions): Promise<AnyLLM>;
}

/**
 * Registers a copy of the plugin at `source` for this file, its manifest's `network` set to `network`.
 *
 * @example
 * ```ts
 * const plugin = useRegisteredCopy(fileURLToPath(new URL('./fixtures/plugins/red10c-wire/', import.meta.url)));
 * it('…', async () => {
 *   const llm = plugin.track(await AnyLLM.create(plugin.provider, { isolation: 'sandbox' }));
 * });
 * ```
 */
export function useRegisteredCopy(source: string, network: string[] = []): RegisteredCopy {
  let copy: PluginCopy | undefined;
  let provider: string | undefined;
  const open: AnyLLM[] = [];
  beforeAll(async () => {
    copy = copyPlugin(source, network);
    provider = await registerPlugin(copy.dir);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((llm) => llm.close()));
  });
  afterAll(() => copy?.remove());
  return {
    get provider() {
      if (provider === undefined) throw new Error(`The copy of ${source} is registered in beforeAll: read its provider in a test.`);
      return provider;
    },
    get dir() {
      if (copy === undefined) throw new Error(`The copy of ${source} is made in beforeAll: read its folder in a test.`);
      return copy.dir;
    },
    track(llm) {
      open.push(llm);
      return llm;
    },
    async started(options) {
      const llm = await AnyLLM.create(this.provider, { idleTimeoutMs: 0, retry: false, pluginStderr: 'pipe', ...options });
      this.track(llm);
      await llm.start();
      return llm;
    },
  };
}
