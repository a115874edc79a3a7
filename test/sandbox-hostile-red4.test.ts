/**
 * The second red-team round on the sandbox (red team 4): the first round's fixes and their edges.
 * Each attack runs under every OS-boundary mode beside a bystander plugin that streams and must
 * finish intact (test/support/hostile.ts).
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PluginProtocolError, registerPlugin, type AnyLLM } from 'anyllm';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';
import { sendJson } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

const world = new HostileWorld();
const CRASHES = 40;

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

  it.each(['method', 'member'])('cannot put terminal escapes into the reason it is killed for (a %s name quoted back)', async (where) => {
    const exits: string[] = [];
    const text = '\u001b]0;pwned\u0007\r\u001b[2K[host] all good\u202e';
    // Its own client, to read its stats and events once it is killed.
    let llm: AnyLLM | undefined;
    const error = await world.whileAnotherPluginStreams(mode, async () => {
      llm = await world.client('hostile', mode);
      llm.on('plugin:exit', (event) => exits.push(event.reason));
      return attack(llm, 'red4-violation-text', { where, text }, 30_000).then(
        () => new Error('the plugin was not stopped'),
        (caught: unknown) => caught as Error,
      );
    });
    expect(error).toBeInstanceOf(PluginProtocolError);
    await vi.waitFor(() => expect(exits).toHaveLength(1));
    const reasons = [error.message, llm?.stats().lastExit?.reason, ...exits];
    for (const reason of reasons) {
      expect(reason).toContain('pwned');
      expect(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(reason ?? ''), JSON.stringify(reason)).toBe(false);
    }
    // Escaped visibly, not dropped: the caller can still see what the plugin sent.
    expect(error.message).toContain('\\x1b]0;pwned\\x07\\x0d');
  }, 30_000);

  it('cannot put C1 or bidi controls into the reason it is killed for through its answer to a ping (JSON.stringify leaves them raw)', async () => {
    // flow.js's attack: it hides the runtime's answers to pings and sends this one instead.
    const heartbeat = { supervision: { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 60_000 } };
    let llm: AnyLLM | undefined;
    const error = await world.whileAnotherPluginStreams(mode, async () => {
      llm = await world.client('hostile', mode, heartbeat);
      return attack(llm, 'flow-ping-answer', { answer: { ok: '\u009b2K\u009d0;pwned\u009c\u202e' } }, 15_000).then(
        () => new Error('the plugin was not stopped'),
        (caught: unknown) => caught as Error,
      );
    });
    expect(error).toBeInstanceOf(PluginProtocolError);
    // The call fails at the kill; the exit (and with it lastExit) is reported once the child has gone.
    await vi.waitFor(() => expect(llm?.stats().lastExit).toBeDefined(), { timeout: 10_000 });
    for (const reason of [error.message, llm?.stats().lastExit?.reason]) {
      expect(reason).toMatch(/answered \$\/ping with/);
      expect(/[\u0080-\u009f\u202e]/.test(reason ?? ''), JSON.stringify(reason)).toBe(false);
    }
  }, 30_000);
});

/** The densest honest logprobs: one-character tokens, `logprob: 0`, 20 alternatives each. */
const logprobs = (tokens: number) => ({
  content: Array.from({ length: tokens }, () => ({
    token: 'a',
    logprob: 0,
    bytes: [97],
    top_logprobs: Array.from({ length: 20 }, () => ({ token: 'a', logprob: 0, bytes: [97] })),
  })),
  refusal: null,
});

/** A stream of one-character tool-call deltas for 8 parallel calls, each chunk with its logprobs. */
function denseStream(n: number): Record<string, unknown>[] {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, logprobs: logprobs(1), finish_reason: finish }],
  });
  const calls = Array.from({ length: 8 }, (_, index) => ({ index, id: `call_${index}`, type: 'function', function: { name: 'f', arguments: '' } }));
  const chunks = [chunk({ role: 'assistant', tool_calls: calls })];
  for (let i = 0; i < n; i++) chunks.push(chunk({ tool_calls: [{ index: i % 8, function: { arguments: 'x' } }] }));
  chunks.push(chunk({}, 'tool_calls'));
  return chunks;
}

