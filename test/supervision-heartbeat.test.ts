// A plugin whose event loop is blocked (busy loop, deadlock) cannot answer `$/ping`: the heartbeat
// notices, kills it, fails its calls with PluginCrashedError, and the next call gets a fresh plugin.
import { afterEach, describe, expect, it } from 'vitest';
import { PluginCrashedError, type AnyLLM } from 'anyllm';
import { drain, faulty, messages, nextEvent } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
// Quick pings, but a generous answer deadline: a healthy plugin on a loaded machine must not be killed.
const heartbeat = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 3_000 };
async function client(isolation: 'worker' | 'process' = 'worker'): Promise<AnyLLM> {
  const llm = await faulty({ isolation, supervision: heartbeat });
  open.push(llm);
  return llm;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe('the heartbeat', () => {
  it.each([
    ['a busy loop', 'crash:hang'],
    ['a deadlock (Atomics.wait forever)', 'crash:deadlock'],
  ])('kills a plugin stuck in %s and fails its calls with PluginCrashedError', async (_what, model) => {
    const llm = await client();
    const exit = nextEvent(llm, 'plugin:exit');
    const bystander = llm.completion({ model: 'slow:60000', messages }).catch((e: unknown) => e);
    const error = await llm.completion({ model, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect((error as PluginCrashedError).code).toBe('unresponsive');
    expect((error as Error).message).toMatch(/stopped answering/);
    expect(await bystander).toBeInstanceOf(PluginCrashedError);
    expect(await exit).toMatchObject({ cause: 'unresponsive', failedCalls: 2 });

    const res = await llm.completion({ model: 'ok', messages });
    expect(res.choices[0].message.content).toBe('ok');
    expect(llm.stats().crashes).toBe(1);
  });

  it('kills a plugin in a child process stuck in a busy loop the same way', async () => {
    const llm = await client('process');
    const error = await llm.completion({ model: 'crash:hang', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect((error as PluginCrashedError).code).toBe('unresponsive');
    expect((await llm.completion({ model: 'ok', messages })).choices[0].message.content).toBe('ok');
  });

  it('kills a plugin that wedges mid-stream; the consumer gets what came before', async () => {
    const llm = await client();
    const { chunks, error } = await drain(llm.completionStream({ model: 'then:4:hang', messages }));
    expect(chunks).toHaveLength(4);
    expect(error).toBeInstanceOf(PluginCrashedError);
  });

  it('leaves a plugin alone that is slow to answer a call but whose event loop is free', async () => {
    const llm = await client();
    let exits = 0;
    llm.on('plugin:exit', () => exits++);
    // Many heartbeat intervals pass while these wait upstream; the plugin keeps answering pings.
    const res = await llm.completion({ model: 'slow:4000', messages });
    expect(res.choices[0].message.content).toBe('slow');
    const { error, chunks } = await drain(llm.completionStream({ model: 'every:20:50', messages }));
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(51);
    expect(exits).toBe(0);
    expect(llm.stats()).toMatchObject({ crashes: 0, starts: 1 });
  });
});
