// Red team of the batched stream path (src/plugins/chunk-batches.ts, OpenAICompatibleProvider's
// #streamBatches, serve.ts): the plugin runtime now takes the chunks of one read of the upstream
// body as one batch. What a user sees must be what the chunk-by-chunk path gave: the chunks that
// came before a bad one in the same read, every chunk through a credit window of 1, the upstream
// closed and the right outcome when the caller leaves or aborts in the middle of a batch, think
// tags split across reads, usage and finalChatCompletion(). The built-in `openai` and `groq`
// (compat.thinkTags) plugins against a local OpenAI-wire server; the worker tier and the sandbox.
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, AnyLLMError, ProviderError, type AnyLLMOptions, type CallEndEvent } from 'anyllm';
import { TIERS } from './support/registered-copy.js';
import { LocalServer } from './support/local-server.js';
import { onChat, textChunk } from './support/openai-wire.js';
import { drain, messages } from './support/faulty-plugin.js';

let server: LocalServer;
const open: AnyLLM[] = [];
beforeAll(async () => {
  server = await LocalServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
const USAGE = { prompt_tokens: 5, completion_tokens: 300, total_tokens: 305 };
const tokens = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `);

/** Writes `parts` (each one write, a few ms apart, so each is its own read), then ends unless `hold`. */
async function write(res: ServerResponse, parts: string[], hold = false): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const part of parts) {
    if (res.destroyed) return;
    res.write(part);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  if (!hold) res.end('data: [DONE]\n\n');
}

/** 300 content chunks, a finish and a usage chunk, in one write (one read: one batch of 302). */
const bigRead = () =>
  [...tokens(300).map((t) => event(textChunk(t))), event({ ...textChunk(''), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }), event({ ...textChunk(''), choices: [], usage: USAGE })].join('');

async function client(provider: string, tier: AnyLLMOptions, options: Record<string, unknown> = {}): Promise<AnyLLM> {
  const llm = await AnyLLM.create(provider, { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false, ...tier, ...options } as never);
  open.push(llm);
  await llm.start();
  return llm;
}

const contentOf = (chunks: { choices: { delta: { content?: string | null } }[] }[]) => chunks.map((c) => c.choices[0]?.delta.content).filter((c): c is string => !!c);

describe.each(TIERS.filter(([tier]) => tier === 'worker' || tier.startsWith('sandbox')))('the batched stream of an OpenAI-compatible plugin (%s tier)', (_name, tier) => {
  it('delivers the chunks a read brought before a chunk the plugin cannot normalise, then fails typed', async () => {
    // One read: three good chunks, then a choice that is null (normalising it throws in the plugin).
    onChat(server, (_req, res) => write(res, [[textChunk('a'), textChunk('b'), textChunk('c'), { ...textChunk(''), choices: [null] }].map(event).join('')]));
    const llm = await client('openai', tier);
    const ends: CallEndEvent[] = [];
    llm.on('call:end', (e) => ends.push(e));
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }));
    expect(error).toBeInstanceOf(AnyLLMError);
    // The host received the three (its consumer gets those it read before the failure came: the
    // host drops what is still buffered when a call fails, so that part depends on timing).
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'error', chunks: 3 });
    expect(['a', 'b', 'c'].slice(0, chunks.length)).toEqual(contentOf(chunks));
    // The plugin serves on.
    onChat(server, (_req, res) => write(res, [bigRead()]));
    expect(contentOf((await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }))).chunks)).toEqual(tokens(300));
  });

  it('delivers the chunks a read brought before an event whose JSON is malformed, then fails with ProviderError', async () => {
    onChat(server, (_req, res) => write(res, [[textChunk('a'), textChunk('b'), textChunk('c')].map(event).join('') + 'data: {"id":\n\n' + event(textChunk('after'))]));
    const llm = await client('openai', tier);
    const ends: CallEndEvent[] = [];
    llm.on('call:end', (e) => ends.push(e));
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/malformed server-sent event JSON/);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'error', chunks: 3 });
    expect(['a', 'b', 'c'].slice(0, chunks.length)).toEqual(contentOf(chunks));
  });

  it('passes every chunk of a 302-chunk read through a credit window of 1, in order, with the usage', async () => {
    onChat(server, (_req, res) => write(res, [bigRead()]));
    const llm = await client('openai', tier, { supervision: { streamWindow: 1 } });
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } }));
    expect(error).toBeUndefined();
    expect(contentOf(chunks)).toEqual(tokens(300));
    expect(chunks.at(-1)?.usage).toEqual(USAGE);
    expect(llm.stats().usage).toMatchObject(USAGE);
  });

  it('closes the upstream when the caller leaves in the middle of a batch (window 1), and serves on', async () => {
    onChat(server, (_req, res) => write(res, [bigRead().split('data: {"id":"chatcmpl-test","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage"')[0]], true));
    const llm = await client('openai', tier, { supervision: { streamWindow: 1 } });
    const ends: CallEndEvent[] = [];
    llm.on('call:end', (e) => ends.push(e));
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }), (_c, index) => {
      if (index === 4) throw new Error('enough');
    });
    expect((error as Error).message).toBe('enough');
    expect(chunks).toHaveLength(5);
    await aborted;
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toMatchObject({ outcome: 'aborted', chunks: 5, usageEstimated: true });
    onChat(server, (_req, res) => write(res, [bigRead()]));
    expect(contentOf((await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }))).chunks)).toEqual(tokens(300));
  });

  it("ends with the caller's abort reason when aborted in the middle of a batch, and closes the upstream", async () => {
    onChat(server, (_req, res) => write(res, [bigRead()], true));
    const llm = await client('openai', tier, { supervision: { streamWindow: 1 } });
    const controller = new AbortController();
    const aborted = server.nextAbort();
    const { chunks, error } = await drain(llm.completionStream({ model: 'gpt-4o-mini', messages }, { signal: controller.signal }), (_c, index) => {
      if (index === 9) controller.abort();
    });
    expect(chunks.length).toBe(10);
    expect((error as Error).name).toBe('AbortError');
    await aborted;
  });

  it('splits <think> tags cut across reads and batches (groq: compat.thinkTags)', async () => {
    const pieces = ['<thi', 'nk>Two', ' plus two.</th', 'ink>', '\n\n4', ' is it.'];
    // Two pieces per read: the splitter's held '<thi' and '</th' span a batch boundary.
    const parts = [0, 2, 4].map((i) => pieces.slice(i, i + 2).map((p) => event({ ...textChunk(p), model: 'qwen' })).join(''));
    parts.push(event({ ...textChunk(''), model: 'qwen', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
    onChat(server, (_req, res) => write(res, parts));
    const llm = await client('groq', tier);
    const final = await llm.completionStream({ model: 'qwen', messages }).finalChatCompletion();
    expect(final.choices[0].message.content).toBe('4 is it.');
    expect((final.choices[0].message as { reasoning?: string }).reasoning).toBe('Two plus two.');
  });
});
