/**
 * What a hostile sandboxed plugin can make reach the user (issue 8, class 7): answers that are not
 * OpenAI-shaped fail with PluginProtocolError naming the field (the plugin is killed as a protocol
 * violation, before `res.choices[0]` can throw in the caller's code), and its stderr reaches the
 * host's terminal escaped and under its prefix. Harness: test/support/hostile.ts.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, PluginProtocolError, registerPlugin, type AnyLLM } from 'anyllm';
import { attack, HostileWorld, SANDBOX_MODES } from './support/hostile.js';
import { completionBody, textChunk } from './support/openai-wire.js';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';

const run = promisify(execFile);
const world = new HostileWorld();
/** The hostile plugin again, declaring listModels and embeddings (under its own name and with no key). */
let lister: PluginCopy;

beforeAll(async () => {
  await world.setUp();
  lister = copyPlugin(resolve('test/fixtures/plugins/hostile'), [world.declared.origin], (manifest) => {
    manifest.provider = 'hostile-lists';
    manifest.env = [];
    manifest.capabilities = { completion: true, streaming: true, listModels: true, embedding: true };
  });
  await registerPlugin(lister.dir);
});

afterEach(() => world.closeClients());

afterAll(async () => {
  await world.tearDown();
  lister.remove();
});

/** Resolves with the `plugin:exit` event of `llm`'s next plugin exit. */
const nextExit = (llm: AnyLLM) =>
  new Promise<{ cause: string; reason: string }>((done) => {
    const off = llm.on('plugin:exit', (event) => {
      off();
      done(event);
    });
  });

const good = completionBody('fine');
const badCompletions: [string, unknown, string][] = [
  ['choices: null', { ...good, choices: null }, 'choices must be an array (got null)'],
  ['choices that are not an array', { ...good, choices: { 0: (good.choices as unknown[])[0] } }, 'choices must be an array (got object)'],
  ['a message that is a string', { ...good, choices: [{ index: 0, message: 'hi', finish_reason: 'stop' }] }, 'choices[0].message must be an object (got string)'],
  ['usage as strings', { ...good, usage: { prompt_tokens: '5', completion_tokens: '3', total_tokens: '8' } }, 'usage.prompt_tokens must be a number of tokens (got string)'],
  ["a 'chat.completion' result that is an array", [good], 'the completion must be an object (got array)'],
];

