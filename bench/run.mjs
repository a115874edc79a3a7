// `npm run bench`: every contender side by side against the same local OpenAI-wire server (a
// separate process on 127.0.0.1), each contender in a fresh process of its own. Prints a table
// with the targets of issue 5 as ratios of this run, and writes JSON under bench/results/.
//
//   npm run bench                  the full run (a few minutes on 2 cores)
//   npm run bench -- --quick       fewer rounds, for a smoke test
//
// Contenders: the `openai` SDK in-process; the Vercel AI SDK (`streamText` / `generateText` with
// `@ai-sdk/openai`) in-process; anyllm with the built-in openai provider in a worker plugin and in
// a process plugin. Cold starts also for the sandbox tier (the example community plugin, which may
// reach the bench server), with Node's permission model alone and under the OS boundary (bubblewrap).
import { execFile, spawn } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBareWorkerCold, runClients, runFirstClientFloor, runLatencyPair, runSoak, runStreams } from './scale.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const distIndex = pathToFileURL(join(root, 'dist/src/index.js')).href;
const messages = [{ role: 'user', content: 'Say hello.' }];
const API_KEY = 'sk-bench';
const STREAM_CHUNKS = 1000;
const quick = process.argv.includes('--quick');
const N = quick
  ? { warm: 2, rounds: 3, perRound: 3, ttft: 10, latency: 100, concurrent: 1, cold: 3, imports: 5, hotPairs: 1, latencyPairs: 2, pairCalls: 300, streamRounds: 1, soak: 5_000 }
  : { warm: 20, rounds: 7, perRound: 8, ttft: 40, latency: 500, concurrent: 3, cold: 9, imports: 15, hotPairs: 3, latencyPairs: 5, pairCalls: 1_000, streamRounds: 3, soak: 50_000 };
// The soak's call count: ANYLLM_BENCH_SOAK_CALLS=5000 for a quick look (the documented numbers use 50,000).
if (process.env.ANYLLM_BENCH_SOAK_CALLS) N.soak = Number(process.env.ANYLLM_BENCH_SOAK_CALLS);
/** 1,000 concurrent streams of this many chunks each. */
const MANY_STREAMS = { count: 1000, chunks: 200 };
const CLIENTS = 100;
/**
 * The soak's diagnostic run holds the host's semi-spaces at this size (MiB). V8 commits the young
 * generation as it grows it, so no flag sizes it in full from the start (`--min-semi-space-size`
 * only moves the step); a cap removes the step, and what growth is left is everything else's.
 */
const SOAK_CAPPED_SEMI_SPACE_MB = 2;

const CONTENDERS = {
  sdk: 'openai SDK, in-process',
  vercel: 'Vercel AI SDK, in-process',
  worker: 'anyllm, worker plugin',
  process: 'anyllm, process plugin',
};

// ---------------------------------------------------------------- child roles

/** A contender: one streamed call (counting chunks) and one non-streaming call. */
async function makeContender(name, base) {
  if (name === 'sdk') {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey: API_KEY, baseURL: base, maxRetries: 0 });
    return {
      async stream(model, onFirst) {
        const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
        let n = 0;
        for await (const _chunk of stream) if (n++ === 0) onFirst?.();
        return n;
      },
      complete: () => client.chat.completions.create({ model: 'bench', messages }),
      close: async () => {},
    };
  }
  if (name === 'vercel') {
    globalThis.AI_SDK_LOG_WARNINGS = false;
    const { streamText, generateText } = await import('ai');
    const { createOpenAI } = await import('@ai-sdk/openai');
    const provider = createOpenAI({ apiKey: API_KEY, baseURL: base });
    return {
      async stream(model, onFirst) {
        const result = streamText({ model: provider.chat(model), messages, maxRetries: 0 });
        let n = 0;
        for await (const _text of result.textStream) if (n++ === 0) onFirst?.();
        return n;
      },
      complete: () => generateText({ model: provider.chat('bench'), messages, maxRetries: 0 }),
      close: async () => {},
    };
  }
  const { AnyLLM } = await import(distIndex);
  const isolation = name === 'process' ? 'process' : 'worker';
  const llm = await AnyLLM.create('openai', { apiKey: API_KEY, apiBase: base, isolation, maxRetries: 0 });
  return {
    async stream(model, onFirst) {
      let n = 0;
      for await (const _chunk of llm.completionStream({ model, messages })) if (n++ === 0) onFirst?.();
      return n;
    },
    complete: () => llm.completion({ model: 'bench', messages }),
    close: () => llm.close(),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const cpuMicros = () => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};

