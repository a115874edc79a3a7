// openai-node's chat types and anyllm's, both ways: small fixture projects (test/fixtures/types/)
// that import anyllm's built types and openai's are compiled with TypeScript 7 (the repo's tsc)
// and 5.9, under `nodenext` and `bundler` resolution; and the realistic openai-node program among
// them runs against a local server speaking OpenAI's wire format.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, UnsupportedParameterError, type CompletionParams } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { onChat, streamChunks } from './support/openai-wire.js';
import { runAgent } from './fixtures/types/program.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/types/', import.meta.url));

const COMPILERS = [
  ['TypeScript 7', 'typescript', /^Version 7\./],
  ['TypeScript 5.9', 'typescript-5', /^Version 5\.9\./],
] as const;
const RESOLUTIONS = ['nodenext', 'bundler'] as const;

/** Runs one tsc; resolves with its exit code and output (tsc reports type errors on stdout). */
async function tsc(pkg: string, args: string[]): Promise<{ code: number; output: string }> {
  const bin = `${root}node_modules/${pkg}/bin/tsc`;
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.each(COMPILERS)('%s', (_name, pkg, version) => {
  it('is the compiler it claims to be', async () => {
    const { output } = await tsc(pkg, ['-v']);
    expect(output.trim()).toMatch(version);
  });

  it.each(RESOLUTIONS)('compiles every assignment both ways, and the openai-node program, under %s', async (resolution) => {
    const result = await tsc(pkg, ['-p', `${fixtures}tsconfig.${resolution}.json`]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('the openai-node program', () => {
  it('is the same program with only its type imports pointed at anyllm', () => {
    const original = readFileSync(`${fixtures}program.ts`, 'utf8');
    const ported = readFileSync(`${fixtures}program-anyllm.ts`, 'utf8');
    const pointed = original
      .replace("from 'openai/resources/chat/completions';", "from 'anyllm';")
      .replace("from 'openai/resources/completions';", "from 'anyllm';");
    expect(pointed).not.toBe(original);
    expect(ported).toBe(pointed);
  });
});

/** What a local OpenAI answers: a tool call, then the answer, a JSON report, and a stream with usage. */
function serveOpenAI(server: LocalServer): void {
  const base = { id: 'chatcmpl-1', object: 'chat.completion', created: 1_700_000_000, model: 'gpt-4o-mini', system_fingerprint: 'fp_1', service_tier: 'default' };
  const usage = { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
  const reply = (message: Record<string, unknown>, finish: string) => ({
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, annotations: [], ...message }, logprobs: null, finish_reason: finish }],
    usage,
  });
  onChat(server, (req, res) => {
    const body = req.body as { messages: { role: string }[]; stream?: boolean; response_format?: unknown };
    if (body.stream) {
      const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], obfuscation: 'x' });
      return streamChunks(res, [
        chunk({ role: 'assistant', content: '', refusal: null }, null),
        chunk({ content: 'Paris: ' }, null),
        chunk({ content: '21°C.' }, null),
        chunk({}, 'stop'),
        { ...base, object: 'chat.completion.chunk', choices: [], usage },
      ]);
    }
    if (body.response_format) return sendJson(res, 200, reply({ content: '{"city":"Paris","temperature_c":21}' }, 'stop'));
    if (body.messages.at(-1)?.role === 'tool') return sendJson(res, 200, reply({ content: 'It is 21°C in Paris.' }, 'stop'));
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    return sendJson(res, 200, reply({ content: null, tool_calls: [call] }, 'tool_calls'));
  });
}

describe('the openai-node program runs against a local OpenAI server', () => {
  let server: LocalServer;
  let llm: AnyLLM;
  beforeAll(async () => {
    server = await LocalServer.start();
    serveOpenAI(server);
    llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
  });
  afterAll(async () => {
    await llm.close();
    await server.close();
  });

  it('runs the tool loop with the reply pushed back, the json_schema report and the stream with usage', async () => {
    const result = await runAgent(llm, 'gpt-4o-mini');
    expect(result).toMatchObject({
      turns: 2,
      answer: 'It is 21°C in Paris.',
      report: { city: 'Paris', temperature_c: 21 },
      streamed: 'Paris: 21°C.',
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    });
    const bodies = server.requests.map((r) => r.body as Record<string, unknown> & { messages: Record<string, unknown>[] });
    expect(bodies).toHaveLength(4);
    // The reply of turn one went back as openai-node pushes it, refusal: null and all.
    expect(bodies[1].messages[2]).toMatchObject({ role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function' }] });
    expect(bodies[1].messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"city":"Paris","temperature_c":21}' });
    expect(bodies[2].response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather_report', strict: true } });
    expect(bodies[3]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('sends OpenAI-only shapes to OpenAI unchanged: custom tools, allowed_tools, refusal parts, detail original', async () => {
    server.requests.length = 0;
    const params: CompletionParams = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'original' } }] },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
        { role: 'user', content: 'Then run SQL.' },
      ],
      tools: [
        { type: 'custom', custom: { name: 'sql', format: { type: 'grammar', grammar: { definition: 'start: "SELECT"', syntax: 'lark' } } } },
        { type: 'function', function: { name: 'get_weather' } },
      ],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'sql' } }] } },
    };
    await llm.completion(params);
    const body = server.requests[0].body as CompletionParams;
    expect(body.messages).toEqual(params.messages);
    expect(body.tools).toEqual(params.tools);
    expect(body.tool_choice).toEqual(params.tool_choice);
  });
});

describe('a provider that cannot send an OpenAI-only shape refuses it, naming the field', () => {
  let server: LocalServer;
  let groq: AnyLLM;
  beforeAll(async () => {
    server = await LocalServer.start();
    serveOpenAI(server);
    groq = await AnyLLM.create('groq', { apiKey: 'gsk-test', apiBase: `${server.origin}/v1`, retry: false });
  });
  afterAll(async () => {
    await groq.close();
    await server.close();
  });

  const user = { role: 'user' as const, content: 'Hi' };
  const fn = { type: 'function' as const, function: { name: 'f' } };
  it.each<[string, Partial<CompletionParams>]>([
    ['tools[0]', { tools: [{ type: 'custom', custom: { name: 'sql' } }] }],
    ['tool_choice', { tools: [fn], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [fn] } } }],
    ['messages[0].content[0].image_url.detail', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'original' } }] }] }],
    ['messages[1].content[0]', { messages: [user, { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] }, user] }],
    ['messages[0].content[0].prompt_cache_breakpoint', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x', prompt_cache_breakpoint: { mode: 'explicit' } }] }] }],
    ['messages[1].role', { messages: [user, { role: 'function', name: 'f', content: '1' }] }],
    ['messages[1].tool_calls[0]', { messages: [user, { role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'sql', input: 'SELECT 1' } }] }] }],
  ])('%s', async (parameter, extra) => {
    server.requests.length = 0;
    const error = await groq.completion({ model: 'llama-3.3-70b', messages: [user], ...extra }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect(error).toMatchObject({ parameter, provider: 'groq' });
    expect(server.requests).toHaveLength(0);
  });
});