describe.each(SANDBOX_MODES)('a hostile plugin\'s output (OS boundary: %s)', (mode) => {
  const whileAnotherPluginStreams = <T>(attempt: (hostile: AnyLLM) => Promise<T>) => world.whileAnotherPluginStreams<T>(mode, attempt);

  it('still reaches the caller when it is well-shaped (the rewrite works, and the check lets it through)', async () => {
    const res = await whileAnotherPluginStreams((h) => h.completion({ model: 'malformed-result', messages: [{ role: 'user', content: JSON.stringify({ result: completionBody('rewritten') }) }] }));
    expect(res.choices[0].message.content).toBe('rewritten');
  });

  it.each(badCompletions)('a completion with %s fails with PluginProtocolError naming the field, and the plugin is killed', async (_what, result, problem) => {
    await whileAnotherPluginStreams(async (h) => {
      const exited = nextExit(h);
      const error = await attack(h, 'malformed-result', { result }, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect(error).toMatchObject({
        provider: 'hostile',
        code: 'protocol_violation',
        message: `Plugin 'hostile' broke the protocol: it answered 'completion' with a completion that is not OpenAI-shaped: ${problem}.`,
      });
      expect(await exited).toMatchObject({ cause: 'protocol-error' });
    });
  });

  it('a chunk with delta: 5 never reaches the caller: the stream fails with PluginProtocolError and the plugin is killed', async () => {
    await whileAnotherPluginStreams(async (h) => {
      const exited = nextExit(h);
      const chunks = [textChunk('ok'), { ...textChunk(''), choices: [{ index: 0, delta: 5, finish_reason: null }] }];
      const seen: unknown[] = [];
      const error = await (async () => {
        const stream = h.completionStream({ model: 'malformed-chunks', messages: [{ role: 'user', content: JSON.stringify({ chunks }) }] });
        for await (const chunk of stream) seen.push(chunk);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toBe(
        "Plugin 'hostile' broke the protocol: it sent a stream chunk that is not OpenAI-shaped: chunk 1: choices[0].delta must be an object (got number).",
      );
      // The whole batch is refused: not even its good first chunk is delivered.
      expect(seen).toEqual([]);
      expect(await exited).toMatchObject({ cause: 'protocol-error' });
    });
  });

  it('a listModels that returns an object fails with PluginProtocolError, and the plugin is killed', async () => {
    await whileAnotherPluginStreams(async () => {
      const llm = await world.client('hostile-lists', mode);
      const model = { id: 'm-1', object: 'model', created: 0, owned_by: 'x' };
      await attack(llm, 'malformed-models', { data: [model] });
      expect(await llm.listModels()).toEqual([model]);
      await attack(llm, 'malformed-models', { data: { 'm-1': model } });
      const exited = nextExit(llm);
      const error = await llm.listModels().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginProtocolError);
      expect((error as Error).message).toBe(
        "Plugin 'hostile-lists' broke the protocol: it answered 'listModels' with a model list that is not OpenAI-shaped: data must be an array (got object).",
      );
      expect(await exited).toMatchObject({ cause: 'protocol-error' });
    });
  });

  it('an embedding list with a NaN or a vector out of order fails with PluginProtocolError; a good one (base64 too) gets through', async () => {
    await whileAnotherPluginStreams(async () => {
      const llm = await world.client('hostile-lists', mode);
      const list = (data: unknown[]) => ({ object: 'list', model: 'e', usage: { prompt_tokens: 2, total_tokens: 2 }, data });
      const good = list([{ object: 'embedding', index: 0, embedding: [0.5, 1] }, { object: 'embedding', index: 1, embedding: 'AACAPw==' }]);
      await attack(llm, 'malformed-embeddings', { result: good });
      expect(await llm.embedding({ model: 'e', input: ['a', 'b'] })).toEqual(good);
      // JSON has no NaN: a NaN the plugin put in a vector arrives as null.
      for (const [data, problem] of [
        [[{ object: 'embedding', index: 0, embedding: [0.5, Number.NaN] }], 'data[0].embedding[1] must be a finite number (got null)'],
        [[{ object: 'embedding', index: 1, embedding: [1] }, { object: 'embedding', index: 0, embedding: [0] }], 'data[0].index must be 0 (got another number)'],
      ] as const) {
        await attack(llm, 'malformed-embeddings', { result: list([...data]) });
        const exited = nextExit(llm);
        const error = await llm.embedding({ model: 'e', input: ['a', 'b'] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PluginProtocolError);
        expect((error as Error).message).toBe(
          `Plugin 'hostile-lists' broke the protocol: it answered 'embedding' with an embedding list that is not OpenAI-shaped: ${problem}.`,
        );
        expect(await exited).toMatchObject({ cause: 'protocol-error' });
      }
    });
  });

  it('an honest embedding answer over the 32 MiB cap is an InvalidRequestError saying what to do, and the plugin lives', async () => {
    await whileAnotherPluginStreams(async () => {
      const llm = await world.client('hostile-lists', mode);
      // 2.5 million floats i / 3 are some 35 MiB of JSON.
      await attack(llm, 'huge-embedding', { length: 2_500_000 });
      let exits = 0;
      const off = llm.on('plugin:exit', () => exits++);
      const error = await llm.embedding({ model: 'e', input: 'a' }).catch((e: unknown) => e);
      off();
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ code: 'answer_too_large', provider: 'hostile-lists' });
      expect((error as Error).message).toMatch(/^The embedding answer is 3\d MiB, over the 32 MiB a sandboxed plugin may send: embed fewer inputs per call/);
      await attack(llm, 'huge-embedding', { length: 3 });
      expect((await llm.embedding({ model: 'e', input: 'a' })).data[0].embedding).toEqual([0, 1 / 3, 2 / 3]);
      expect(exits).toBe(0);
    });
  });

  it('cannot erase its stderr prefix, fake host log lines, retitle the terminal or reorder text', async () => {
    const text =
      'line one\r[anyllm:openai] API key accepted\n' +
      '\x1b[2K\x1b[1Afaked host line\n' +
      '\x1b]0;pwned title\x07\x1b]2;again\x1b\\ and C1 \x9b2J\n' +
      'bidi \u202etxt.exe\u202c \u2066iso\u2069 \u200fmark\n' +
      'no newline at the end';
    const script = resolve('test/scripts/plugin-stderr.mjs');
    const { stdout, stderr } = await run(process.execPath, [script, world.hostileCopy.dir, mode, JSON.stringify(text)], { timeout: 20_000 });
    expect(stdout).toBe('done\n');
    expect(stderr).not.toMatch(/[\r\x07\x1b\x9b\u202c\u202e\u2066\u2069\u200f]/);
    const lines = stderr.split('\n').filter((line) => line !== '');
    for (const line of lines) expect(line.startsWith('[anyllm:hostile] ')).toBe(true);
    expect(lines).toEqual([
      '[anyllm:hostile] line one\\x0d[anyllm:openai] API key accepted',
      '[anyllm:hostile] \\x1b[2K\\x1b[1Afaked host line',
      '[anyllm:hostile] \\x1b]0;pwned title\\x07\\x1b]2;again\\x1b\\ and C1 \\x9b2J',
      '[anyllm:hostile] bidi \\u202etxt.exe\\u202c \\u2066iso\\u2069 \\u200fmark',
      '[anyllm:hostile] no newline at the end',
    ]);
  });
});
