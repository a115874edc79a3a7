// The bench roles of issue 10, each run by bench/run.mjs in a fresh process of its own:
//
//   latency-pair   the openai SDK in-process and an anyllm worker client in ONE process, calls
//                  alternated (A B, B A, ...) so both see the same machine at the same moment
//   streams        1,000 concurrent streams, one contender (sdk | worker), with host RSS sampled:
//                  the first burst after 50 warm-up streams, then the same burst twice more
//   clients        100 clients with 100 keys: plugins started, threads and host RSS per client
//   soak           many calls with random faults from the bench server: every outcome checked
//                  against the class the fault must give, host RSS at call 10,000 and at the end
import { readdirSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const messages = [{ role: 'user', content: 'Say hello.' }];
const MiB = 2 ** 20;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** RSS in MiB after the garbage collector has run and the event loop has turned a few times. */
async function settledRss() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().rss / MiB;
}

/** OS threads of this process (a worker thread is one more). */
const threadCount = () => (process.platform === 'linux' ? readdirSync('/proc/self/task').length : undefined);

/**
 * CPU time (ms) this process's threads have used, by kind: the main thread, anyllm's plugin
 * threads (named `anyllm:<provider>`), and the rest (V8's GC and compiler helpers, libuv's pool).
 * Linux only (`/proc/self/task`); undefined elsewhere.
 */
export function threadCpu() {
  if (process.platform !== 'linux') return undefined;
  const cpu = { mainMs: 0, pluginMs: 0, otherMs: 0 };
  for (const task of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime, in clock ticks (100 a second on Linux).
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    if (Number(task) === process.pid) cpu.mainMs += ms;
    else if (name.startsWith('anyllm:')) cpu.pluginMs += ms;
    else cpu.otherMs += ms;
  }
  return cpu;
}

/**
 * The floor of any worker-thread design: the SDK in a bare worker, one `postMessage` each way per
 * call (the request's params in, the completion out), no protocol, no supervision.
 */
