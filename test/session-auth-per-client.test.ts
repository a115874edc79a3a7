// A plugin's `auth` request is answered by the broker of the client it names, on a shared plugin:
// never by another client's, never for a client without credentials, and never for a client that
// has left (its credentials must not outlive its close).
import { describe, expect, it } from 'vitest';
import { Method, type AuthRequest, type AuthResult } from '../src/protocol/methods.js';
import { PluginClient } from '../src/host/plugin-client.js';
import { PluginSession } from '../src/host/plugin-session.js';
import { NO_RETRY } from '../src/host/retry.js';
import type { CredentialBroker } from '../src/host/credentials/index.js';
import { MemoryLauncher, scriptedPeer, supervision, testSpec } from './support/memory-launcher.js';

const broker = (tag: string): CredentialBroker => ({
  describe: tag,
  authorise: async (request: AuthRequest): Promise<AuthResult> => ({ headers: [['authorization', `${tag} ${request.method} ${request.url}`]] }),
});

function setup(provider: string) {
  const launcher = new MemoryLauncher(scriptedPeer({}));
  const session = new PluginSession({ spec: testSpec(provider), launch: launcher.launch, isolation: 'process', supervision: supervision(), idleTimeoutMs: 0 });
  const make = (credentials?: CredentialBroker) =>
    new PluginClient({ session, open: { apiKey: undefined, apiBase: undefined, clientOptions: {} }, retry: NO_RETRY, ...(credentials ? { credentials } : {}) });
  return { launcher, session, make };
}

const ask = (launcher: MemoryLauncher, client: string) =>
  launcher.last.peer!.request(Method.auth, { client, url: 'https://upstream.test/v1', method: 'POST' }).then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as Error }),
  );

describe('auth requests on a shared plugin', () => {
  it("signs each request with the named client's own broker", async () => {
    const { launcher, make } = setup('auth-own');
    const a = make(broker('A'));
    const b = make(broker('B'));
    await a.start();
    expect(await ask(launcher, a.wireId)).toEqual({ value: { headers: [['authorization', 'A POST https://upstream.test/v1']] }, error: undefined });
    expect(await ask(launcher, b.wireId)).toEqual({ value: { headers: [['authorization', 'B POST https://upstream.test/v1']] }, error: undefined });
    await b.close();
    await a.close();
  });

  it('refuses a client without credentials, and an id it does not know, naming the provider and a bounded id', async () => {
    const { launcher, make } = setup('auth-none');
    const keyed = make();
    await keyed.start();
    const none = await ask(launcher, keyed.wireId);
    expect(none.error?.message).toBe(`The host holds no credentials for 'auth-none' client '${keyed.wireId}'.`);
    // What the plugin gets back, and hands to the caller as its call's error: typed, with its code.
    expect(none.error).toMatchObject({ name: 'AuthenticationError', code: 'auth_unavailable', provider: 'auth-none' });
    const long = `x${'y'.repeat(199)}`;
    const unknown = await ask(launcher, long);
    expect(unknown.error?.message).toBe(`The host holds no credentials for 'auth-none' client '${long.slice(0, 64)}'.`);
    await keyed.close();
  });

  it('refuses the credentials of a client that has closed while its peers go on', async () => {
    const { launcher, make } = setup('auth-left');
    const stays = make(broker('S'));
    const leaves = make(broker('L'));
    await stays.start();
    await leaves.start();
    expect((await ask(launcher, leaves.wireId)).value).toEqual({ headers: [['authorization', 'L POST https://upstream.test/v1']] });
    await leaves.close();
    const after = await ask(launcher, leaves.wireId);
    expect(after.error?.message).toBe(`The host holds no credentials for 'auth-left' client '${leaves.wireId}'.`);
    expect((await ask(launcher, stays.wireId)).value).toEqual({ headers: [['authorization', 'S POST https://upstream.test/v1']] });
    await stays.close();
  });
});
