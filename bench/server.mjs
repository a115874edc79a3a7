// The benchmark's upstream: an OpenAI-wire server in its own process on 127.0.0.1, so its work
// never counts against a contender. Streams are pre-rendered and written in 16 KiB slices.
//
// POST /v1/chat/completions with model 'bench-<n>': a stream of n content chunks (+ finish + usage)
// or, without `stream`, one small completion. Prints `{"port":…}` on stdout when listening.
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

const server = createServer(async (req, res) => {
  const parts = [];
  for await (const part of req) parts.push(part);
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404).end();
    return;
  }
  const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
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
