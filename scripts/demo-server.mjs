// A tiny OpenAI-wire server on 127.0.0.1 for the demo: streams a canned reply token by token,
// exactly as api.openai.com frames it (SSE `data:` events, a usage chunk, then `data: [DONE]`).
import { createServer } from 'node:http';

const REPLY =
  'Hello! I am streaming to you from a local OpenAI-wire server, through the openai SDK running ' +
  'inside an AnyLLM worker plugin. The host process never loaded the SDK.';

function chunk(delta, extra = {}) {
  return {
    id: 'chatcmpl-demo',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    ...extra,
  };
}

/** Starts the server; resolves with its base URL and a close function. */
export async function startDemoServer({ delayMs = 15 } = {}) {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const request = JSON.parse(body);
    const words = REPLY.split(/(?<= )/);
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-demo', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 9, completion_tokens: words.length, total_tokens: 9 + words.length },
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    for (const word of words) {
      if (res.destroyed) return;
      send(chunk({ content: word }));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    send({ ...chunk({}), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
    send({ ...chunk({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: words.length, total_tokens: 9 + words.length } });
    res.end('data: [DONE]\n\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((resolve) => server.close(resolve)) };
}