async function bareWorkerSdk(base, apiKey) {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
    import('openai').then(({ default: OpenAI }) => {
      const client = new OpenAI({ apiKey: ${JSON.stringify(apiKey)}, baseURL: ${JSON.stringify(base)}, maxRetries: 0 });
      parentPort.on('message', async ({ id, params }) => parentPort.postMessage({ id, result: await client.chat.completions.create(params) }));
      parentPort.postMessage({ ready: true });
    });`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  const pending = new Map();
  let nextId = 0;
  worker.on('message', ({ id, result }) => {
    pending.get(id)(result);
    pending.delete(id);
  });
  return {
    call: (params) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ id, params });
    }),
    close: () => worker.terminate(),
  };
}

/**
 * Non-streaming latency, three contenders in ONE process, their calls alternated (rotating which
 * goes first): the SDK in-process, the SDK in a bare worker (the floor), anyllm's worker plugin.
 */
export async function runLatencyPair({ distIndex, base, apiKey, calls }) {
  const { default: OpenAI } = await import('openai');
  const { AnyLLM } = await import(distIndex);
  const sdk = new OpenAI({ apiKey, baseURL: base, maxRetries: 0 });
  const bare = await bareWorkerSdk(base, apiKey);
  const llm = await AnyLLM.create('openai', { apiKey, apiBase: base, isolation: 'worker', retry: false });
  const contenders = [
    () => sdk.chat.completions.create({ model: 'bench', messages }),
    () => bare.call({ model: 'bench', messages }),
    () => llm.completion({ model: 'bench', messages }),
  ];
  for (let i = 0; i < 300; i++) for (const call of contenders) await call();
  const times = contenders.map(() => []);
  for (let i = 0; i < calls; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const which = (i + k) % contenders.length;
      const t0 = performance.now();
      await contenders[which]();
      times[which].push(performance.now() - t0);
    }
  }
  await llm.close();
  await bare.close();
  return {
    sdkMedianMs: median(times[0]),
    bareWorkerMedianMs: median(times[1]),
    anyllmMedianMs: median(times[2]),
    sdkP99Ms: percentile(times[0], 99),
    anyllmP99Ms: percentile(times[2], 99),
  };
}

/** `count` concurrent streams of `chunks` chunks: wall time and host RSS (peak over the settled start). */
export async function runStreams({ distIndex, base, apiKey, kind, count, chunks, steadyBursts = 2, openConnections = false }) {
  const model = `bench-${chunks}`;
  let stream;
  let complete;
  let close = async () => {};
  if (kind === 'sdk') {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey, baseURL: base, maxRetries: 0 });
    complete = () => client.chat.completions.create({ model: 'bench', messages });
    stream = async () => {
      const s = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
      let n = 0;
      for await (const _chunk of s) n++;
      return n;
    };
  } else {
    const { AnyLLM } = await import(distIndex);
    const llm = await AnyLLM.create('openai', { apiKey, apiBase: base, isolation: 'worker', retry: false });
    complete = () => llm.completion({ model: 'bench', messages });
    stream = async () => {
      let n = 0;
      for await (const _chunk of llm.completionStream({ model, messages })) n++;
      return n;
    };
    close = () => llm.close();
  }
  // Warm: the connections' pool, the JIT, the plugin.
  await Promise.all(Array.from({ length: 50 }, stream));
  // The diagnostic variant: `count` connections opened beforehand by as many concurrent plain calls,
  // so the burst reuses them instead of opening them (what the first burst pays over a steady one).
  if (openConnections) await Promise.all(Array.from({ length: count }, complete));
  const before = await settledRss();
  const heapBefore = process.memoryUsage().heapUsed / MiB;
  let peak = before;
  let heapPeak = heapBefore;
  // RSS counts a worker plugin's heap too; heapUsed is the main thread's own (this isolate's) heap.
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peak = Math.max(peak, rss / MiB);
    heapPeak = Math.max(heapPeak, heapUsed / MiB);
  };
  const sampler = setInterval(sample, 20);
  const cpu0 = threadCpu();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: count }, stream));
  const ms = performance.now() - t0;
  const cpu1 = threadCpu();
  const cpu = cpu0 && cpu1 && Object.fromEntries(Object.keys(cpu1).map((key) => [key, cpu1[key] - cpu0[key]]));
  clearInterval(sampler);
  sample();
  const after = await settledRss();
  // The same burst again, as a long-running app sees it: JIT and heap sized by the first.
  const steadyMs = [];
  for (let i = 0; i < steadyBursts; i++) {
    const t = performance.now();
    const again = await Promise.all(Array.from({ length: count }, stream));
    steadyMs.push(performance.now() - t);
    counts.push(...again);
  }
  await close();
  const short = counts.filter((n) => n < chunks).length;
  if (short > 0) throw new Error(`${kind}: ${short} of ${counts.length} concurrent streams came up short`);
  return { ms, steadyMs: steadyMs.length > 0 ? median(steadyMs) : undefined, steadyRuns: steadyMs, rssBeforeMb: before, rssPeakGrowthMb: peak - before, rssAfterGrowthMb: after - before, mainHeapPeakGrowthMb: heapPeak - heapBefore, cpu };
}

/**
 * `count` clients of `openai`, each with its own key, each making one call: how many plugins
 * started, how many threads they added, and host RSS for the first client and per further one.
 */
export async function runClients({ distIndex, base, count, isolation }) {
  const { AnyLLM } = await import(distIndex);
  const before = await settledRss();
  const threads0 = threadCount();
  const clients = [];
  let starts = 0;
  let afterFirst;
  let threads1;
  for (let i = 0; i < count; i++) {
    const llm = await AnyLLM.create('openai', { apiKey: `sk-bench-user-${i}`, apiBase: base, isolation, retry: false });
    await llm.completion({ model: 'bench', messages });
    clients.push(llm);
    starts += llm.stats().starts;
    if (i === 0) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      afterFirst = await settledRss();
      threads1 = threadCount();
    }
  }
  // Every client's key went out with its own calls: one more call each, all at once.
  await Promise.all(clients.map((llm) => llm.completion({ model: 'bench', messages })));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await settledRss();
  const threadsN = threadCount();
  const running = clients.filter((llm) => llm.stats().running).length;
  await Promise.all(clients.map((llm) => llm.close()));
  return {
    clients: count,
    pluginStarts: starts,
    clientsOnARunningPlugin: running,
    threadsAddedByFirst: threads1 === undefined ? undefined : threads1 - threads0,
    threadsAddedByRest: threadsN === undefined ? undefined : threadsN - threads1,
    firstClientMb: afterFirst - before,
    perFurtherClientMb: (after - afterFirst) / (count - 1),
  };
}

/** A small seeded generator (mulberry32), so every soak run draws the same faults. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What each soak call asks for and the outcome it must have: `ok`, or the error class's name. The
 * host retries (twice, 1-5 ms apart): a flaky 503 succeeds on the retry; a fault that persists fails
 * with its class once the attempts are spent.
 */
const SOAK_MIX = [
  // [share, what, expected]
  [0.7, { model: 'bench' }, 'ok'],
  [0.06, { model: 'bench-20', stream: true }, 'ok'],
  [0.06, { model: 'flaky' }, 'ok'],
  [0.05, { model: 'fault-429' }, 'RateLimitError'],
  [0.05, { model: 'fault-500' }, 'ProviderError'],
  [0.05, { model: 'fault-drop' }, 'ConnectionError'],
  [0.03, { model: 'fault-drop-stream-200', stream: true }, 'ConnectionError'],
];

/** One soak call through anyllm: one client, the host retrying (twice, 1-5 ms apart). */
async function anyllmSoakCaller({ distIndex, base, apiKey, isolation }) {
  const { AnyLLM } = await import(distIndex);
  const llm = await AnyLLM.create('openai', {
    apiKey,
    apiBase: base,
    isolation,
    retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5, jitter: 0 },
  });
  const one = async ({ what }) => {
    try {
      if (!what.stream) {
        await llm.completion({ model: what.model, messages });
        return 'ok';
      }
      for await (const _chunk of llm.completionStream({ model: what.model, messages }));
      return 'ok';
    } catch (error) {
      return error?.name ?? typeof error;
    }
  };
  const stats = () => {
    const { starts, crashes, calls } = llm.stats();
    return { starts, crashes, retries: calls.retries };
  };
  return { one, stats, close: () => llm.close() };
}

/**
 * The soak's floor: the same calls through the openai SDK in-process, so the host's RSS growth reads
 * against what an app doing the same work without anyllm sees. No retries (the SDK's back off for
 * seconds); its outcomes are its own classes, so only its memory is read.
 */
async function sdkSoakCaller({ base, apiKey }) {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey, baseURL: base, maxRetries: 0 });
  const one = async ({ what }) => {
    try {
      if (!what.stream) {
        await client.chat.completions.create({ model: what.model, messages });
        return 'ok';
      }
      const stream = await client.chat.completions.create({ model: what.model, messages, stream: true, stream_options: { include_usage: true } });
      for await (const _chunk of stream);
      return 'ok';
    } catch (error) {
      return error?.constructor?.name ?? typeof error;
    }
  };
  return { one, stats: () => undefined, close: async () => {} };
}

/**
 * `calls` calls, `concurrency` at a time, against one plugin, outcomes checked per call. In the
 * worker tier host RSS includes the plugin's heap; in the process tier it is the host's alone.
 */
export async function runSoak({ distIndex, base, apiKey, calls, concurrency, sampleAt, isolation = 'worker' }) {
  const { one, stats, close } = isolation === 'sdk' ? await sdkSoakCaller({ base, apiKey }) : await anyllmSoakCaller({ distIndex, base, apiKey, isolation });
  const draw = random(10);
  const plan = (i) => {
    let x = draw();
    for (const [share, what, expected] of SOAK_MIX) {
      if ((x -= share) < 0) return { what: what.model === 'flaky' ? { model: `flaky-${i}` } : what, expected };
    }
    return { what: SOAK_MIX[0][1], expected: 'ok' };
  };
  const outcomes = {};
  const wrong = {};
  const rss = [];
  let next = 0;
  const lane = async (to) => {
    while (next < to) {
      const i = next++;
      const call = plan(i);
      const got = await one(call);
      const key = `${call.what.model.replace(/^flaky-\d+$/, 'flaky')}${call.what.stream ? ' (stream)' : ''}`;
      outcomes[key] ??= {};
      outcomes[key][got] = (outcomes[key][got] ?? 0) + 1;
      if (isolation !== 'sdk' && got !== call.expected) {
        const what = `${key}: ${got} (expected ${call.expected})`;
        wrong[what] = (wrong[what] ?? 0) + 1;
      }
    }
  };
  const t0 = performance.now();
  // In phases, so each RSS sample is taken with nothing in flight.
  for (const to of [...sampleAt.filter((n) => n < calls), calls]) {
    await Promise.all(Array.from({ length: concurrency }, () => lane(to)));
    // Beside RSS: the main thread's young generation as V8 sized it (committed, mostly empty after
    // gc()). V8 grows it towards its maximum under a high allocation rate, once; a leak shows in
    // the heap used, or as RSS growth beyond it.
    const mb = await settledRss();
    const youngMb = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size / MiB;
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    rss.push({ call: to, mb, mainHeapMb: heapUsed / MiB, mainYoungMb: youngMb, mainHeapCommittedMb: heapTotal / MiB, externalMb: external / MiB });
  }
  const ms = performance.now() - t0;
  const plugin = stats();
  await close();
  const at = (call) => rss.find((r) => r.call === call)?.mb;
  return {
    calls,
    concurrency,
    ms,
    outcomes,
    wrong,
    wrongCount: Object.values(wrong).reduce((a, b) => a + b, 0),
    rss,
    growthMb: at(calls) - at(sampleAt[0]),
    mainHeapGrowthMb: rss.at(-1).mainHeapMb - rss.find((r) => r.call === sampleAt[0]).mainHeapMb,
    plugin,
  };
}

/**
 * What a first client costs without anyllm, in host RSS (MiB, import included): the SDK in-process
 * (`sdk`), or the SDK in a bare worker thread (`bare-worker`, the floor of any worker design).
 */
/** Cold start of the floor: a bare worker importing the SDK, then its first call (ms). */
export async function runBareWorkerCold({ base, apiKey }) {
  const t0 = performance.now();
  const bare = await bareWorkerSdk(base, apiKey);
  await bare.call({ model: 'bench', messages });
  const ms = performance.now() - t0;
  await bare.close();
  return { coldMs: ms };
}

export async function runFirstClientFloor({ base, apiKey, kind }) {
  const before = await settledRss();
  let close = async () => {};
  if (kind === 'sdk') {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey, baseURL: base, maxRetries: 0 });
    await client.chat.completions.create({ model: 'bench', messages });
  } else {
    const bare = await bareWorkerSdk(base, apiKey);
    await bare.call({ model: 'bench', messages });
    close = bare.close;
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await settledRss();
  await close();
  return { firstClientMb: after - before };
}
