// The benchmark's upstream: an OpenAI-wire server in its own process on 127.0.0.1, so its work
// never counts against a contender. Streams are pre-rendered and written in 16 KiB slices.
//
// POST /v1/chat/completions with model 'bench-<n>': a stream of n content chunks (+ finish + usage)
// or, without `stream`, one small completion. Prints `{"port":…}` on stdout when listening.
//
// Fault modes, chosen by the model name (for the soak): 'fault-429' (a rate limit, `retry-after-ms: 1`),
// 'fault-500' (a server error), 'fault-drop' (the connection destroyed before a response),
// 'fault-drop-stream-<n>' (a stream cut after about half of its n chunks, the socket destroyed),
// 'flaky-<token>' (503 the first time a token is seen, then a normal answer: a retry succeeds).
import { createServer } from 'node:http';

const SLICE = 16 * 1024;
const rendered = new Map();

function chunk(content, extra = {}) {
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'bench',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
    ...extra,
  };
}

/** The whole SSE body of an n-chunk stream, as slices of at most 16 KiB. */
function streamBody(n) {
  let slices = rendered.get(n);
  if (slices) return slices;
  const events = [`data: ${JSON.stringify(chunk('', { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }))}\n\n`];
  for (let i = 0; i < n; i++) events.push(`data: ${JSON.stringify(chunk(` tok${i}`))}\n\n`);
  events.push(`data: ${JSON.stringify(chunk('', { choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }))}\n\n`);
  events.push(`data: ${JSON.stringify(chunk('', { choices: [], usage: { prompt_tokens: 5, completion_tokens: n, total_tokens: n + 5 } }))}\n\n`);
  events.push('data: [DONE]\n\n');
  const body = Buffer.from(events.join(''));
  slices = [];
  for (let at = 0; at < body.length; at += SLICE) slices.push(body.subarray(at, at + SLICE));
  rendered.set(n, slices);
  return slices;
}

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1700000000,
    model: 'bench',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench server.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
  }),
);

async function write(res, slices) {
  for (const slice of slices) {
    if (res.destroyed) return;
    if (!res.write(slice)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

const flakySeen = new Set();
const errorBody = (message, type) => JSON.stringify({ error: { message, type, param: null, code: null } });

/** Answers a fault-mode request; false when the model asks for none. */
function fault(body, req, res) {
  const model = String(body.model);
  if (model === 'fault-429') {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1' }).end(errorBody('Rate limit reached.', 'requests'));
    return true;
  }
  if (model === 'fault-500') {
    res.writeHead(500, { 'content-type': 'application/json' }).end(errorBody('The server had an error.', 'server_error'));
    return true;
  }
  if (model === 'fault-drop') {
    req.socket.destroy();
    return true;
  }
  const cut = /^fault-drop-stream-(\d+)$/.exec(model);
  if (cut && body.stream) {
    const slices = streamBody(Number(cut[1]));
    const bytes = Buffer.concat(slices);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // Up to an event boundary about half-way, then the socket goes.
    const half = bytes.indexOf('\n\n', bytes.length >> 1) + 2;
    res.write(bytes.subarray(0, half), () => setImmediate(() => req.socket.destroy()));
    return true;
  }
  if (model.startsWith('flaky-') && !flakySeen.has(model)) {
    flakySeen.add(model);
    res.writeHead(503, { 'content-type': 'application/json' }).end(errorBody('The engine is currently overloaded.', 'server_error'));
    return true;
  }
  if (model.startsWith('flaky-')) flakySeen.delete(model);
  return false;
}

const server = createServer(async (req, res) => {
  const parts = [];
  for await (const part of req) parts.push(part);
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404).end();
    return;
  }
  const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
  if (fault(body, req, res)) return;
  if (body.stream) {
    const n = Number(/^bench-(\d+)$/.exec(body.model)?.[1] ?? 1000);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    await write(res, streamBody(n));
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
    res.end(completion);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('disconnect', () => process.exit(0));
