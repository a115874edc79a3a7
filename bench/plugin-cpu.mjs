// The process tier's streaming, seen from both sides: chunks/s in the host, and the CPU the plugin
// process spent per chunk (read from /proc, Linux only: the contender role of run.mjs counts the
// host's main thread alone). For A/B runs of two builds, alternating:
//
//   node bench/server.mjs                                   # prints {"port":…}
//   node bench/plugin-cpu.mjs <port> [root of a build]      # prints one JSON line
//
// `root` holds the build's `dist/` (default: this checkout). 8 rounds of 25 streams of 1,000 chunks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [port, root = join(fileURLToPath(import.meta.url), '../..')] = process.argv.slice(2);
const { AnyLLM } = await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
const messages = [{ role: 'user', content: 'Say hello.' }];
const ROUNDS = 8;
const PER_ROUND = 25;
const CHUNKS = 1000;
const TICK_US = 1e6 / 100; // USER_HZ: /proc counts CPU time in 1/100 s

/** CPU (µs) of this process's descendants so far, as /proc counts it. */
function childrenCpu(pid = process.pid) {
  let total = 0;
  let children = '';
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return 0;
  }
  for (const child of children.trim().split(/\s+/).filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * TICK_US;
    } catch {
      continue;
    }
    total += childrenCpu(Number(child));
  }
  return total;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const llm = await AnyLLM.create('openai', { apiKey: 'sk-bench', apiBase: `http://127.0.0.1:${port}/v1`, isolation: 'process', maxRetries: 0 });
const stream = async () => {
  let n = 0;
  for await (const _chunk of llm.completionStream({ model: `bench-${CHUNKS}`, messages })) n++;
  return n;
};
for (let i = 0; i < 20; i++) await stream();
const rates = [];
const pluginCpu = [];
for (let r = 0; r < ROUNDS; r++) {
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  let chunks = 0;
  for (let s = 0; s < PER_ROUND; s++) chunks += await stream();
  const ms = performance.now() - t0;
  rates.push(chunks / (ms / 1000));
  pluginCpu.push((childrenCpu() - cpu0) / chunks);
}
await llm.close();
process.stdout.write(
  `${JSON.stringify({ chunksPerSecond: Math.round(median(rates)), pluginCpuUsPerChunk: +median(pluginCpu).toFixed(2), rounds: rates.map(Math.round) })}\n`,
);
