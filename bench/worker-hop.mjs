// The floor under every worker-tier call: one postMessage to a worker and one back, no work between
// (plain node:worker_threads, nothing of anyllm). Each round alternates a default worker and one with
// the launcher's `resourceLimits`; prints the median round trip of each.
//   npx node bench/worker-hop.mjs [rounds=5] [calls=3000]
import { Worker } from 'node:worker_threads';

const [rounds = 5, calls = 3000] = process.argv.slice(2).map(Number);
const echo = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));`;
// About the size and shape of a short chat completion.
const reply = { jsonrpc: '2.0', id: 1, result: { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'bench', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 } } };

async function roundTrip(options) {
  const worker = new Worker(echo, { eval: true, ...options });
  const once = () => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(reply); });
  for (let i = 0; i < 500; i++) await once();
  const times = [];
  for (let i = 0; i < calls; i++) { const t0 = performance.now(); await once(); times.push(performance.now() - t0); }
  await worker.terminate();
  times.sort((a, b) => a - b);
  return Math.round(times[times.length >> 1] * 1000);
}

for (let r = 0; r < rounds; r++) {
  const plain = await roundTrip({});
  const limited = await roundTrip({ resourceLimits: { maxOldGenerationSizeMb: 512 } });
  console.log(`round trip median: ${plain} µs default worker, ${limited} µs with maxOldGenerationSizeMb 512`);
}
