/**
 * The conformance suite: one test body for every provider, through the public API only, against a
 * local server speaking that provider's real wire format (see `dialect.ts`). A capability the
 * provider's documentation promises (`expectations.ts`, written from the docs, not the manifest) must
 * work; one it documents as absent must fail with `UnsupportedParameterError` before anything is sent.
 *
 * One `AnyLLM` per provider is reused for all its tests; each test switches the server's scenario.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AuthenticationError,
  InvalidRequestError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  UnsupportedParameterError,
  type AssistantMessage,
  type ChatCompletionChunk,
  type ChatMessage,
  type CompletionParams,
  type CompletionUsage,
  type FunctionTool,
  type Isolation,
  type ToolCall,
} from 'anyllm';
import { accumulateStream } from '../support/accumulate.js';
import { functionCalls } from '../support/collect.js';
import { LocalServer } from '../support/local-server.js';
import type { Dialect, Scenario } from './dialect.js';
import { EXPECTED, mustWork, type Capability } from './expectations.js';

const TEXT: Extract<Scenario, { kind: 'text' }> = {
  kind: 'text',
  // Multi-byte characters of two, three and four bytes (and a surrogate pair): each dialect splits
  // its wire bytes its own way, and a character cut in two must come out whole.
  text: 'Hello from the conformance suite, héllo 日本語 😀, with some words to stream.',
  usage: { input: 12, output: 9 },
};
const CALLS: Extract<Scenario, { kind: 'tool_calls' }> = {
  kind: 'tool_calls',
  calls: [
    { id: 'call_weather01', name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
    { id: 'call_time02', name: 'get_time', args: { zone: 'Europe/Paris' } },
  ],
  usage: { input: 40, output: 18 },
};
const REASONING: Extract<Scenario, { kind: 'reasoning' }> = {
  kind: 'reasoning',
  reasoning: 'The user asks for 2+2. Adding two and two gives four.',
  signature: 'sig-conformance-0123456789',
  text: '2 + 2 = 4.',
  usage: { input: 9, output: 30, reasoning: 21 },
};

const tools: FunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'The time in a zone',
      parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
    },
  },
];

const ask = (text: string): ChatMessage => ({ role: 'user', content: text });
const IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PDF_BASE64 = 'JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9G';

function expectUsage(usage: CompletionUsage | null | undefined, scenario: { usage: { input: number; output: number } }): void {
  expect(usage?.prompt_tokens).toBe(scenario.usage.input);
  expect(usage?.completion_tokens).toBe(scenario.usage.output);
  expect(usage?.total_tokens).toBe(scenario.usage.input + scenario.usage.output);
}

function expectCalls(given: ToolCall[] | undefined): void {
  const calls = given && functionCalls(given);
  expect(calls?.map((c) => c.function.name)).toEqual(CALLS.calls.map((c) => c.name));
  expect(calls?.map((c) => JSON.parse(c.function.arguments))).toEqual(CALLS.calls.map((c) => c.args));
  for (const call of calls ?? []) {
    expect(call.type).toBe('function');
    expect(call.id).toMatch(/\S/);
  }
  expect(new Set(calls?.map((c) => c.id)).size).toBe(CALLS.calls.length);
}

/** The tool results a caller sends back for the calls of turn one. */
function toolResults(calls: ToolCall[]): ChatMessage[] {
  return functionCalls(calls).map((call) => ({
    role: 'tool',
    tool_call_id: call.id,
    content: call.function.name === 'get_weather' ? '{"temperature":"21C","sky":"clear"}' : '{"time":"14:05"}',
  }));
}

/**
 * Defines the whole suite for `dialects`, each provider run in `isolation`.
 *
 * @example
 * ```ts
 * defineConformanceSuite(dialects, 'worker');
 * ```
 */
export function defineConformanceSuite(dialects: readonly Dialect[], isolation: Isolation): void {
  for (const dialect of dialects) defineProviderSuite(dialect, isolation);
}

