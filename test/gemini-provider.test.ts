// The Gemini provider through the public API: the real @google/genai SDK runs inside the plugin and
// talks to a local server speaking Gemini's wire format (generateContent, streamGenerateContent?alt=sse,
// models list, Google-shaped errors).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  AnyLLMError,
  AuthenticationError,
  InvalidRequestError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  UnsupportedParameterError,
  type AssistantMessage,
  type ChatCompletionChunk,
  type ChatMessage,
  type CompletionParams,
} from 'anyllm';
import { chunkLines, fixtureJson, fixtureText } from './support/fixtures.js';
import {
  geminiResponse,
  genaiRecording,
  onGenerate,
  onListModels,
  onStream,
  retryInfo,
  sendGoogleError,
  streamEvents,
} from './support/gemini-wire.js';
import { LocalServer, sendJson, type RecordedRequest } from './support/local-server.js';
import { collect, functionCalls } from './support/collect.js';
import { accumulate, accumulateStream } from './support/accumulate.js';

const MODEL = 'gemini-2.5-flash';
let server: LocalServer;
let llm: AnyLLM;
const hi: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('gemini', { apiKey: 'gm-test-key', apiBase: server.origin });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});


function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return request.body as Record<string, unknown>;
}

describe('gemini: requests reach the Gemini API in its own shape', () => {
  it('sends the key, the model path and every mapped parameter', async () => {
    onGenerate(server, MODEL, (_req, res) => sendJson(res, 200, geminiResponse([{ text: 'ok' }], { finishReason: 'STOP' })));
    const params: CompletionParams = {
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture and this PDF?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'look', description: 'Look', parameters: { type: 'object', properties: { at: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      stop: ['\n\n'],
      seed: 42,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } },
      reasoning_effort: 'low',
    };
    await llm.completion(params);
    const [request] = server.requests;
    expect(request.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(request.headers['x-goog-api-key']).toBe('gm-test-key');
    expect(request.body).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in this picture and this PDF?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { fileUri: 'https://example.com/cat.png', mimeType: 'image/png' } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: {
        temperature: 0.2,
        topP: 0.9,
        maxOutputTokens: 64,
        stopSequences: ['\n\n'],
        seed: 42,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object', properties: { a: { type: 'string' } } },
        thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
      },
      tools: [{ functionDeclarations: [{ name: 'look', description: 'Look', parametersJsonSchema: { type: 'object', properties: { at: { type: 'string' } } } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['look'] } },
    });
  });

  it('raises UnsupportedParameterError naming the parameter, before anything is sent', async () => {
    for (const [name, extra] of [
      ['parallel_tool_calls', { parallel_tool_calls: false }],
      ['logit_bias', { logit_bias: { '42': 1 } }],
      ['user', { user: 'someone' }],
    ] as const) {
      const error = await llm.completion({ model: MODEL, messages: hi, ...extra }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter: name, provider: 'gemini' });
    }
    await expect(collect(llm.completionStream({ model: MODEL, messages: hi, logit_bias: { '1': 1 } }))).rejects.toBeInstanceOf(
      UnsupportedParameterError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('gemini: recorded responses, replayed', () => {
  it('vercel-ai google-text.json → text, usage with reasoning tokens, signature on the message', async () => {
    onGenerate(server, 'gemini-3-pro-preview', (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/google-text.json')));
    const res = await llm.completion({ model: 'gemini-3-pro-preview', messages: hi });
    expect(res.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { role: 'assistant', content: expect.stringMatching(/^There are \*\*3\*\* r's in strawberry/) },
    });
    expect(res.choices[0].message.provider_data).toEqual({ gemini: { text_signature: expect.any(String) } });
    expect(res.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 272,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244 },
    });
  });

  it('vercel-ai google-tool-call.json → a tool call with parsed arguments and finish tool_calls', async () => {
    onGenerate(server, 'gemini-3-pro-preview', (_req, res) => sendJson(res, 200, fixtureJson('vercel-ai/google-tool-call.json')));
    const res = await llm.completion({ model: 'gemini-3-pro-preview', messages: hi, tools: [{ type: 'function', function: { name: 'weather' } }] });
    const call = functionCalls(res.choices[0].message.tool_calls)[0];
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.function.name).toBe('weather');
    expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ location: 'San Francisco' });
  });

  it.each([
    ['google-text', { content: /^There are \*\*3\*\* "r"s in strawberry/, finish: 'stop', calls: [] }],
    ['google-reasoning', { content: /^There are \*\*3\*\* "r"s in\s+strawberry/, finish: 'stop', calls: [] }],
    ['google-tool-call', { content: /^$/, finish: 'tool_calls', calls: [['weather', { location: 'San Francisco' }]] }],
    ['google-stream-no-args-tool-call', { content: /^$/, finish: 'tool_calls', calls: [['read_theme', {}], ['read_screen', { id: 'A' }], ['read_screen', { id: 'B' }], ['read_screen', { id: 'C' }]] }],
    ['google-stream-tool-call-arguments', { content: /^$/, finish: 'tool_calls', calls: [['getWeather', { location: 'Boston' }], ['getWeather', { location: 'San Francisco' }]] }],
  ] as const)('vercel-ai %s.chunks.txt streams through the SDK to the expected message', async (name, expected) => {
    const events = chunkLines(`vercel-ai/${name}.chunks.txt`);
    onStream(server, MODEL, (_req, res) => streamEvents(res, events));
    const chunks = await collect(llm.completionStream({ model: MODEL, messages: hi }));
    const message = accumulate(chunks).message;
    expect(message.content ?? '').toMatch(expected.content);
    expect((message.tool_calls ?? []).map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual(expected.calls);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual([expected.finish]);
    const last = events.at(-1) as { usageMetadata: { totalTokenCount: number } };
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: last.usageMetadata.totalTokenCount } });
    expect(server.requests[0].path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent`);
    expect(server.requests[0].query.get('alt')).toBe('sse');
  });

  it('js-genai text stream recording: the SDK request matches the recording and the text arrives whole', async () => {
    const [interaction] = genaiRecording('Chats_Tests_sendMessage_Google_AI_with_text_stream');
    onStream(server, 'gemini-2.0-flash', (_req, res) => streamEvents(res, interaction.response.bodySegments));
    const chunks = await collect(llm.completionStream({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'why is the sky blue?' }] }));
    const recorded = interaction.request.bodySegments[0] as { contents: unknown };
    expect(bodyOf(server.requests[0]).contents).toEqual(recorded.contents);
    expect(accumulate(chunks).message.content).toMatch(/^The sky is blue due to a phenomenon called \*\*Rayleigh scattering\*\*/);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 377, total_tokens: 383 });
  });

  it('js-genai function-calling chat recording: two turns, the history sent as recorded', async () => {
    const [first, second] = genaiRecording('Chats_Tests_chats_function_calling_Google_AI_with_function_calling_stream');
    let turn = 0;
    onStream(server, 'gemini-2.0-flash', (_req, res) => streamEvents(res, [first, second][turn++].response.bodySegments));
    const tools: CompletionParams['tools'] = [
      {
        type: 'function',
        function: {
          name: 'customDivide',
          description: 'Custom divide function',
          parameters: { type: 'object', properties: { denominator: { type: 'number' }, numerator: { type: 'number' } } },
        },
      },
    ];
    const messages: ChatMessage[] = [{ role: 'user', content: 'what is the result of 100/2' }];
    const answer = (await accumulateStream(llm.completionStream({ model: 'gemini-2.0-flash', messages, tools }))).message;
    expect(JSON.parse(answer.tool_calls?.[0].function.arguments ?? '')).toEqual({ denominator: 2, numerator: 100 });
    messages.push({ ...answer, content: null }, { role: 'user', content: 'what is the result of 50/2?' });
    const next = (await accumulateStream(llm.completionStream({ model: 'gemini-2.0-flash', messages, tools }))).message;
    expect(JSON.parse(next.tool_calls?.[0].function.arguments ?? '')).toEqual({ denominator: 2, numerator: 50 });
    expect(bodyOf(server.requests[1]).contents).toEqual((second.request.bodySegments[0] as { contents: unknown }).contents);
  });

  it('js-genai streamed function-call arguments recording: the call is assembled whole', async () => {
    const [interaction] = genaiRecording(
      'Client_Tests_generateContentStream_partial_function_calling_Vertex_AI_should_stream_generate_content_enabled_streamFunctionCallArguments',
    );
    onStream(server, 'gemini-3-pro-preview', (_req, res) => streamEvents(res, interaction.response.bodySegments));
    const message = (await accumulateStream(llm.completionStream({ model: 'gemini-3-pro-preview', messages: hi }))).message;
    expect(message.tool_calls?.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['getCurrentWeather', { country: 'USA', location: 'NewYorkCity', purpose: 'to know what to wear today', unit: 'C' }],
    ]);
    expect(message.provider_data).toEqual({ gemini: { tool_call_signatures: { [message.tool_calls?.[0].id ?? '']: expect.stringMatching(/^CiQB/) } } });
  });

  it('js-genai responseJsonSchema recording: JSON content for a json_schema response format', async () => {
    const [interaction] = genaiRecording('Client_Tests_generateContent_ML_Dev_should_generate_content_with_given_valid_json_schema_in_responseJsonSchema');
    const recorded = interaction.request.bodySegments[0] as { generationConfig: { responseJsonSchema: Record<string, never> } };
    onGenerate(server, MODEL, (_req, res) => sendJson(res, 200, interaction.response.bodySegments[0]));
    const res = await llm.completion({
      model: MODEL,
      messages: [{ role: 'user', content: 'populate the following object' }],
      response_format: { type: 'json_schema', json_schema: { name: 'obj', schema: recorded.generationConfig.responseJsonSchema } },
    });
    expect(bodyOf(server.requests[0]).generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: recorded.generationConfig.responseJsonSchema });
    expect(JSON.parse(res.choices[0].message.content ?? '')).toMatchObject({ simpleBoolean: true, arrayFiled: ['item1', 'item2', 'item3'] });
  });

  it('js-genai thought-field recording: reasoning text and finish length', async () => {
    const [interaction] = genaiRecording('Client_Tests_test_thinking_generate_content_should_return_thought_field');
    onGenerate(server, 'gemini-2.0-flash-thinking-exp', (_req, res) => sendJson(res, 200, interaction.response.bodySegments[0]));
    const res = await llm.completion({ model: 'gemini-2.0-flash-thinking-exp', messages: hi, max_tokens: 20, reasoning_effort: 'low' });
    expect(res.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: null, reasoning: expect.stringMatching(/^\*\*Breaking Down/) } });
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(19);
  });
});

describe('gemini: conversations across turns', () => {
  it('tool calling: call, tool result, answer; the signature and the function name go back to Gemini', async () => {
    const replies = [
      geminiResponse([{ functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-call' }], {
        finishReason: 'STOP',
        usage: { promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 },
      }),
      geminiResponse([{ text: 'It is 21°C in Paris.' }], { finishReason: 'STOP', usage: { promptTokenCount: 40, candidatesTokenCount: 8, totalTokenCount: 48 } }),
    ];
    let turn = 0;
    onGenerate(server, MODEL, (_req, res) => sendJson(res, 200, replies[turn++]));
    const tools: CompletionParams['tools'] = [
      { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await llm.completion({ model: MODEL, messages, tools });
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const call = first.choices[0].message.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } });

    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call?.id ?? '', content: '{"temp":21}' });
    const second = await llm.completion({ model: MODEL, messages, tools });
    expect(second.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'It is 21°C in Paris.' } });
    expect(bodyOf(server.requests[1]).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-call' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: 21 } } }] },
    ]);
  });

  it('reasoning: the thought and its signature, streamed, are sent back in the next turn', async () => {
    const streamed = [
      geminiResponse([{ text: 'Counting the letters r', thought: true }]),
      geminiResponse([{ text: ' in strawberry.', thought: true, thoughtSignature: 'sig-thought' }]),
      geminiResponse([{ text: 'There are 3.' }]),
      geminiResponse([{ text: '', thoughtSignature: 'sig-text' }], {
        finishReason: 'STOP',
        usage: { promptTokenCount: 9, candidatesTokenCount: 4, thoughtsTokenCount: 30, totalTokenCount: 43 },
      }),
    ];
    onStream(server, 'gemini-3-flash-preview', (_req, res) => streamEvents(res, streamed));
    onGenerate(server, 'gemini-3-flash-preview', (_req, res) => sendJson(res, 200, geminiResponse([{ text: 'Yes.' }], { finishReason: 'STOP' })));
    const messages: ChatMessage[] = [{ role: 'user', content: 'How many r in strawberry?' }];
    const chunks = await collect(llm.completionStream({ model: 'gemini-3-flash-preview', messages, reasoning_effort: 'high' }));
    expect(bodyOf(server.requests[0]).generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingLevel: 'HIGH' } });
    const answer = accumulate(chunks).message;
    expect(answer).toMatchObject({ content: 'There are 3.', reasoning: 'Counting the letters r in strawberry.' });
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 34, completion_tokens_details: { reasoning_tokens: 30 } });

    messages.push(answer, { role: 'user', content: 'Sure?' });
    const res = await llm.completion({ model: 'gemini-3-flash-preview', messages });
    expect(res.choices[0].message.content).toBe('Yes.');
    expect(bodyOf(server.requests[1]).contents).toEqual([
      { role: 'user', parts: [{ text: 'How many r in strawberry?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Counting the letters r in strawberry.', thought: true, thoughtSignature: 'sig-thought' },
          { text: 'There are 3.', thoughtSignature: 'sig-text' },
        ],
      },
      { role: 'user', parts: [{ text: 'Sure?' }] },
    ]);
  });
});

describe('gemini: upstream errors keep their class, status and provider in the host', () => {
  it.each([
    [400, InvalidRequestError],
    [401, AuthenticationError],
    [403, AuthenticationError],
    [404, ModelNotFoundError],
    [500, ProviderError],
    [503, ProviderError],
  ] as const)('HTTP %i → %o', async (status, ErrorClass) => {
    onGenerate(server, MODEL, (_req, res) => sendGoogleError(res, status, `upstream says ${status}`));
    const error = await llm.completion({ model: MODEL, messages: hi }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(AnyLLMError);
    expect(error).toMatchObject({ status, provider: 'gemini', message: `upstream says ${status}` });
  });

  it('vercel-ai google-429-retry-info.json → RateLimitError with retryAfterMs from RetryInfo, streaming too', async () => {
    const body = fixtureText('vercel-ai/google-429-retry-info.json');
    const send = (_req: RecordedRequest, res: import('node:http').ServerResponse) => {
      res.writeHead(429, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(body);
    };
    onGenerate(server, MODEL, send);
    onStream(server, MODEL, send);
    const error = await llm.completion({ model: MODEL, messages: hi }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 34400, code: 'RESOURCE_EXHAUSTED', provider: 'gemini' });
    const streamError = await collect(llm.completionStream({ model: MODEL, messages: hi })).catch((e: unknown) => e);
    expect(streamError).toMatchObject({ name: 'RateLimitError', retryAfterMs: 34400 });
  });

  it('an error event in the middle of a stream fails it with the mapped class', async () => {
    onStream(server, MODEL, (_req, res) =>
      streamEvents(res, [geminiResponse([{ text: 'Hel' }]), { error: { code: 429, message: 'Slow down', status: 'RESOURCE_EXHAUSTED', details: [retryInfo(2)] } }]),
    );
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of llm.completionStream({ model: MODEL, messages: hi })) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(received).toEqual(['Hel']);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ message: 'Slow down', retryAfterMs: 2000 });
  });
});

describe('gemini: aborting and listing models', () => {
  it('aborting a stream rejects with AbortError and closes the upstream response', async () => {
    onStream(server, MODEL, (_req, res) =>
      streamEvents(res, Array.from({ length: 500 }, (_, i) => geminiResponse([{ text: `w${i} ` }])), { delayMs: 5 }),
    );
    const controller = new AbortController();
    const aborted = server.nextAbort();
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of llm.completionStream({ model: MODEL, messages: hi }, { signal: controller.signal })) {
        received.push(chunk.choices[0]?.delta.content ?? '');
        if (received.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(received.slice(0, 3)).toEqual(['w0 ', 'w1 ', 'w2 ']);
    await aborted;
  });

  it('breaking out of the loop closes the upstream response, and the plugin keeps working', async () => {
    onStream(server, MODEL, (_req, res) =>
      streamEvents(res, Array.from({ length: 500 }, (_, i) => geminiResponse([{ text: `w${i} ` }])), { delayMs: 5 }),
    );
    const aborted = server.nextAbort();
    for await (const chunk of llm.completionStream({ model: MODEL, messages: hi })) {
      if (chunk.choices[0]?.delta.content === 'w2 ') break;
    }
    await aborted;
    onGenerate(server, MODEL, (_req, res) => sendJson(res, 200, geminiResponse([{ text: 'still here' }], { finishReason: 'STOP' })));
    expect((await llm.completion({ model: MODEL, messages: hi })).choices[0].message.content).toBe('still here');
  });

  it("the client's own timeout option ends a hung request with TimeoutError; unknown client options are refused", async () => {
    onGenerate(server, MODEL, () => {
      // Never answers.
    });
    const slow = await AnyLLM.create('gemini', { apiKey: 'k', apiBase: `${server.origin}/v1beta`, timeout: 200 });
    const odd = await AnyLLM.create('gemini', { apiKey: 'k', apiBase: server.origin, organization: 'acme' });
    try {
      await expect(slow.completion({ model: MODEL, messages: hi })).rejects.toMatchObject({ name: 'TimeoutError', provider: 'gemini' });
      const error = await odd.completion({ model: MODEL, messages: hi }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter: 'organization' });
    } finally {
      await slow.close();
      await odd.close();
    }
  });

  it('listModels follows the pages and returns OpenAI-shaped models', async () => {
    onListModels(server, [
      [{ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' }, { name: 'models/gemini-2.5-pro' }],
      [{ name: 'models/gemini-3-pro-preview' }],
    ]);
    const models = await llm.listModels();
    expect(models).toEqual(
      ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview'].map((id) => ({ id, object: 'model', created: 0, owned_by: 'google' })),
    );
    expect(server.requests.map((r) => r.query.get('pageToken'))).toEqual([null, '1']);
  });
});
