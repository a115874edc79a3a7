// Child-process transports compared: Node's IPC channel (json and advanced serialization) against
// newline-delimited JSON over stdin/stdout (what AnyLLM's process and sandbox tiers use).
// Measures a small request/response round trip and one-way chunk throughput at 1 and 16 chunks
// per message. Run: `npm run build && node bench/transport.mjs` (prints medians of 5 runs).
import { fork, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { StdioTransport } from '../dist/src/protocol/stdio-transport.js';

const self = fileURLToPath(import.meta.url);
const ROUND_TRIPS = 3000;
const CHUNKS = 200_000;
const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'token ' }, finish_reason: null }] };

if (process.argv[2] === 'child') runChild(process.argv[3]);
else await main();

/** The plugin side: answers pings, and on `burst` sends CHUNKS chunks in messages of `perMessage`. */
function runChild(mode) {
  let send;
  let onMessage;
  if (mode === 'stdio' || mode === 'stdio-async') {
    // process.stdout writes to a pipe synchronously on Linux; a pipe socket on fd 1 writes asynchronously.
    const output = mode === 'stdio' ? process.stdout : new net.Socket({ fd: 1, readable: false, writable: true });
    const transport = new StdioTransport(process.stdin, output);
    send = (message) => transport.send(message);
    onMessage = (listener) => transport.onMessage(listener);
  } else {
    send = (message) => process.send(message);
    onMessage = (listener) => process.on('message', listener);
  }
  onMessage(async (message) => {
    if (message.method === 'ping') return send({ jsonrpc: '2.0', id: message.id, result: { ok: true } });
    if (message.method === 'burst') {
      const { perMessage } = message.params;
      for (let sent = 0; sent < CHUNKS; sent += perMessage) {
        send({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: Array(perMessage).fill(chunk) } });
        // Yield now and then, as a plugin reading an upstream stream would.
        if (sent % (perMessage * 64) === 0) await new Promise(setImmediate);
      }
      send({ jsonrpc: '2.0', id: message.id, result: { done: true } });
    }
    if (message.method === 'exit') process.exit(0);
  });
  if (mode.startsWith('stdio')) process.stdin.on('end', () => process.exit(0));
}

function start(mode) {
  if (mode.startsWith('stdio')) {
    const child = spawn(process.execPath, [self, 'child', mode], { stdio: ['pipe', 'pipe', 'inherit'] });
    const transport = new StdioTransport(child.stdout, child.stdin);
    return { child, send: (m) => transport.send(m), onMessage: (l) => transport.onMessage(l) };
  }
  const child = fork(self, ['child', mode], { serialization: mode === 'ipc-advanced' ? 'advanced' : 'json' });
  return { child, send: (m) => child.send(m), onMessage: (l) => child.on('message', l) };
}

async function measure(mode) {
  const peer = start(mode);
  let waiting;
  let chunks = 0;
  peer.onMessage((message) => {
    if (message.method === '$/chunks') chunks += message.params.chunks.length;
    else waiting?.(message);
  });
  const call = (id, method, params) =>
    new Promise((resolve) => {
      waiting = resolve;
      peer.send({ jsonrpc: '2.0', id, method, params });
    });
  for (let i = 0; i < 500; i++) await call(i, 'ping');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUND_TRIPS; i++) await call(i, 'ping');
  const roundTripUs = Number(process.hrtime.bigint() - t0) / 1000 / ROUND_TRIPS;
  const throughput = {};
  for (const perMessage of [1, 16]) {
    chunks = 0;
    const t1 = process.hrtime.bigint();
    await call(1, 'burst', { perMessage });
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    throughput[perMessage] = Math.round(chunks / seconds);
  }
  peer.send({ jsonrpc: '2.0', method: 'exit' });
  if (mode.startsWith('stdio')) peer.child.stdin.end();
  await new Promise((resolve) => peer.child.once('exit', resolve));
  return { roundTripUs, throughput };
}

async function main() {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`node ${process.version}; ${ROUND_TRIPS} round trips, ${CHUNKS} chunks per burst; medians of 5 runs`);
  console.log('transport      round trip   chunks/s (1/msg)   chunks/s (16/msg)');
  for (const mode of ['stdio', 'stdio-async', 'ipc-json', 'ipc-advanced']) {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await measure(mode));
    const rt = median(runs.map((r) => r.roundTripUs));
    const one = median(runs.map((r) => r.throughput[1]));
    const sixteen = median(runs.map((r) => r.throughput[16]));
    console.log(`${mode.padEnd(14)} ${rt.toFixed(1).padStart(7)} µs   ${String(one).padStart(14)}   ${String(sixteen).padStart(17)}`);
  }
}
