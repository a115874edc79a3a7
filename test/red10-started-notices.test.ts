// Red team (issue 10): the host keeps a `$/started` notice only for a request it sent with `ack`
// and that is still waiting for one. Notices for other ids (never sent, already settled, forged by
// the plugin) are dropped: kept, they grow without bound over a long-running session (a call
// cancelled before its notice arrived leaves one behind each time; a hostile plugin floods them),
// and a stale one makes a later call with that id look started, so a hang fails it instead of
// moving it to the replacement.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AnyLLM, registerPlugin } from 'anyllm';

const forgerDir = fileURLToPath(new URL('./fixtures/plugins/red10-forger/', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hi' }];
const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

async function client(): Promise<AnyLLM> {
  const name = await registerPlugin(forgerDir);
  const llm = await AnyLLM.create(name, { isolation: 'worker', retry: false, supervision: { heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 60_000 } });
  open.push(llm);
  await llm.start();
  return llm;
}

describe('$/started notices', () => {
  it('for requests the host never sent are dropped: a call queued behind a later hang still moves', async () => {
    const a = await client();
    const b = await client();
    // The plugin claims that requests 1..5000 have started, before the host has sent most of them.
    expect((await a.completion({ model: 'forge:5000', messages })).choices[0].message.content).toBe('forged');
    const hung = a.completion({ model: 'hang', messages }, { timeoutMs: 300 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Sent with ack to the busy-looping plugin: it never started there, whatever was claimed for its id.
    const res = await b.completion({ model: 'ok', messages }).catch((e: unknown) => e);
    expect(await hung).toMatchObject({ name: 'TimeoutError' });
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
  });
});
