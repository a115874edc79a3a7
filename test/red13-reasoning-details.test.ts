// OpenRouter streams its signed reasoning one token at a time in `reasoning_details` fragments.
// The plugin merged them and put every item so far on each chunk's `provider_data`, so chunk k
// carried the whole reasoning up to k: the bytes the plugin serialised, the host decoded and the
// caller received grew with the square of the reasoning's length (4 000 fragments of 20
// characters: 80 KB of reasoning, ~160 MB of chunks). The merged details now ride on the choice's
// last chunk only, which is the one the assistant message needs.
import { describe, expect, it } from 'vitest';
import { AnyLLM, ChunkAccumulator, type ChatCompletionChunk } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { onChat, streamChunks, textChunk } from './support/openai-wire.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));

const FRAGMENTS = 4000;
const piece = (i: number) => `tok${String(i).padStart(6, '0')} reasons `; // 20 characters

function reasoningStream(): Record<string, unknown>[] {
  const detail = (extra: Record<string, unknown>) => ({ type: 'reasoning.text', format: 'anthropic-claude-v1', index: 0, ...extra });
  const chunks: Record<string, unknown>[] = [];
  for (let i = 0; i < FRAGMENTS; i++) {
    chunks.push(textChunk('', 0, { choices: [{ index: 0, delta: { content: '', reasoning: piece(i), reasoning_details: [detail({ text: piece(i) })] }, finish_reason: null }] }));
  }
  chunks.push(textChunk('', 0, { choices: [{ index: 0, delta: { reasoning_details: [detail({ signature: 'Et0Bsig' })] }, finish_reason: null }] }));
  chunks.push(textChunk('4', 0, { choices: [{ index: 0, delta: { content: '4', reasoning_details: [] }, finish_reason: null }] }));
  chunks.push(textChunk('', 0, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  return chunks;
}

describe('openrouter: streamed reasoning_details cost what they carry', () => {
  it.each(['worker', 'process'] as const)('a long reasoning in token fragments reaches the caller in linear bytes, merged on the last chunk (%s)', async (isolation) => {
    const events = reasoningStream();
    const wireBytes = events.reduce<number>((sum, chunk) => sum + JSON.stringify(chunk).length, 0);
    onChat(server, (_req, res) => streamChunks(res, events), '/api/v1');
    const llm = await AnyLLM.create('openrouter', { apiKey: 'test-key', apiBase: `${server.origin}/api/v1`, retry: false, isolation });
    open.push(llm);

    const accumulator = new ChunkAccumulator();
    let received = 0;
    let carrying = 0;
    for await (const chunk of llm.completionStream({ model: 'anthropic/claude-sonnet-4.5', messages: [{ role: 'user', content: 'Think.' }] })) {
      received += JSON.stringify(chunk).length;
      if (chunk.choices.some((choice) => choice.delta.provider_data !== undefined)) carrying++;
      accumulator.add(chunk as ChatCompletionChunk);
    }
    const message = accumulator.toChatCompletion().choices[0].message;
    const text = Array.from({ length: FRAGMENTS }, (_, i) => piece(i)).join('');
    expect(message.provider_data).toEqual({ reasoning_details: [{ type: 'reasoning.text', format: 'anthropic-claude-v1', index: 0, text, signature: 'Et0Bsig' }] });
    expect(message.reasoning).toBe(text);
    expect(message.content).toBe('4');
    // What the caller receives is of the order of what the server sent (it was ~200 times more).
    expect(received).toBeLessThan(2 * wireBytes);
    expect(carrying).toBe(1);
  });
});
