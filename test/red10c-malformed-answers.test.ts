// Red team 10c: the connection settles each call's answer itself (direct dispatch). An answer must
// carry a result or a well-formed error: `{ id, error: null }` was taken for a success with no
// result (the caller's `completion()` resolved `undefined`), `error: 'boom'` became a ProviderError
// saying 'undefined', and an answer with both a result and an error was taken for the error. In the
// trusted tiers nothing else checks answers; the sandbox's guard refused them already. Each is now
// the plugin breaking the protocol, in every tier: the call fails with PluginProtocolError, the
// plugin is replaced, and the next call is served.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PluginProtocolError } from 'anyllm';
import { TIERS, useRegisteredCopy } from './support/registered-copy.js';

const source = fileURLToPath(new URL('./fixtures/plugins/red10c-wire/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const plugin = useRegisteredCopy(source);


describe.each(TIERS)('an answer that is not a result nor a well-formed error (%s tier)', (_tier, options) => {
  const create = () => plugin.started(options);

  it.each(['error-null', 'error-text', 'both'])('%s: the call fails with PluginProtocolError and the plugin is replaced', async (model) => {
    const llm = await create();
    const exits: string[] = [];
    llm.on('plugin:exit', (event) => exits.push(event.cause));
    const error = await llm.completion({ model, messages }).then(
      (value: unknown) => new Error(`resolved with ${JSON.stringify(value)}`),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginProtocolError);
    // The next call gets a fresh plugin.
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
    expect(exits).toEqual(['protocol-error']);
    expect(llm.stats()).toMatchObject({ starts: 2, calls: { error: 1, ok: 1 } });
  });

  it('an answer in a batch the host never sent: settled as sent in the trusted tiers, refused by the sandbox', async () => {
    const llm = await create();
    const outcome = await llm.completion({ model: 'batch', messages }).then(
      (value) => value.choices[0].message.content,
      (e: unknown) => e,
    );
    if (options.isolation === 'sandbox') expect(outcome).toBeInstanceOf(PluginProtocolError);
    else expect(outcome).toBe('ok');
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
  });
});
