// Thousands of calls with random faults, several at a time, across two plugins: every call either
// succeeds or fails with the error class its fault calls for. Seeded, so a failure can be replayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  PluginCrashedError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, sendOpenAIError, streamChunks, syntheticStream } from './support/openai-wire.js';
import { drain, faulty, messages } from './support/faulty-plugin.js';
import { prng as random } from './support/prng.js';

const CALLS = 3_000;
const LANES = 8;
const SEED = Number(process.env.SOAK_SEED ?? 20261125);


type Expected = 'ok' | 'AbortError' | (abstract new (...args: never[]) => Error);
interface Scenario {
  name: string;
  weight: number;
  run(): Promise<unknown>;
  expected: Expected;
  /** On the faulty plugin: a crash of a neighbouring call may fail it with PluginCrashedError too. */
  sharesCrashes: boolean;
}

let server: LocalServer;
let openai: AnyLLM;
let fragile: AnyLLM;
let crashes = 0;

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (req, res) => {
    switch ((req.body as { user?: string }).user) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionBody('ok')));
        return;
      case 'stream':
        return streamChunks(res, syntheticStream(20));
      case '429':
        return sendOpenAIError(res, 429, 'slow down', { type: 'rate_limit_exceeded', headers: { 'retry-after-ms': '10' } });
      case '500':
        return sendOpenAIError(res, 500, 'boom', { type: 'server_error' });
      case '401':
        return sendOpenAIError(res, 401, 'bad key', { type: 'invalid_request_error', code: 'invalid_api_key' });
      default:
        return; // 'hang': never answers
    }
  });
  openai = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
  fragile = await faulty({ supervision: { maxCrashes: Infinity } });
  fragile.on('plugin:exit', (event) => {
    if (event.cause === 'crashed') crashes++;
  });
});
afterAll(async () => {
  await Promise.all([openai?.close(), fragile?.close()]);
  await server?.close();
});

function scenarios(rand: () => number): Scenario[] {
  const chat = (user: string) => ({ model: 'gpt-4o-mini', messages, user });
  const stream = async (iterable: AsyncIterable<unknown>, expectChunks: number) => {
    const { chunks, error } = await drain(iterable as never);
    if (error) throw error;
    if (chunks.length !== expectChunks) throw new Error(`expected ${expectChunks} chunks, got ${chunks.length}`);
  };
  const abortSoon = () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), Math.floor(rand() * 20));
    return controller.signal;
  };
  return [
    { name: 'openai ok', weight: 20, sharesCrashes: false, expected: 'ok', run: () => openai.completion(chat('ok')) },
    { name: 'openai stream', weight: 20, sharesCrashes: false, expected: 'ok', run: () => stream(openai.completionStream(chat('stream')), 22) },
    {
      name: 'openai stream, break early',
      weight: 5,
      sharesCrashes: false,
      expected: 'ok',
      run: async () => {
        let seen = 0;
        for await (const _chunk of openai.completionStream(chat('stream'))) if (++seen === 3) break;
      },
    },
    { name: 'openai 429', weight: 5, sharesCrashes: false, expected: RateLimitError, run: () => openai.completion(chat('429')) },
    { name: 'openai 500', weight: 5, sharesCrashes: false, expected: ProviderError, run: () => openai.completion(chat('500')) },
    { name: 'openai 401', weight: 3, sharesCrashes: false, expected: AuthenticationError, run: () => openai.completion(chat('401')) },
    {
      name: 'openai hang, timeout',
      weight: 3,
      sharesCrashes: false,
      expected: TimeoutError,
      run: () => openai.completion(chat('hang'), { timeoutMs: 50 + Math.floor(rand() * 100) }),
    },
    {
      name: 'openai hang, abort',
      weight: 3,
      sharesCrashes: false,
      expected: 'AbortError',
      run: () => openai.completion(chat('hang'), { signal: abortSoon() }),
    },
    {
      name: 'openai stream hang, idle timeout',
      weight: 2,
      sharesCrashes: false,
      expected: TimeoutError,
      run: () => stream(openai.completionStream(chat('hang'), { idleTimeoutMs: 100 }), 0),
    },
    { name: 'faulty ok', weight: 15, sharesCrashes: true, expected: 'ok', run: () => fragile.completion({ model: 'ok', messages }) },
    {
      name: 'faulty stream',
      weight: 15,
      sharesCrashes: true,
      expected: 'ok',
      run: () => stream(fragile.completionStream({ model: 'stream:30', messages }), 31),
    },
    {
      name: 'faulty 429',
      weight: 3,
      sharesCrashes: true,
      expected: RateLimitError,
      run: () => fragile.completion({ model: 'status:429', messages }),
    },
    {
      name: 'faulty crash',
      weight: 1,
      sharesCrashes: true,
      expected: PluginCrashedError,
      run: () => fragile.completion({ model: rand() < 0.5 ? 'crash:exit' : 'crash:throw', messages }),
    },
    {
      name: 'faulty crash mid-stream',
      weight: 1,
      sharesCrashes: true,
      expected: PluginCrashedError,
      run: () => stream(fragile.completionStream({ model: 'then:3:exit', messages }), 3),
    },
  ];
}

function matches(expected: Expected, error: unknown): boolean {
  if (expected === 'ok') return error === undefined;
  if (expected === 'AbortError') return (error as Error | undefined)?.name === 'AbortError';
  return error instanceof expected;
}

describe('soak', () => {
  it(`${CALLS} calls with random faults, ${LANES} at a time: each succeeds or fails with the right class`, async () => {
    const rand = random(SEED);
    const all = scenarios(rand);
    const total = all.reduce((sum, s) => sum + s.weight, 0);
    const pick = () => {
      let r = rand() * total;
      for (const scenario of all) if ((r -= scenario.weight) < 0) return scenario;
      return all[0];
    };
    const mismatches: string[] = [];
    let next = 0;
    const lane = async () => {
      while (next < CALLS) {
        const index = next++;
        const scenario = pick();
        const crashesBefore = crashes;
        let error: unknown;
        try {
          await scenario.run();
        } catch (caught) {
          error = caught;
        }
        const neighbourCrashed = scenario.sharesCrashes && crashes !== crashesBefore;
        const ok = matches(scenario.expected, error) || (neighbourCrashed && error instanceof PluginCrashedError);
        const label = error === undefined ? 'ok' : (error as Error).name;
        if (!ok) mismatches.push(`#${index} ${scenario.name}: got ${label}: ${(error as Error | undefined)?.message ?? ''}`);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));

    expect(mismatches, `seed ${SEED}`).toEqual([]);
    // The faults really happened, and both clients are idle and consistent afterwards.
    expect(crashes).toBeGreaterThan(0);
    for (const llm of [openai, fragile]) {
      const { inFlight, calls } = llm.stats();
      expect(inFlight).toBe(0);
      expect(calls.ok + calls.error + calls.aborted + calls.timeout).toBe(calls.started);
    }
    expect(openai.stats().crashes).toBe(0);
    expect(fragile.stats().crashes).toBe(crashes);
  }, 60_000);
});
