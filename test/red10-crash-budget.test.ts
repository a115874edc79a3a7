// Red team (issue 10): on a shared plugin, one client whose requests keep crashing it (a poison
// prompt, a response that blows the memory cap) spends the crash budget for itself, not for every
// other client of the provider: before sharing each client had a plugin and a budget of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { PluginCrashedError, PluginUnavailableError, type AnyLLM } from 'anyllm';
import { faulty, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe('the crash budget of a shared plugin', () => {
  it('refuses the client whose calls crashed it, and still serves the others', async () => {
    const supervision = { maxCrashes: 3, crashWindowMs: 60_000 };
    const poisoned = await faulty({ supervision });
    const bystander = await faulty({ supervision });
    open.push(poisoned, bystander);
    expect((await bystander.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
    for (let i = 0; i < 3; i++) {
      await expect(poisoned.completion({ model: 'crash:exit', messages })).rejects.toBeInstanceOf(PluginCrashedError);
    }
    // The client that crashed it three times in the window is refused...
    await expect(poisoned.completion({ model: 'ok', messages })).rejects.toMatchObject({ name: 'PluginUnavailableError', code: 'crash_budget' });
    expect(poisoned.stats().unavailableForMs).toBeGreaterThan(0);
    // ...the other client, which never had a call on it when it crashed, is not.
    const res = await bystander.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(res).not.toBeInstanceOf(PluginUnavailableError);
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(bystander.stats().unavailableForMs).toBe(0);
  });

});