/** Runs every hot-path figure for one contender and prints them as JSON. */
async function runContender(name, port) {
  const base = `http://127.0.0.1:${port}/v1`;
  const c = await makeContender(name, base);
  const model = `bench-${STREAM_CHUNKS}`;
  for (let i = 0; i < N.warm; i++) await c.stream(model);
  for (let i = 0; i < N.warm * 10; i++) await c.complete();

  // Throughput and main-thread CPU: rounds of sequential 1,000-chunk streams.
  const rates = [];
  const cpuPerChunk = [];
  let yielded = 0;
  for (let r = 0; r < N.rounds; r++) {
    const cpu0 = cpuMicros();
    const t0 = performance.now();
    for (let s = 0; s < N.perRound; s++) yielded = await c.stream(model);
    const ms = performance.now() - t0;
    const cpu = cpuMicros() - cpu0;
    rates.push((N.perRound * STREAM_CHUNKS) / (ms / 1000));
    cpuPerChunk.push(cpu / (N.perRound * STREAM_CHUNKS));
  }

  // Time to first chunk.
  const ttft = [];
  for (let i = 0; i < N.ttft; i++) {
    const t0 = performance.now();
    let first = 0;
    await c.stream('bench-20', () => (first = performance.now() - t0));
    ttft.push(first);
  }

  // Non-streaming latency.
  const latency = [];
  for (let i = 0; i < N.latency; i++) {
    const t0 = performance.now();
    await c.complete();
    latency.push(performance.now() - t0);
  }

  // 200 concurrent 1,000-chunk streams.
  const concurrent = [];
  for (let r = 0; r < N.concurrent; r++) {
    const t0 = performance.now();
    const counts = await Promise.all(Array.from({ length: 200 }, () => c.stream(model)));
    concurrent.push(performance.now() - t0);
    if (counts.some((n) => n < STREAM_CHUNKS)) throw new Error(`${name}: a concurrent stream came up short`);
  }
  await c.close();
  return {
    chunksPerStream: yielded,
    throughput: median(rates),
    throughputRounds: rates.map(Math.round),
    cpuPerChunkUs: median(cpuPerChunk),
    ttftMs: median(ttft),
    latencyMedianMs: median(latency),
    latencyP99Ms: percentile(latency, 99),
    concurrent200Ms: Math.min(...concurrent),
  };
}

/** Cold start in a fresh process: import, create, first result. */
async function runCold(kind, port) {
  const base = `http://127.0.0.1:${port}/v1`;
  const t0 = performance.now();
  if (kind === 'sdk') {
    const { default: OpenAI } = await import('openai');
    const t1 = performance.now();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: base, maxRetries: 0 });
    await client.chat.completions.create({ model: 'bench', messages });
    const t2 = performance.now();
    return { importMs: t1 - t0, coldMs: t2 - t1 };
  }
  if (kind === 'bare-worker') return { importMs: 0, ...(await runBareWorkerCold({ base, apiKey: API_KEY })) };
  const { AnyLLM, registerPlugin } = await import(distIndex);
  if (kind.startsWith('sandbox-')) {
    await registerPlugin(pluginDir);
    const t1 = performance.now();
    const llm = await AnyLLM.create('acme', { apiKey: API_KEY, apiBase: base, sandbox: { os: kind.slice('sandbox-'.length) } });
    await llm.completion({ model: 'bench', messages });
    const t2 = performance.now();
    const { boundary } = llm.stats();
    await llm.close();
    return { importMs: t1 - t0, coldMs: t2 - t1, boundary };
  }
  const t1 = performance.now();
  const llm = await AnyLLM.create('openai', { apiKey: API_KEY, apiBase: base, isolation: kind, maxRetries: 0 });
  await llm.completion({ model: 'bench', messages });
  const t2 = performance.now();
  await llm.close();
  return { importMs: t1 - t0, coldMs: t2 - t1 };
}

/** The OS-boundary probe alone (bwrap running `node -e 0` once), which the first sandboxed client of a process pays. */
async function runProbe() {
  const { probeOsBoundary } = await import(pathToFileURL(join(root, 'dist/src/host/launchers/os-boundary/index.js')).href);
  const t0 = performance.now();
  const probe = await probeOsBoundary();
  return { probeMs: performance.now() - t0, boundary: probe.available ? probe.boundary.kind : `none (${probe.why})` };
}

