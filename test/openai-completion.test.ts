import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

let server: LocalServer;
beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (req, res) => {
    const body = req.body as { stream?: boolean };
    if (body.stream) return streamChunks(res, syntheticStream(5));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('Hello there')));
  });
});
afterAll(() => server.close());

describe('smoke', () => {
  it('completes through a worker', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    expect(llm.running).toBe(false);
    const res = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].message.content).toBe('Hello there');
    expect(llm.running).toBe(true);
    const chunks = [];
    for await (const c of llm.completionStream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })) chunks.push(c);
    expect(chunks).toHaveLength(7);
    await llm.close();
  });
});
