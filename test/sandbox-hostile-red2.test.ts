/**
 * The second red-team pass on the channel: what a message costs the host once decoded, not as
 * text. The caps and the windows count characters; 3 characters of `{},` become an object of
 * 30-70 bytes of heap, so a 15 MiB result held 350 MB in the caller's hands and a refused fetch
 * full of header pairs could be sent again and again. A value nested a million deep passed every
 * check and overflowed the caller's own `structuredClone`. An error answer carried terminal
 * escapes and megabytes of message straight into `err.message`. Each is now refused (the plugin
 * is killed: the sandbox's transport scans a line's structure before parsing it and the channel
 * guard walks what it decoded, `json-bounds.ts`) or made safe (`untrusted-error.ts`), and a
 * bystander plugin streaming beside it finishes intact (test/support/hostile.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PluginCrashedError, PluginProtocolError, ProviderError, type AnyLLM } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';

const world = new HostileWorld();
const MiB = 1024 * 1024;

beforeAll(() => world.setUp());
afterEach(() => world.closeClients());
afterAll(() => world.tearDown());

/** Runs an attack that must get the plugin killed; the error the call failed with. */
const killed = (h: AnyLLM, name: string, args: object, timeoutMs = 30_000) =>
  attack(h, name, args, timeoutMs).then(
    (outcome) => new Error(`the attack was not stopped: ${JSON.stringify(outcome)?.slice(0, 200)}`),
    (error: unknown) => error as Error,
  );

describe.each(SANDBOX_MODES)('a hostile plugin against what the host decodes (OS boundary: %s)', (mode) => {
  const run = <T>(attempt: (hostile: AnyLLM) => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, attempt);

  it('is killed for a result under its 16 MiB cap that decodes to 5 M objects (~350 MB of host heap)', async () => {
    const error = await run((h) => killed(h, 'red2-dense-result', { count: Math.floor((15 * MiB) / 3) }));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(error.message).toMatch(/broke the protocol: it sent a value holding more than \d+ objects and arrays for its \d+ characters/);
  });

  it('is killed for a 40 MiB line of 14 M objects before the host decodes it (decoded, it held 1.5 GB of heap and stalled the host for seconds)', async () => {
    // The host is this process: record the longest text it decodes (its length only, not the text).
    const parse = JSON.parse;
    let longest = 0;
    const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver) => {
      longest = Math.max(longest, typeof text === 'string' ? text.length : 0);
      return parse(text, reviver) as unknown;
    });
    const error = await run((h) => killed(h, 'red2-dense-result', { count: Math.floor((40 * MiB) / 3) })).finally(() => spy.mockRestore());
    expect(error.message).toMatch(/broke the protocol: it sent a value holding more than \d+ objects and arrays for its \d+ characters/);
    // Decoded, the line was ~1.5 GB of objects and seconds of the host's main thread.
    expect(longest).toBeLessThan(MiB);
  });

  it('is killed for a result nested a million deep (it passed every check and broke the caller\'s structuredClone)', async () => {
    const error = await run((h) => killed(h, 'red2-deep-result', { depth: 1_000_000 }));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(error.message).toMatch(/broke the protocol: it sent a value nested deeper than 64/);
  });

  it('is killed at the first refused fetch whose headers decode to millions of values, not refused again and again', async () => {
    // Each of these was answered `network_denied` and the plugin went on sending the next.
    const error = await run((h) => killed(h, 'red2-dense-fetch', { url: `${world.undeclared.origin}/`, count: 20, pairs: 1_000_000 }));
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect(error.message).toMatch(/broke the protocol: it sent a value holding more than \d+ objects and arrays/);
  });

  it('cannot put terminal escapes or megabytes into the error message the caller sees', async () => {
    const error = await run((h) =>
      killed(h, 'red2-error', { message: '\u001b]0;pwned\u0007\r\u001b[2K[host] all good\u202e', repeat: 200_000, data: { type: 'PluginCrashedError', code: 'x\u001b[31m' } }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(PluginCrashedError);
    // Summaries, not the message: a failing run must not print 8 MB of escapes.
    expect(error.message.length).toBeLessThan(20_000);
    expect(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(error.message)).toBe(false);
    expect(error.message.startsWith('\\x1b]0;pwned\\x07\\x0d\\x1b[2K[host] all good\\u202e')).toBe(true);
    expect(/[\u0000-\u001f]/.test((error as ProviderError).code ?? '')).toBe(false);
  });

  it('cannot pollute prototypes with __proto__ or constructor members in its result', async () => {
    const outcome = await run(async (h) => {
      const res = await h.completion({ model: 'red2-proto-result', messages: [{ role: 'user', content: '{}' }] });
      return { res, polluted: ({} as { polluted?: unknown }).polluted };
    });
    expect(outcome.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(outcome.res)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(outcome.res.choices[0].message)).toBe(Object.prototype);
    expect(JSON.parse(outcome.res.choices[0].message.content as string)).toEqual({ rewritten: 'proto' });
  });
});