/** The example community plugin, installed outside the repo, allowed to reach the bench server. */
function installBenchPlugin(port) {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-bench-plugin-')));
  const dir = join(top, 'node_modules', 'anyllm-plugin-acme');
  cpSync(join(root, 'examples/community-plugin'), dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  pkg.anyllm.network = [`http://127.0.0.1:${port}`];
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  return { dir, remove: () => rmSync(top, { recursive: true, force: true }) };
}

/** `import('anyllm')` time in a fresh process; with `--list`, the packages it loaded. */
async function runImport(list) {
  if (list) {
    const { registerHooks } = await import('node:module');
    const loaded = new Set();
    registerHooks({
      load(url, context, next) {
        const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
        if (match) loaded.add(match[1]);
        return next(url, context);
      },
    });
    await import(distIndex);
    return { packages: [...loaded].sort() };
  }
  const t0 = performance.now();
  await import(distIndex);
  return { importMs: performance.now() - t0 };
}

/**
 * The floor any worker-thread design stands on, without anyllm: a bare worker's spawn time, the
 * SDK's import inside a worker, and the SDK's call latency in a worker against the main thread.
 */
async function runFloor(port) {
  const base = `http://127.0.0.1:${port}/v1`;
  const { Worker } = await import('node:worker_threads');
  const spawnTo = async (code) => {
    const t0 = performance.now();
    const worker = new Worker(code, { eval: true });
    const message = await new Promise((resolve) => worker.once('message', resolve));
    const ms = performance.now() - t0;
    await worker.terminate();
    return { ms, message };
  };
  const emptyWorkerMs = (await spawnTo(`require('node:worker_threads').parentPort.postMessage(0)`)).ms;
  const sdkWorkerMs = (await spawnTo(`import('openai').then(() => require('node:worker_threads').parentPort.postMessage(0))`)).ms;
  const latencyLoop = `
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey: ${JSON.stringify(API_KEY)}, baseURL: ${JSON.stringify(base)}, maxRetries: 0 });
    const messages = [{ role: 'user', content: 'Say hello.' }];
    for (let i = 0; i < ${N.latency}; i++) await client.chat.completions.create({ model: 'bench', messages });
    const times = [];
    for (let i = 0; i < ${N.latency}; i++) {
      const t0 = performance.now();
      await client.chat.completions.create({ model: 'bench', messages });
      times.push(performance.now() - t0);
    }
    return times;`;
  const inWorker = (await spawnTo(`(async () => { ${latencyLoop} })().then((m) => require('node:worker_threads').parentPort.postMessage(m))`)).message;
  const onMain = await new Function(`return (async () => { ${latencyLoop} })()`)();
  // The same median() as every other figure, so the floor's ratio compares like with like.
  return { emptyWorkerMs, sdkWorkerMs, sdkLatencyWorkerMs: median(inWorker), sdkLatencyMainMs: median(onMain) };
}

/**
 * Memory per idle provider client, in MiB: the same steps for every contender (baseline before the
 * library's import, four clients that each made one call, the same settling), so a shared import
 * counts once for both the SDK in-process and anyllm.
 */
async function runMemory(kind, port) {
  const base = `http://127.0.0.1:${port}/v1`;
  const PLUGINS = 4;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return process.memoryUsage().rss / 2 ** 20;
  };
  const before = await settle();
  if (kind === 'sdk') {
    const { default: OpenAI } = await import('openai');
    const sdkClients = [];
    for (let i = 0; i < PLUGINS; i++) {
      const client = new OpenAI({ apiKey: API_KEY, baseURL: base, maxRetries: 0 });
      await client.chat.completions.create({ model: 'bench', messages });
      sdkClients.push(client);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await settle();
    return { hostMbPerPlugin: (after - before) / sdkClients.length };
  }
  const { AnyLLM } = await import(distIndex);
  const clients = [];
  for (let i = 0; i < PLUGINS; i++) {
    const llm = await AnyLLM.create('openai', { apiKey: API_KEY, apiBase: base, isolation: kind, maxRetries: 0 });
    await llm.completion({ model: 'bench', messages });
    clients.push(llm);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await settle();
  let childPrivateMb;
  let childRssMb;
  if (kind === 'process') {
    const children = childPids(process.pid);
    const rollups = children.map((pid) => readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024;
    childPrivateMb = median(rollups.map((t) => field(t, 'Private_Clean') + field(t, 'Private_Dirty')));
    childRssMb = median(rollups.map((t) => field(t, 'Rss')));
  }
  await Promise.all(clients.map((llm) => llm.close()));
  return { hostMbPerPlugin: (after - before) / PLUGINS, childPrivateMb, childRssMb };
}

function childPids(parent) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------- orchestrator

function child(args, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const all = quick ? [...args, '--quick'] : args;
    execFile(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), ...all], { maxBuffer: 1 << 24, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${args.join(' ')} failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
    });
  });
}

