// The worker tier's streaming, thread by thread: chunks/s in the host over sequential 1,000-chunk
// streams, and the CPU each thread spent per chunk (the plugin thread `anyllm:openai`, the host's
// main thread, the rest: V8's helpers), read from /proc (Linux only). For A/B runs of two builds,
// alternating:
//
//   node bench/server.mjs                                         # prints {"port":…}
//   node bench/worker-cpu.mjs <port> [root of a build] [streams]  # prints one line
//
// `root` holds the build's `dist/` (default: this checkout); 40 warm-up streams, then `streams` (150).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [port, root = join(fileURLToPath(import.meta.url), '../..'), streamsArg = '150'] = process.argv.slice(2);
const STREAMS = Number(streamsArg);
const CHUNKS = 1000;
const TICK_MS = 1000 / 100; // USER_HZ: /proc counts CPU time in 1/100 s

/** CPU (ms) of this process's threads so far: the main thread, anyllm's plugin threads, the rest. */
function threads() {
  const cpu = { main: 0, plugin: 0, other: 0 };
  for (const task of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    cpu[Number(task) === process.pid ? 'main' : name.startsWith('anyllm:') ? 'plugin' : 'other'] += ms;
  }
  return cpu;
}

const { AnyLLM } = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
const llm = await AnyLLM.create('openai', { apiKey: 'sk-bench', apiBase: `http://127.0.0.1:${port}/v1`, isolation: 'worker', retry: false });
const messages = [{ role: 'user', content: 'Say hello.' }];
const stream = async () => {
  let n = 0;
  for await (const _chunk of llm.completionStream({ model: `bench-${CHUNKS}`, messages })) n++;
  return n;
};
for (let i = 0; i < 40; i++) await stream();
const before = threads();
const t0 = performance.now();
for (let i = 0; i < STREAMS; i++) await stream();
const seconds = (performance.now() - t0) / 1000;
const after = threads();
await llm.close();
const perChunk = (key) => ((after[key] - before[key]) * 1000) / (STREAMS * CHUNKS);
console.log(
  JSON.stringify({
    chunksPerSecond: Math.round((STREAMS * CHUNKS) / seconds),
    pluginUsPerChunk: perChunk('plugin'),
    mainUsPerChunk: perChunk('main'),
    otherUsPerChunk: perChunk('other'),
  }),
);