describe.each(SANDBOX_MODES)('honest traffic the structure bounds must let through (OS boundary: %s)', (mode) => {
  beforeAll(() => {
    // The bystander's stream as before; the dense models answer a dense body.
    onChat(world.declared, (req, res) => {
      const body = req.body as { model: string; stream?: boolean };
      if (body.model === 'dense') {
        if (body.stream) return streamChunks(res, denseStream(2000));
        return sendJson(res, 200, completionBody('x'.repeat(3000), { choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(3000), refusal: null }, logprobs: logprobs(3000), finish_reason: 'stop' }] }));
      }
      if (body.stream) return streamChunks(res, syntheticStream(60), { delayMs: 4 });
      sendJson(res, 200, completionBody('ok'));
    });
  });

  it('a stream of one-character tool-call deltas with 20 logprobs each, and a completion of 3 000 such logprobs', async () => {
    const llm = await world.client('acme', mode);
    let args = '';
    let chunks = 0;
    let tops = 0;
    for await (const chunk of llm.completionStream({ model: 'dense', messages: [{ role: 'user', content: 'hi' }] })) {
      chunks++;
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
      tops += chunk.choices[0]?.logprobs?.content?.[0]?.top_logprobs.length ?? 0;
    }
    expect({ chunks, args: args.length, tops }).toEqual({ chunks: 2002, args: 2000, tops: 2002 * 20 });
    const res = await llm.completion({ model: 'dense', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].logprobs?.content).toHaveLength(3000);
  }, 60_000);
});

/** What the host process holds open: handles, requests, descriptors, listeners on `process`. */
function hostHoldings(): Record<string, number> {
  const p = process as unknown as { _getActiveHandles(): unknown[]; _getActiveRequests(): unknown[] };
  const events = ['exit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection', 'beforeExit', 'warning'] as const;
  return {
    handles: p._getActiveHandles().length,
    requests: p._getActiveRequests().length,
    fds: readdirSync('/proc/self/fd').length,
    listeners: events.reduce((sum, event) => sum + process.listenerCount(event), 0),
  };
}

describe.each(SANDBOX_MODES)('a plugin in a crash loop (OS boundary: %s)', (mode) => {
  // /proc/self/fd: Linux only, as SANDBOX_MODES runs the OS boundary only there.
  it.runIf(process.platform === 'linux')('costs the host nothing that grows with the number of crashes', async () => {
    await world.whileAnotherPluginStreams(mode, async () => {
      const llm = await world.client('hostile', mode, { supervision: { maxCrashes: Infinity } });
      const crash = (i: number) =>
        attack(llm, 'red4-crash', { how: i % 2 ? 'violation' : 'exit' }, 30_000).then(
          () => expect.fail('the plugin answered'),
          (error: unknown) => expect((error as Error).name).toMatch(/PluginCrashedError|PluginProtocolError/),
        );
      for (let i = 0; i < 4; i++) await crash(i);
      // Give exits their 500 ms of stdio draining (child.ts) before counting.
      await sleep(700);
      const before = hostHoldings();
      for (let i = 0; i < CRASHES; i++) await crash(i);
      await sleep(700);
      const after = hostHoldings();
      expect(llm.stats().crashes).toBe(CRASHES + 4);
      // Loose: a plugin or two in flight at any time, never something per crash.
      for (const key of Object.keys(before)) expect(after[key] - before[key], `${key}: ${JSON.stringify({ before, after })}`).toBeLessThan(CRASHES / 4);
    });
  }, 180_000);
});

/**
 * Keys of the services an LLM application's environment holds beside its providers' (tracing,
 * vector stores, search tools), each `<SERVICE>_API_KEY`: the prefix rule alone handed them to a
 * community plugin that took the service's name.
 */
const AI_STACK_KEYS = { LANGSMITH_API_KEY: 'lsv2-secret', PINECONE_API_KEY: 'pcsk-secret', TAVILY_API_KEY: 'tvly-secret' } as const;

const aiStackCopies: PluginCopy[] = [];
beforeAll(async () => {
  Object.assign(process.env, AI_STACK_KEYS);
  for (const name of Object.keys(AI_STACK_KEYS)) {
    const provider = name.slice(0, -'_API_KEY'.length).toLowerCase();
    const copy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [world.declared.origin], (m) => Object.assign(m, { provider, env: [name] }));
    aiStackCopies.push(copy);
    // Registration warns when the default is withheld: not printed.
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    await registerPlugin(copy.dir).finally(() => warn.mockRestore());
  }
});
afterAll(() => {
  for (const copy of aiStackCopies) copy.remove();
  for (const name of Object.keys(AI_STACK_KEYS)) delete process.env[name];
});

describe.each(SANDBOX_MODES)('a community plugin named after another service of an AI app (OS boundary: %s)', (mode) => {
  it.each(Object.keys(AI_STACK_KEYS))('does not get %s by its name alone', async (name) => {
    const provider = name.slice(0, -'_API_KEY'.length).toLowerCase();
    const seen = await world.whileAnotherPluginStreams(mode, async () =>
      attack<{ env: Record<string, string> }>(await world.client(provider, mode, { apiKey: 'own-key' }), 'seen-at-init'),
    );
    expect(seen.env).toEqual({});
  });
});
