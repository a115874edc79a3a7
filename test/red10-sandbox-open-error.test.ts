// Red team (issue 10): in the sandbox tier one plugin serves every client, and each client's SDK
// client is opened with `client/open`. A client whose options the provider refuses gets that
// error, as any call's error; a long error message (an SDK quoting the options it refused) must not
// be taken for a protocol violation that kills the plugin under every other client's calls.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnyLLM, ProviderError } from 'anyllm';
import { useRegisteredCopy } from './support/registered-copy.js';
import { SANDBOX_MODES } from './support/hostile.js';

const source = fileURLToPath(new URL('./fixtures/plugins/red10-open-error/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);

describe.each(SANDBOX_MODES)('a client whose client/open fails with a long message (OS boundary: %s)', (mode) => {
  it("gets the provider's error, and the shared sandboxed plugin goes on serving the others", async () => {
    const create = async (options: Record<string, unknown> = {}) => {
      const llm = await AnyLLM.create(plugin.provider, { isolation: 'sandbox', sandbox: { os: mode }, idleTimeoutMs: 0, retry: false, pluginStderr: 'pipe', ...options });
      plugin.track(llm);
      return llm;
    };
    const peer = await create();
    await peer.start();
    const exits: string[] = [];
    peer.on('plugin:exit', (event) => exits.push(`${event.cause}: ${event.reason}`));
    // The peer's call is running on the shared plugin while the other client opens.
    const running = peer.completion({ model: 'slow:1500', messages }).catch((e: unknown) => e);
    const refused = await create({ refuse: `bad option: ${'x'.repeat(6_000)}` });
    const error = await refused.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/bad option: x+/);
    expect(await running).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(exits).toEqual([]);
    expect(peer.stats()).toMatchObject({ starts: 1, crashes: 0 });
  });
});
