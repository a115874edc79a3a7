// The usage step runs in the plugin runtime, so a community plugin gets it as a built-in does: the
// faulty test plugin (duck-typed, imports nothing from anyllm) reports usage the way xAI and
// Perplexity do, and the caller still gets usage that adds up, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyLLM, Isolation } from 'anyllm';
import { accumulate } from './support/accumulate.js';
import { faulty, messages } from './support/faulty-plugin.js';

describe.each<Isolation>(['worker', 'process'])('a community plugin in a %s', (isolation) => {
  let llm: AnyLLM;
  beforeAll(async () => {
    llm = await faulty({ isolation });
  });
  afterAll(async () => {
    await llm?.close();
  });

  it('gets reasoning counted inside completion_tokens', async () => {
    const response = await llm.completion({ model: 'beside', messages });
    expect(response.usage).toEqual({ prompt_tokens: 291, completion_tokens: 215, total_tokens: 506, completion_tokens_details: { reasoning_tokens: 189 } });
  });

  it('reports a running usage once, the last count, on a final chunk with empty choices', async () => {
    const chunks = [];
    for await (const chunk of llm.completionStream({ model: 'running:4', messages })) chunks.push(chunk);
    expect(chunks).toHaveLength(5);
    const result = accumulate(chunks);
    expect(result.content).toBe('r1 r2 r3 r4 ');
    expect(result.finishReason).toBe('stop');
    expect(chunks.filter((c) => c.usage)).toEqual([{ id: 'faulty', object: 'chat.completion.chunk', created: 0, model: 'running:4', choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } }]);
  });
});