function defineProviderSuite(dialect: Dialect, isolation: Isolation): void {
  describe(`${dialect.provider} (${isolation})`, () => {
    let server: LocalServer;
    let llm: AnyLLM;
    const model = dialect.model;

    beforeAll(async () => {
      server = await LocalServer.start();
      llm = await AnyLLM.create(dialect.provider, {
        apiKey: 'conformance-key',
        apiBase: dialect.apiBase(server),
        isolation,
        ...(dialect.clientOptions ?? { retry: false }),
      });
    });
    afterAll(async () => {
      await llm?.close();
      await server?.close();
    });
    afterEach(() => {
      server.requests.length = 0;
    });

    /** Whether the docs (expectations.ts) say `capability` must work for this provider. */
    const must = (capability: Capability) => mustWork(dialect.provider, capability, llm.capabilities);
    type Params = Partial<CompletionParams> & { messages: ChatMessage[] };
    const chat = (params: Params) => llm.completion({ ...params, model });
    const stream = (params: Params) => accumulateStream(llm.completionStream({ ...params, model }));

    /** Asserts the call fails with UnsupportedParameterError naming `parameter`, and nothing was sent. */
    async function expectRefused(call: Promise<unknown>, parameter: string | RegExp): Promise<void> {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect((error as UnsupportedParameterError).parameter).toMatch(parameter);
      expect((error as UnsupportedParameterError).provider).toBe(dialect.provider);
      expect(server.requests).toHaveLength(0);
    }

    describe('listModels', () => {
      it("lists the provider's models in OpenAI's shape, or refuses when there is no models endpoint", async () => {
        if (!must('listModels')) return expectRefused(llm.listModels(), 'listModels');
        dialect.serveModels(server, ['conformance-model-a', 'conformance-model-b']);
        const models = await llm.listModels();
        expect(models.map((m) => m.id.replace(/^models\//, ''))).toEqual(['conformance-model-a', 'conformance-model-b']);
        for (const m of models) {
          expect(m.object).toBe('model');
          expect(typeof m.created).toBe('number');
          expect(typeof m.owned_by).toBe('string');
        }
      });
    });

    describe('embedding', () => {
      // Decided by the manifest: the per-provider embedding docs are in docs/PROVIDERS.md, and the
      // wire details of each in test/embeddings.test.ts.
      it("embeds in input order in OpenAI's shape, or refuses where the manifest claims no embeddings", async () => {
        const input = ['alpha', 'beta', 'gamma'];
        const embeddingModel = dialect.embeddingModel ?? 'conformance-embed';
        if (!llm.capabilities.embedding) return expectRefused(llm.embedding({ model: embeddingModel, input }), 'embedding');
        if (!dialect.serveEmbeddings) throw new Error(`${dialect.provider}'s manifest claims embeddings, but its dialect has no serveEmbeddings`);
        const tokens = dialect.serveEmbeddings(server, embeddingModel, (text, i) => [i, text.length / 8]);
        const res = await llm.embedding({ model: embeddingModel, input });
        expect(res).toEqual({
          object: 'list',
          data: input.map((text, index) => ({ object: 'embedding', index, embedding: [index, text.length / 8] })),
          model: embeddingModel,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      });
    });

    // A provider whose docs say it has no chat endpoint (embeddings only): every chat call is refused
    // before anything is sent, and its errors are checked on the endpoint it has.
    if (EXPECTED[dialect.provider]?.noChat !== undefined) {
      describe('no chat', () => {
        it('refuses completion and completionStream with UnsupportedParameterError, before anything is sent', async () => {
          dialect.serve(server, TEXT);
          await expectRefused(chat({ messages: [ask('Say hello')] }), 'completion');
          await expectRefused(stream({ messages: [ask('Say hello')] }), 'completion');
          await expectRefused(chat({ messages: [ask('Weather?')], tools }), 'completion');
        });
      });

      describe('errors, on the embeddings endpoint', () => {
        const embed = () => llm.embedding({ model: 'conformance-embed', input: 'hi' });
        const serveError = (scenario: Extract<Scenario, { kind: 'error' }>) => {
          if (!dialect.serveEmbeddingsError) throw new Error(`${dialect.provider} has no chat, but its dialect has no serveEmbeddingsError`);
          dialect.serveEmbeddingsError(server, scenario);
        };
        it.each([
          [400, InvalidRequestError],
          [401, AuthenticationError],
          [404, ModelNotFoundError],
          [500, ProviderError],
        ] as const)('HTTP %i becomes %o with status and provider', async (status, ErrorClass) => {
          serveError({ kind: 'error', status, message: `conformance error ${status}` });
          const error = await embed().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ErrorClass);
          expect(error).toMatchObject({ status, provider: dialect.provider });
          expect((error as Error).message).toContain(`conformance error ${status}`);
        });

        it('HTTP 429 becomes RateLimitError with retryAfterMs', async () => {
          serveError({ kind: 'error', status: 429, message: 'slow down', retryAfterSeconds: 3 });
          const error = await embed().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RateLimitError);
          expect(error).toMatchObject({ status: 429, retryAfterMs: 3000, provider: dialect.provider });
        });
      });
      return;
    }

    describe('text', () => {
      it('answers a completion with the text, finish reason and usage', async () => {
        dialect.serve(server, TEXT);
        const res = await chat({ messages: [{ role: 'system', content: 'Be brief.' }, ask('Say hello')] });
        expect(res.object).toBe('chat.completion');
        expect(res.choices[0].message.role).toBe('assistant');
        expect(res.choices[0].message.content).toBe(TEXT.text);
        expect(res.choices[0].finish_reason).toBe('stop');
        expectUsage(res.usage, TEXT);
        const sent = dialect.lastRequest(server);
        expect(sent.stream).toBe(false);
        expect(sent.model).toBe(model);
        expect(sent.messages.at(-1)).toMatchObject({ role: 'user', text: 'Say hello' });
        // Wires that carry the system prompt outside the messages (Anthropic, Gemini) leave it out here.
        for (const m of sent.messages.filter((m) => m.role === 'system')) expect(m.text).toBe('Be brief.');
      });

      it('streams the same text, in OpenAI chunks, with usage on the last chunk', async () => {
        dialect.serve(server, TEXT);
        const res = await stream({ messages: [ask('Say hello')] });
        expect(res.message.content).toBe(TEXT.text);
        expect(res.finishReason).toBe('stop');
        expectUsage(res.usage, TEXT);
        expect(res.chunks.findLastIndex((c) => c.usage)).toBe(res.chunks.length - 1);
        expect(res.chunks.filter((c) => (c.choices[0]?.delta.content ?? '') !== '').length).toBeGreaterThan(1);
        for (const chunk of res.chunks) expect(chunk.object).toBe('chat.completion.chunk');
        expect(dialect.lastRequest(server).stream).toBe(true);
      });

      it("reports a cut-off answer as finish_reason 'length'", async () => {
        dialect.serve(server, { ...TEXT, finish: 'length' });
        const res = await chat({ messages: [ask('Say hello')], max_tokens: 9 });
        expect(res.choices[0].finish_reason).toBe('length');
        expect((await stream({ messages: [ask('Say hello')], max_tokens: 9 })).finishReason).toBe('length');
      });
    });

    describe('tools', () => {
      it('returns parallel tool calls, or refuses tools where the docs say there are none', async () => {
        dialect.serve(server, CALLS);
        if (!must('tools')) return expectRefused(chat({ messages: [ask('Weather?')], tools }), 'tools');
        const res = await chat({ messages: [ask('Weather and time in Paris?')], tools });
        expectCalls(res.choices[0].message.tool_calls);
        expect(res.choices[0].finish_reason).toBe('tool_calls');
        expectUsage(res.usage, CALLS);
        expect(dialect.lastRequest(server).tools).toEqual(['get_weather', 'get_time']);
      });

      it('streams tool calls whose fragments concatenate to the arguments', async () => {
        dialect.serve(server, CALLS);
        if (!must('tools')) return expectRefused(stream({ messages: [ask('Weather?')], tools }), 'tools');
        const res = await stream({ messages: [ask('Weather and time in Paris?')], tools });
        expectCalls(res.message.tool_calls);
        expect(res.finishReason).toBe('tool_calls');
        expectUsage(res.usage, CALLS);
      });

      for (const mode of ['completion', 'stream'] as const) {
        it(`carries a two-turn tool conversation (call, tool result, answer) via ${mode}`, async () => {
          if (!must('tools')) return expectRefused(chat({ messages: [ask('Weather?')], tools, tool_choice: 'auto' }), /^tool/);
          const turn = (messages: ChatMessage[]) =>
            mode === 'stream' ? stream({ messages, tools }).then((r) => r.message) : chat({ messages, tools }).then((r) => r.choices[0].message);
          const history: ChatMessage[] = [ask('Weather and time in Paris?')];
          dialect.serve(server, CALLS);
          const first = await turn(history);
          expectCalls(first.tool_calls);
          history.push(first, ...toolResults(first.tool_calls ?? []));

          dialect.serve(server, TEXT);
          const second = await turn(history);
          expect(second.content).toBe(TEXT.text);

          const sent = dialect.lastRequest(server).messages;
          const assistant = sent.find((m) => m.role === 'assistant' && m.toolCalls?.length);
          expect(assistant?.toolCalls?.map((c) => [c.name, c.args])).toEqual(CALLS.calls.map((c) => [c.name, c.args]));
          const results = sent.filter((m) => m.toolResult);
          expect(results.map((m) => m.toolResult?.content).join(' ')).toMatch(/21C[\s\S]*14:05/);
          results.forEach((result, i) => {
            const call = assistant?.toolCalls?.[i];
            if (result.toolResult?.id !== undefined && call?.id !== undefined) expect(result.toolResult.id).toBe(call.id);
            if (result.toolResult?.name !== undefined) expect(result.toolResult.name).toBe(CALLS.calls[i].name);
          });
        });
      }
    });

    describe('reasoning', () => {
      it('returns reasoning apart from the answer, or refuses reasoning_effort where the docs say there is none', async () => {
        dialect.serve(server, REASONING);
        if (!must('reasoning')) return expectRefused(chat({ messages: [ask('2+2?')], reasoning_effort: 'low' }), 'reasoning_effort');
        const res = await chat({ messages: [ask('2+2?')] });
        const message = res.choices[0].message;
        expect(message.content).toBe(REASONING.text);
        if (dialect.reasoningVisible !== false) expect(message.reasoning).toBe(REASONING.reasoning);
        expect(res.usage?.prompt_tokens).toBe(REASONING.usage.input);
      });

      it('streams reasoning deltas apart from the content deltas', async () => {
        if (!must('reasoning')) return expectRefused(stream({ messages: [ask('2+2?')], reasoning_effort: 'low' }), 'reasoning_effort');
        dialect.serve(server, REASONING);
        const res = await stream({ messages: [ask('2+2?')] });
        expect(res.message.content).toBe(REASONING.text);
        if (dialect.reasoningVisible !== false) expect(res.message.reasoning).toBe(REASONING.reasoning);
        expect(res.finishReason).toBe('stop');
        expect(res.usage?.prompt_tokens).toBe(REASONING.usage.input);
      });

      for (const mode of ['completion', 'stream'] as const) {
        it(`carries a two-turn reasoning conversation, sending provider data back, via ${mode}`, async () => {
          const send = mode === 'stream' ? stream : chat;
          if (!must('reasoning')) return expectRefused(send({ messages: [ask('2+2?')], reasoning_effort: 'low' }), 'reasoning_effort');
          const history: ChatMessage[] = [ask('2+2?')];
          dialect.serve(server, REASONING);
          const first = mode === 'stream' ? (await stream({ messages: history })).message : (await chat({ messages: history })).choices[0].message;
          expect(first.content).toBe(REASONING.text);
          history.push(first, ask('And 3+3?'));

          dialect.serve(server, TEXT);
          const second = await chat({ messages: history });
          expect(second.choices[0].message.content).toBe(TEXT.text);

          const sent = dialect.lastRequest(server).messages;
          expect(sent.map((m) => m.role).filter((r) => r !== 'system')).toEqual(['user', 'assistant', 'user']);
          const assistant = sent.find((m) => m.role === 'assistant');
          expect(assistant?.text).toBe(REASONING.text);
          const echoes = dialect.echoes ?? { reasoning: true, signature: true };
          if (echoes.reasoning) expect(assistant?.reasoning).toBe(REASONING.reasoning);
          if (echoes.signature) expect(assistant?.signature).toBe(REASONING.signature);
        });
      }
    });

    describe('input kinds', () => {
      const imageMessage = (): ChatMessage => ({
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: IMAGE } },
        ],
      });
      const pdfMessage = (): ChatMessage => ({
        role: 'user',
        content: [
          { type: 'text', text: 'Summarise this file.' },
          { type: 'file', file: { filename: 'doc.pdf', file_data: `data:application/pdf;base64,${PDF_BASE64}` } },
        ],
      });

      it('sends an image part, or refuses it where the docs say images are not accepted', async () => {
        dialect.serve(server, TEXT);
        if (!must('images')) return expectRefused(chat({ messages: [imageMessage()] }), /image_url/);
        const res = await chat({ messages: [imageMessage()] });
        expect(res.choices[0].message.content).toBe(TEXT.text);
        const sent = dialect.lastRequest(server).messages.at(-1);
        expect(sent?.images).toBe(1);
        expect(sent?.text).toBe('What is in this picture?');
      });

      it('sends a PDF file part, or refuses it where the docs say PDF is not accepted', async () => {
        dialect.serve(server, TEXT);
        if (!must('pdf')) return expectRefused(chat({ messages: [pdfMessage()] }), /file/);
        const res = await chat({ messages: [pdfMessage()] });
        expect(res.choices[0].message.content).toBe(TEXT.text);
        expect(JSON.stringify(dialect.lastRequest(server).raw)).toContain(PDF_BASE64);
      });

      it('sends a JSON-schema response format, or refuses it where the docs say it is not accepted', async () => {
        dialect.serve(server, TEXT);
        const response_format = {
          type: 'json_schema' as const,
          json_schema: { name: 'answer', schema: { type: 'object', properties: { conformance_answer: { type: 'string' } } } },
        };
        if (!must('responseFormat')) return expectRefused(chat({ messages: [ask('JSON please')], response_format }), 'response_format');
        await chat({ messages: [ask('JSON please')], response_format });
        expect(JSON.stringify(dialect.lastRequest(server).raw)).toContain('conformance_answer');
      });
    });

    describe('errors', () => {
      it.each([
        [400, InvalidRequestError],
        [401, AuthenticationError],
        [404, ModelNotFoundError],
        [500, ProviderError],
      ] as const)('HTTP %i becomes %o with status and provider', async (status, ErrorClass) => {
        dialect.serve(server, { kind: 'error', status, message: `conformance error ${status}` });
        const error = await chat({ messages: [ask('hi')] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ErrorClass);
        expect(error).toMatchObject({ status, provider: dialect.provider });
        expect((error as Error).message).toContain(`conformance error ${status}`);
      });

      it('HTTP 429 becomes RateLimitError with retryAfterMs, in a stream too', async () => {
        dialect.serve(server, { kind: 'error', status: 429, message: 'slow down', retryAfterSeconds: 3 });
        // One call at a time: a second call started early could reject before anyone awaits it.
        for (const call of [() => chat({ messages: [ask('hi')] }), () => stream({ messages: [ask('hi')] })]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RateLimitError);
          expect(error).toMatchObject({ status: 429, retryAfterMs: 3000, provider: dialect.provider });
        }
      });
    });

    describe('cancellation', () => {
      it('aborting a stream mid-way rejects with AbortError and closes the upstream response', async () => {
        dialect.serve(server, { kind: 'slow', pieces: ['one ', 'two ', 'three ', 'four ', 'five '], delayMs: 30, hang: true });
        const controller = new AbortController();
        const aborted = server.nextAbort();
        const seen: string[] = [];
        const error = await (async () => {
          for await (const chunk of llm.completionStream({ model, messages: [ask('count')] }, { signal: controller.signal })) {
            const text = chunk.choices[0]?.delta.content;
            if (text) seen.push(text);
            if (seen.length === 2) controller.abort();
          }
        })().catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'AbortError' });
        expect(seen.join('')).toBe('one two ');
        await aborted;
      });

      it('a call past its timeoutMs rejects with TimeoutError and closes the upstream request', async () => {
        // Warm first: the 300 ms must time the request, never the plugin's cold start.
        await llm.start();
        dialect.serve(server, { kind: 'slow', pieces: ['never'], delayMs: 10, hang: true });
        const aborted = server.nextAbort();
        const error = await llm.completion({ model, messages: [ask('wait')] }, { timeoutMs: 300 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TimeoutError);
        await aborted;
        // The plugin is still healthy afterwards.
        dialect.serve(server, TEXT);
        expect((await chat({ messages: [ask('hi')] })).choices[0].message.content).toBe(TEXT.text);
      });
    });
  });
}
