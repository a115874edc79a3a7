// The worker tier, thread by thread: chunks/s in the host over sequential 1,000-chunk streams, and
// the CPU each thread spent per chunk (the plugin thread `anyllm:openai`, the host's main thread,
// the rest: V8's helpers), read from /proc (Linux only); with `calls`, the same per non-streaming
// call instead. For A/B runs of two builds, alternating:
//
//   node bench/server.mjs                                                  # prints {"port":…}
//   node bench/worker-cpu.mjs <port> [root of a build] [streams]           # prints one line
//   node bench/worker-cpu.mjs <port> [root of a build] [calls] calls       # per call: 500 warm-up, then 4,000
//
// `root` holds the build's `dist/` (default: this checkout); 40 warm-up streams, then `streams` (150).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadCpu } from './scale.mjs';

const [port, root = join(fileURLToPath(import.meta.url), '../..'), countArg, mode = 'streams'] = process.argv.slice(2);
const CALLS = mode === 'calls';
const STREAMS = Number(countArg ?? (CALLS ? '4000' : '150'));
const CHUNKS = 1000;
const { AnyLLM } = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
const llm = await AnyLLM.create('openai', { apiKey: 'sk-bench', apiBase: `http://127.0.0.1:${port}/v1`, isolation: 'worker', retry: false });
const messages = [{ role: 'user', content: 'Say hello.' }];
const stream = async () => {
  let n = 0;
  for await (const _chunk of llm.completionStream({ model: `bench-${CHUNKS}`, messages })) n++;
  return n;
};
const call = () => llm.completion({ model: 'bench', messages });
const one = CALLS ? call : stream;
for (let i = 0; i < (CALLS ? 500 : 40); i++) await one();
const before = threadCpu();
const t0 = performance.now();
for (let i = 0; i < STREAMS; i++) await one();
const seconds = (performance.now() - t0) / 1000;
const after = threadCpu();
await llm.close();
const perCall = (key) => ((after[key] - before[key]) * 1000) / STREAMS;
if (CALLS) {
  console.log(JSON.stringify({ wallUsPerCall: (seconds * 1e6) / STREAMS, pluginUsPerCall: perCall('pluginMs'), mainUsPerCall: perCall('mainMs'), otherUsPerCall: perCall('otherMs') }));
  process.exit(0);
}
const perChunk = (key) => ((after[key] - before[key]) * 1000) / (STREAMS * CHUNKS);
console.log(
  JSON.stringify({
    chunksPerSecond: Math.round((STREAMS * CHUNKS) / seconds),
    pluginUsPerChunk: perChunk('pluginMs'),
    mainUsPerChunk: perChunk('mainMs'),
    otherUsPerChunk: perChunk('otherMs'),
  }),
);