async function startServer() {
  const server = spawn(process.execPath, [join(here, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.setEncoding('utf8');
    server.stdout.once('data', (text) => resolve(JSON.parse(text).port));
    server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, stop: () => server.kill() };
}

const fmt = (value, digits = 1) => (value === undefined || value === null || Number.isNaN(value) ? '–' : value.toFixed(digits));
const kfmt = (value) => (value === undefined ? '–' : `${Math.round(value / 1000)}k`);

async function orchestrate() {
  const started = new Date();
  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    quick,
  };
  console.log(`anyllm bench: node ${env.node}, ${env.cores} × ${env.cpu}, load ${env.loadAverageAtStart.join(' ')}${quick ? ' (quick)' : ''}`);
  const server = await startServer();
  try {
    // The SDK and the worker plugin alternate (sdk, worker, sdk, worker, ...); a ratio is the median
    // of each pair's ratio, so a slow minute on the shared machine hits both sides of a pair.
    const hotRuns = Object.fromEntries(Object.keys(CONTENDERS).map((name) => [name, []]));
    for (let round = 0; round < N.hotPairs; round++) {
      for (const name of round === 0 ? Object.keys(CONTENDERS) : ['sdk', 'worker']) {
        process.stdout.write(`  ${CONTENDERS[name]} ... `);
        hotRuns[name].push(await child(['contender', name, String(server.port)]));
        console.log(`${kfmt(hotRuns[name].at(-1).throughput)} chunks/s`);
      }
    }
    const hot = Object.fromEntries(
      Object.entries(hotRuns).map(([name, runs]) => [
        name,
        Object.fromEntries(Object.keys(runs[0]).map((key) => [key, Array.isArray(runs[0][key]) ? runs[0][key] : median(runs.map((run) => run[key]))])),
      ]),
    );
    const pairRatio = (key) => median(hotRuns.worker.map((run, i) => run[key] / hotRuns.sdk[i][key]));

    process.stdout.write('  latency, the SDK and a worker client alternating in one process ... ');
    const latencyPairs = [];
    for (let i = 0; i < N.latencyPairs; i++) latencyPairs.push(await child(['latency-pair', String(server.port)]));
    const latencyPair = {
      runs: latencyPairs,
      ratio: median(latencyPairs.map((r) => r.anyllmMedianMs / r.sdkMedianMs)),
      sdkMedianMs: median(latencyPairs.map((r) => r.sdkMedianMs)),
      anyllmMedianMs: median(latencyPairs.map((r) => r.anyllmMedianMs)),
      bareWorkerMedianMs: median(latencyPairs.map((r) => r.bareWorkerMedianMs)),
      floorRatio: median(latencyPairs.map((r) => r.bareWorkerMedianMs / r.sdkMedianMs)),
      overFloor: median(latencyPairs.map((r) => r.anyllmMedianMs / r.bareWorkerMedianMs)),
    };
    console.log(`${fmt(latencyPair.ratio, 2)}×`);

    process.stdout.write(`  ${MANY_STREAMS.count} concurrent streams ... `);
    const streamRuns = { sdk: [], worker: [] };
    for (let i = 0; i < N.streamRounds; i++) {
      for (const kind of ['sdk', 'worker']) streamRuns[kind].push(await child(['streams', kind, String(server.port)], ['--expose-gc']));
    }
    const manyStreams = {
      ...MANY_STREAMS,
      runs: streamRuns,
      ratio: median(streamRuns.worker.map((r, i) => r.ms / streamRuns.sdk[i].ms)),
      steadyRatio: median(streamRuns.worker.map((r, i) => r.steadyMs / streamRuns.sdk[i].steadyMs)),
      // What one plugin thread spends: its CPU alone against the SDK's whole time, pair by pair.
      pluginCpuRatio: streamRuns.worker[0].cpu ? median(streamRuns.worker.map((r, i) => r.cpu.pluginMs / streamRuns.sdk[i].ms)) : undefined,
      ...Object.fromEntries(
        ['sdk', 'worker'].map((kind) => [
          kind,
          Object.fromEntries(['ms', 'steadyMs', 'rssPeakGrowthMb', 'rssAfterGrowthMb', 'mainHeapPeakGrowthMb'].map((key) => [key, median(streamRuns[kind].map((r) => r[key]))])),
        ]),
      ),
    };
    // The diagnostic: the first burst again, its connections opened beforehand by plain calls.
    const openRuns = { sdk: [], worker: [] };
    for (let i = 0; i < N.streamRounds; i++) {
      for (const kind of ['sdk', 'worker']) openRuns[kind].push(await child(['streams-open', kind, String(server.port)], ['--expose-gc']));
    }
    manyStreams.connectionsOpened = {
      runs: openRuns,
      ratio: median(openRuns.worker.map((r, i) => r.ms / openRuns.sdk[i].ms)),
      sdkMs: median(openRuns.sdk.map((r) => r.ms)),
      workerMs: median(openRuns.worker.map((r) => r.ms)),
    };
    console.log(`${fmt(manyStreams.ratio, 2)}× (first burst), ${fmt(manyStreams.steadyRatio, 2)}× (steady), ${fmt(manyStreams.connectionsOpened.ratio, 2)}× (first burst, connections opened before)`);

    process.stdout.write(`  ${CLIENTS} clients with ${CLIENTS} keys ... `);
    const clients = {
      worker: await child(['clients', 'worker', String(server.port)], ['--expose-gc']),
      process: await child(['clients', 'process', String(server.port)], ['--expose-gc']),
    };
    const firstClientFloor = {
      sdk: (await child(['first-client-floor', 'sdk', String(server.port)], ['--expose-gc'])).firstClientMb,
      bareWorker: (await child(['first-client-floor', 'bare-worker', String(server.port)], ['--expose-gc'])).firstClientMb,
    };
    console.log('done');

    process.stdout.write(`  soak, ${N.soak.toLocaleString('en')} calls with faults ... `);
    const soak = await child(['soak', String(server.port), 'worker'], ['--expose-gc']);
    const soakProcess = await child(['soak', String(server.port), 'process'], ['--expose-gc']);
    // The floor: the same calls through the SDK in-process, for what the app's own V8 does with them.
    const soakSdk = await child(['soak', String(server.port), 'sdk'], ['--expose-gc']);
    // The diagnostic: the same soak with the host isolate's young generation capped (the app's flag,
    // not anyllm's), so V8's one-time sizing of it is out and what is left of the growth is the rest.
    const soakCapped = await child(['soak', String(server.port), 'worker'], ['--expose-gc', `--max-semi-space-size=${SOAK_CAPPED_SEMI_SPACE_MB}`]);
    console.log(`${fmt(soak.ms / 1000, 0)} s`);

    process.stdout.write('  cold starts ... ');
    const coldRuns = { sdk: [], 'bare-worker': [], worker: [], process: [], 'sandbox-off': [], ...(process.platform === 'linux' ? { 'sandbox-require': [] } : {}) };
    const plugin = installBenchPlugin(server.port);
    await child(['cold', 'sdk', String(server.port)]); // warms the file cache
    const probeRuns = [];
    try {
      for (let i = 0; i < N.cold; i++) {
        for (const kind of Object.keys(coldRuns)) coldRuns[kind].push(await child(['cold', kind, String(server.port), plugin.dir]));
        if ('sandbox-require' in coldRuns) probeRuns.push(await child(['probe']));
      }
    } finally {
      plugin.remove();
    }
    const cold = Object.fromEntries(
      Object.entries(coldRuns).map(([kind, runs]) => [
        kind,
        { importMs: median(runs.map((r) => r.importMs)), coldMs: median(runs.map((r) => r.coldMs)), boundary: runs[0]?.boundary },
      ]),
    );
    const probe = probeRuns.length > 0 ? { probeMs: median(probeRuns.map((r) => r.probeMs)), boundary: probeRuns[0].boundary } : undefined;
    console.log('done');

    process.stdout.write('  floor (bare workers, no anyllm) ... ');
    const floorRuns = [];
    for (let i = 0; i < 3; i++) floorRuns.push(await child(['floor', String(server.port)]));
    const floor = Object.fromEntries(Object.keys(floorRuns[0]).map((key) => [key, median(floorRuns.map((run) => run[key]))]));
    console.log('done');

    process.stdout.write('  import and memory ... ');
    const importRuns = [];
    for (let i = 0; i < N.imports; i++) importRuns.push((await child(['import'])).importMs);
    const { packages } = await child(['import', '--list']);
    const memory = {
      sdk: await child(['memory', 'sdk', String(server.port)], ['--expose-gc']),
      worker: await child(['memory', 'worker', String(server.port)], ['--expose-gc']),
      process: await child(['memory', 'process', String(server.port)], ['--expose-gc']),
    };
    console.log('done\n');

    const sdk = hot.sdk;
    const sdkImport = cold.sdk.importMs;
    const coldRatio = median(coldRuns.worker.map((run, i) => run.coldMs / (coldRuns.sdk[i].importMs + coldRuns.sdk[i].coldMs)));
    const targets = [
      ['worker streaming throughput vs SDK', pairRatio('throughput'), '>=', 2.0],
      ['worker main-thread CPU per chunk vs SDK', pairRatio('cpuPerChunkUs'), '<=', 0.15],
      ['worker non-streaming median latency vs SDK in-process (alternating in one process)', latencyPair.ratio, '<=', 1.15],
      ['  the floor: the SDK in a bare worker vs in-process (same processes)', latencyPair.floorRatio, '<=', 1.15],
      ['worker non-streaming median latency vs SDK (separate processes)', pairRatio('latencyMedianMs'), '<=', 1.15],
      ['worker cold start (create → first result) vs SDK import + first call', coldRatio, '<=', 1.5],
      ['  the floor: a bare worker importing the SDK + first call vs SDK import + first call', median(coldRuns['bare-worker'].map((run, i) => run.coldMs / (coldRuns.sdk[i].importMs + coldRuns.sdk[i].coldMs))), '<=', 1.5],
      [`${CLIENTS} clients, ${CLIENTS} keys: plugins started (worker)`, clients.worker.pluginStarts, '<=', 1],
      [`${CLIENTS} clients: host RSS for the first, MiB (worker)`, clients.worker.firstClientMb, '<=', 25],
      [`  the floor: a bare worker importing the SDK, one call, MiB`, firstClientFloor.bareWorker, '<=', 25],
      [`${CLIENTS} clients: host RSS for the first, MiB (process)`, clients.process.firstClientMb, '<=', 25],
      [`${CLIENTS} clients: host RSS per further client, MiB (worker)`, clients.worker.perFurtherClientMb, '<=', 0.5],
      [`${MANY_STREAMS.count} concurrent streams, time vs SDK: the first burst after 50 warm-up streams`, manyStreams.ratio, '<=', 0.7],
      [`${MANY_STREAMS.count} concurrent streams, time vs SDK: steady (the same burst twice more, median)`, manyStreams.steadyRatio, '<=', 0.7],
      [`  the diagnostic: the first burst, its ${MANY_STREAMS.count} connections opened before by plain calls`, manyStreams.connectionsOpened.ratio, '<=', 0.7],
      ...(manyStreams.pluginCpuRatio === undefined ? [] : [[`  beside it: the plugin thread's CPU alone vs the SDK's time`, manyStreams.pluginCpuRatio, '<=', 0.7]]),
      [`soak: calls with the wrong outcome (of ${N.soak.toLocaleString('en')})`, soak.wrongCount, '<=', 0],
      [`soak: host RSS growth, call ${soak.rss[0].call.toLocaleString('en')} → ${soak.calls.toLocaleString('en')}, MiB (worker: the plugin's heap included)`, soak.growthMb, '<=', 10],
      [`  the diagnostic: the same soak, the host's young generation capped (--max-semi-space-size=${SOAK_CAPPED_SEMI_SPACE_MB}): host RSS growth, MiB`, soakCapped.growthMb, '<=', 10],
      [`  the diagnostic: its wrong outcomes`, soakCapped.wrongCount, '<=', 0],
      [`  beside it: the SDK in-process, the same calls: host RSS growth, MiB`, soakSdk.growthMb, '<=', 10],
      [`soak: host RSS at the end, worker (the plugin included) vs the SDK in-process`, soak.rss.at(-1).mb / soakSdk.rss.at(-1).mb, '<=', 1],
      [`soak, process tier: wrong outcomes`, soakProcess.wrongCount, '<=', 0],
      [`soak, process tier: host RSS growth, call ${soakProcess.rss[0].call.toLocaleString('en')} → ${soakProcess.calls.toLocaleString('en')}, MiB (the host's alone)`, soakProcess.growthMb, '<=', 10],
      ['worker streaming throughput vs Vercel', hot.worker.throughput / hot.vercel.throughput, '>=', 2.5],
      ['process streaming throughput vs SDK', hot.process.throughput / sdk.throughput, '>=', 0.8],
      ['import(anyllm), ms', median(importRuns), '<=', 15],
      ['import(anyllm) loads no SDK', packages.filter((p) => /^(openai|@anthropic-ai\/sdk|@google\/genai|ai|@ai-sdk\/.*)$/.test(p)).length, '<=', 0],
      ['worker 200 concurrent streams, time vs SDK', pairRatio('concurrent200Ms'), '<=', 1.0],
    ].map(([what, value, op, bar]) => ({ what, value, op, bar, met: op === '>=' ? value >= bar : value <= bar }));

    const rows = Object.entries(CONTENDERS).map(([name, label]) => {
      const h = hot[name];
      return [
        label,
        kfmt(h.throughput),
        fmt(h.cpuPerChunkUs, 2),
        fmt(h.latencyMedianMs, 2),
        fmt(h.latencyP99Ms, 2),
        fmt(h.ttftMs, 2),
        fmt(h.concurrent200Ms, 0),
        name in cold && name !== 'sdk' ? fmt(cold[name].coldMs, 0) : name === 'sdk' ? `${fmt(cold.sdk.coldMs, 0)} (+ ${fmt(cold.sdk.importMs, 0)} import)` : '–',
      ];
    });
    const header = ['contender', 'chunks/s (1,000-chunk streams)', 'main-thread CPU µs/chunk', 'latency median ms', 'latency p99 ms', 'first chunk ms', '200 concurrent streams ms', 'cold start ms (create → first result)'];
    const markdown = [
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
    console.log(markdown);
    console.log(`\nSDK import: ${fmt(sdkImport)} ms; anyllm import: median ${fmt(median(importRuns))} ms (packages loaded: ${packages.join(', ') || 'none'})`);
    console.log(
      `Idle memory per plugin: worker +${fmt(memory.worker.hostMbPerPlugin)} MiB host RSS; process +${fmt(memory.process.hostMbPerPlugin)} MiB host RSS, ` +
        `child ${fmt(memory.process.childPrivateMb)} MiB private (${fmt(memory.process.childRssMb)} MiB RSS); SDK in-process +${fmt(memory.sdk.hostMbPerPlugin)} MiB`,
    );
    console.log(
      `Floor without anyllm: a bare worker starts in ${fmt(floor.emptyWorkerMs)} ms; importing the SDK in a bare worker takes ${fmt(floor.sdkWorkerMs)} ms ` +
        `(SDK import on the main thread: ${fmt(sdkImport)} ms); SDK call latency median ${fmt(floor.sdkLatencyWorkerMs, 2)} ms in a bare worker vs ${fmt(floor.sdkLatencyMainMs, 2)} ms on the main thread ` +
        `(${fmt(floor.sdkLatencyWorkerMs / floor.sdkLatencyMainMs, 2)}×).`,
    );
    console.log(
      `Sandbox cold start (example community plugin, create → first result, a fresh process each): Node's permission model alone ` +
        `${fmt(cold['sandbox-off'].coldMs, 0)} ms` +
        (cold['sandbox-require']
          ? `; under the OS boundary (${cold['sandbox-require'].boundary}) ${fmt(cold['sandbox-require'].coldMs, 0)} ms, ` +
            `of which the once-per-process boundary probe is ${fmt(probe?.probeMs, 0)} ms`
          : ''),
    );
    console.log('\n| target | this run | bar | met |\n|---|---|---|---|');
    for (const t of targets) console.log(`| ${t.what} | ${fmt(t.value, 2)} | ${t.op} ${t.bar} | ${t.met ? 'PASS' : '**MISS**'} |`);
    console.log(
      `\nLatency, alternating in one process (median of ${N.latencyPairs} processes × ${N.pairCalls} calls each): SDK in-process ${fmt(latencyPair.sdkMedianMs, 3)} ms, ` +
        `SDK in a bare worker ${fmt(latencyPair.bareWorkerMedianMs, 3)} ms (${fmt(latencyPair.floorRatio, 2)}×: the floor of any worker design), ` +
        `anyllm worker ${fmt(latencyPair.anyllmMedianMs, 3)} ms (${fmt(latencyPair.ratio, 2)}×; ${fmt(latencyPair.overFloor, 2)}× the floor); ` +
        `anyllm/SDK per process: ${latencyPairs.map((r) => fmt(r.anyllmMedianMs / r.sdkMedianMs, 2)).join(', ')}.`,
    );
    console.log(
      `Cold start: anyllm worker ${fmt(cold.worker.coldMs, 0)} ms (create → first result) against the SDK's ${fmt(sdkImport, 0)} ms import + ${fmt(cold.sdk.coldMs, 0)} ms first call; ` +
        `a bare worker importing the SDK and making its first call: ${fmt(cold['bare-worker'].coldMs, 0)} ms.`,
    );
    for (const tier of ['worker', 'process']) {
      const c = clients[tier];
      console.log(
        `${CLIENTS} clients (${tier}): ${c.pluginStarts} plugin start(s), ${c.clientsOnARunningPlugin} clients on a running plugin, threads +${c.threadsAddedByFirst} for the first and +${c.threadsAddedByRest} for the other ${CLIENTS - 1}; ` +
          `host RSS +${fmt(c.firstClientMb)} MiB for the first, +${fmt(c.perFurtherClientMb, 3)} MiB per further client.`,
      );
    }
    console.log(
      `A first client without anyllm (host RSS, import included): the SDK in-process +${fmt(firstClientFloor.sdk)} MiB; the SDK in a bare worker +${fmt(firstClientFloor.bareWorker)} MiB.`,
    );
    console.log(
      `${MANY_STREAMS.count} concurrent ${MANY_STREAMS.chunks}-chunk streams (median of ${N.streamRounds}): SDK ${fmt(manyStreams.sdk.ms, 0)} ms (steady ${fmt(manyStreams.sdk.steadyMs, 0)} ms), host RSS peak +${fmt(manyStreams.sdk.rssPeakGrowthMb)} MiB, main-thread heap peak +${fmt(manyStreams.sdk.mainHeapPeakGrowthMb)} MiB; ` +
        `worker ${fmt(manyStreams.worker.ms, 0)} ms (steady ${fmt(manyStreams.worker.steadyMs, 0)} ms), host RSS peak +${fmt(manyStreams.worker.rssPeakGrowthMb)} MiB (the plugin thread's heap included; settled after: +${fmt(manyStreams.worker.rssAfterGrowthMb)} MiB), ` +
        `main-thread heap peak +${fmt(manyStreams.worker.mainHeapPeakGrowthMb)} MiB.`,
    );
    const cpuOf = (run) => (run.cpu ? `main ${fmt(run.cpu.mainMs, 0)}, plugin ${fmt(run.cpu.pluginMs, 0)}, other threads ${fmt(run.cpu.otherMs, 0)} ms` : 'not measured here');
    console.log(
      `  CPU per thread, pair by pair (two cores): ${streamRuns.sdk.map((run, i) => `SDK ${fmt(run.ms, 0)} ms wall (${cpuOf(run)}) / worker ${fmt(streamRuns.worker[i].ms, 0)} ms wall (${cpuOf(streamRuns.worker[i])})`).join('; ')}.`,
    );
    console.log(
      `Soak: ${soak.calls.toLocaleString('en')} calls, ${soak.concurrency} at a time, in ${fmt(soak.ms / 1000, 0)} s; plugin starts ${soak.plugin.starts}, host retries ${soak.plugin.retries}; ` +
        `host RSS ${soak.rss.map((r) => `${fmt(r.mb)} MiB at ${r.call.toLocaleString('en')}`).join(', ')} (main-thread heap ${soak.rss.map((r) => fmt(r.mainHeapMb)).join(', ')} MiB; its young generation, committed: ${soak.rss.map((r) => fmt(r.mainYoungMb)).join(', ')} MiB); outcomes ${JSON.stringify(soak.outcomes)}` +
        (soak.wrongCount > 0 ? `; WRONG: ${JSON.stringify(soak.wrong)}` : ''),
    );
    console.log(
      `Soak, process tier: ${fmt(soakProcess.ms / 1000, 0)} s; host RSS ${soakProcess.rss.map((r) => `${fmt(r.mb)} MiB at ${r.call.toLocaleString('en')}`).join(', ')} (main-thread heap ${soakProcess.rss.map((r) => fmt(r.mainHeapMb)).join(', ')} MiB; its young generation, committed: ${soakProcess.rss.map((r) => fmt(r.mainYoungMb)).join(', ')} MiB)` +
        (soakProcess.wrongCount > 0 ? `; WRONG: ${JSON.stringify(soakProcess.wrong)}` : ''),
    );
    console.log(
      `Soak floor, the SDK in-process: ${fmt(soakSdk.ms / 1000, 0)} s; host RSS ${soakSdk.rss.map((r) => `${fmt(r.mb)} MiB at ${r.call.toLocaleString('en')}`).join(', ')} (main-thread heap ${soakSdk.rss.map((r) => fmt(r.mainHeapMb)).join(', ')} MiB; its young generation, committed: ${soakSdk.rss.map((r) => fmt(r.mainYoungMb)).join(', ')} MiB)`,
    );
    console.log(
      `Soak, the host's young generation capped (--max-semi-space-size=${SOAK_CAPPED_SEMI_SPACE_MB}): ${fmt(soakCapped.ms / 1000, 0)} s; host RSS ${soakCapped.rss.map((r) => `${fmt(r.mb)} MiB at ${r.call.toLocaleString('en')}`).join(', ')} (young generation ${soakCapped.rss.map((r) => fmt(r.mainYoungMb)).join(', ')} MiB); wrong outcomes ${soakCapped.wrongCount}`,
    );
    console.log(`Bench time: ${fmt((Date.now() - started.getTime()) / 1000, 0)} s.`);

    const results = { started: started.toISOString(), env, iterations: N, hot, cold, probe, floor, importMs: { median: median(importRuns), runs: importRuns, packages }, memory, hotRuns, latencyPair, manyStreams, clients, firstClientFloor, soak, soakProcess, soakSdk, soakCapped, targets };
    mkdirSync(join(here, 'results'), { recursive: true });
    const file = join(here, 'results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  } finally {
    server.stop();
  }
}

// ---------------------------------------------------------------- entry

const [role, a, b, pluginDir] = process.argv.slice(2).filter((arg) => arg !== '--quick');
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
switch (role) {
  case 'contender':
    out(await runContender(a, b));
    break;
  case 'cold':
    out(await runCold(a, b));
    break;
  case 'probe':
    out(await runProbe());
    break;
  case 'import':
    out(await runImport(process.argv.includes('--list') || a === '--list'));
    break;
  case 'memory':
    out(await runMemory(a, b));
    break;
  case 'floor':
    out(await runFloor(a));
    break;
  case 'latency-pair':
    out(await runLatencyPair({ distIndex, base: `http://127.0.0.1:${a}/v1`, apiKey: API_KEY, calls: N.pairCalls }));
    break;
  case 'streams':
    out(await runStreams({ distIndex, base: `http://127.0.0.1:${b}/v1`, apiKey: API_KEY, kind: a, ...MANY_STREAMS }));
    break;
  case 'streams-open':
    out(await runStreams({ distIndex, base: `http://127.0.0.1:${b}/v1`, apiKey: API_KEY, kind: a, ...MANY_STREAMS, steadyBursts: 0, openConnections: true }));
    break;
  case 'first-client-floor':
    out(await runFirstClientFloor({ base: `http://127.0.0.1:${b}/v1`, apiKey: API_KEY, kind: a }));
    break;
  case 'clients':
    out(await runClients({ distIndex, base: `http://127.0.0.1:${b}/v1`, count: CLIENTS, isolation: a }));
    break;
  case 'soak': {
    // The bar is the growth from call 10,000 to the end; the samples between show its shape.
    const sampleAt = N.soak >= 50_000 ? [10_000, 20_000, 30_000, 40_000] : [Math.floor(N.soak / 5)];
    out(await runSoak({ distIndex, base: `http://127.0.0.1:${a}/v1`, apiKey: API_KEY, calls: N.soak, concurrency: 16, sampleAt, isolation: b }));
    break;
  }
  default:
    await orchestrate();
}
