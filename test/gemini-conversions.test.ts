// The Gemini provider's pure conversions: OpenAI params → @google/genai parameters, and Gemini
// responses and stream events (recorded ones included) → OpenAI completions and chunks.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, UnsupportedParameterError } from '../src/errors.js';
import type { ChatCompletionChunk, ChatMessage, CompletionParams, JsonObject } from '../src/types.js';
import { mapGeminiError, parseRetryDelay } from '../plugins/gemini/errors.js';
import { splitApiBase } from '../plugins/gemini/index.js';
import { convertMessages } from '../plugins/gemini/messages.js';
import { convertModel } from '../plugins/gemini/models.js';
import { applyPartialArgs, parseJsonPath, startPartialArgs } from '../plugins/gemini/partial-args.js';
import { convertParams } from '../plugins/gemini/request.js';
import { convertResponse, convertUsage, mapFinishReason } from '../plugins/gemini/response.js';
import { convertStreamEvent, createStreamState, finishStream } from '../plugins/gemini/stream.js';
import type { GeminiResponse } from '../plugins/gemini/wire.js';
import { accumulate } from './support/accumulate.js';
import { functionCalls } from './support/collect.js';
import { chunkLines, fixtureJson, fixtureText } from './support/fixtures.js';
import { genaiRecording } from './support/gemini-wire.js';

const P = 'gemini';
const user = (content: string): ChatMessage => ({ role: 'user', content });
const params = (extra: Partial<CompletionParams> = {}): CompletionParams => ({ model: 'gemini-2.5-flash', messages: [user('Hi')], ...extra });

/** Runs recorded events through the stream converter, as the provider does. */
function streamOf(events: readonly unknown[], model = 'gemini-2.5-flash'): ChatCompletionChunk[] {
  const state = createStreamState(model, P, true);
  return [...events.flatMap((event) => convertStreamEvent(event as GeminiResponse, state)), ...finishStream(state)];
}

describe('gemini messages → contents', () => {
  it('puts system and developer messages in the system instruction and keeps the turns in order', () => {
    const { systemInstruction, contents } = convertMessages(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        user('Hello'),
        { role: 'assistant', content: 'Bonjour' },
        user('How are you?'),
      ],
      P,
    );
    expect(systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'Hello' }] },
      { role: 'model', parts: [{ text: 'Bonjour' }] },
      { role: 'user', parts: [{ text: 'How are you?' }] },
    ]);
  });

  it('sends data-URL images inline and https images as file references, with their detail', () => {
    const { contents } = convertMessages(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=2', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photo' } },
          ],
        },
      ],
      P,
    );
    expect(contents[0].parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, mediaResolution: { level: 'MEDIA_RESOLUTION_LOW' } },
      { fileData: { fileUri: 'https://example.com/cat.webp?size=2', mimeType: 'image/webp' }, mediaResolution: { level: 'MEDIA_RESOLUTION_HIGH' } },
      { fileData: { fileUri: 'https://example.com/photo', mimeType: 'image/jpeg' } },
    ]);
  });

  it('sends PDFs, uploaded files and audio in the parts Gemini accepts', () => {
    const { contents } = convertMessages(
      [
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } },
            { type: 'file', file: { file_data: 'JVBERi0y', filename: 'report.PDF' } },
            { type: 'file', file: { file_id: 'https://generativelanguage.googleapis.com/v1beta/files/abc', filename: 'notes.txt' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          ],
        },
      ],
      P,
    );
    expect(contents[0].parts).toEqual([
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0y' } },
      { fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc', mimeType: 'text/plain' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    ]);
  });

  it.each([
    ['a non-base64 data URL', { type: 'image_url', image_url: { url: 'data:image/png,abc' } }, 'messages[0].content[0].image_url.url'],
    ['an ftp URL', { type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }, 'messages[0].content[0].image_url.url'],
    ['raw file bytes of unknown type', { type: 'file', file: { file_data: 'AAAA' } }, 'messages[0].content[0].file.file_data'],
  ] as const)('rejects %s with InvalidRequestError naming the field', (_label, part, field) => {
    const run = () => convertMessages([{ role: 'user', content: [part as never] }], P);
    expect(run).toThrow(InvalidRequestError);
    expect(run).toThrow(field);
  });

  it('turns tool calls into function calls and tool results into one turn of named function responses', () => {
    const { contents } = convertMessages(
      [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'forecast', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: 'sunny tomorrow' },
        { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '{"temp":21,"unit":"C"}' }] },
        user('Thanks'),
      ],
      P,
    );
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'weather', args: { city: 'Paris' } } }, { functionCall: { name: 'forecast', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'forecast', response: { content: 'sunny tomorrow' } } },
          { functionResponse: { name: 'weather', response: { temp: 21, unit: 'C' } } },
        ],
      },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
  });

  it('rejects a tool result whose id matches no earlier tool call, and arguments that are not a JSON object', () => {
    expect(() => convertMessages([user('x'), { role: 'tool', tool_call_id: 'call_x', content: 'r' }], P)).toThrow(/messages\[1\]\.tool_call_id/);
    const bad = (args: string) => () =>
      convertMessages([{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] }], P);
    expect(bad('{oops')).toThrow(InvalidRequestError);
    expect(bad('[1,2]')).toThrow(/messages\[0\]\.tool_calls\[0\]\.function\.arguments/);
  });

  it('puts reasoning and every thought signature back where Gemini sent them', () => {
    const { contents } = convertMessages(
      [
        user('Plan it'),
        {
          role: 'assistant',
          content: 'Here is the plan.',
          reasoning: 'First I think.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'step', arguments: '{"n":1}' } }],
          provider_data: { gemini: { reasoning_signature: 'sigR', text_signature: 'sigT', tool_call_signatures: { call_1: 'sigC' } } },
        },
      ],
      P,
    );
    expect(contents[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'First I think.', thought: true, thoughtSignature: 'sigR' },
        { text: 'Here is the plan.', thoughtSignature: 'sigT' },
        { functionCall: { name: 'step', args: { n: 1 } }, thoughtSignature: 'sigC' },
      ],
    });
  });

  it('keeps a signature that belongs to no text on an empty text part, and ignores other providers\' data', () => {
    const signatureOnly = convertMessages([{ role: 'assistant', content: null, tool_calls: [], provider_data: { gemini: { text_signature: 's' } } }], P);
    expect(signatureOnly.contents[0].parts).toEqual([{ text: '', thoughtSignature: 's' }]);
    const foreign = convertMessages([{ role: 'assistant', content: 'ok', provider_data: { anthropic: { signature: 'x' } } }], P);
    expect(foreign.contents[0].parts).toEqual([{ text: 'ok' }]);
  });

  it('raises UnsupportedParameterError for message names, which Gemini cannot carry', () => {
    const run = () => convertMessages([{ role: 'user', content: 'hi', name: 'alice' }], P);
    expect(run).toThrow(UnsupportedParameterError);
    expect(run).toThrow("'messages[0].name'");
  });
});

describe('gemini params → generateContent parameters', () => {
  it('maps sampling, length, stop, seed, candidates, penalties and logprobs to the generation config', () => {
    const request = convertParams(
      params({
        temperature: 0.3,
        top_p: 0.8,
        top_k: 40,
        max_tokens: 100,
        max_completion_tokens: 64,
        stop: 'END',
        seed: 7,
        n: 2,
        presence_penalty: 0.5,
        frequency_penalty: -0.25,
        logprobs: true,
        top_logprobs: 3,
        stream_options: { include_usage: true },
        parallel_tool_calls: true,
      }),
      P,
    );
    expect(request).toEqual({
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      config: {
        temperature: 0.3,
        topP: 0.8,
        topK: 40,
        maxOutputTokens: 64,
        stopSequences: ['END'],
        seed: 7,
        candidateCount: 2,
        presencePenalty: 0.5,
        frequencyPenalty: -0.25,
        responseLogprobs: true,
        logprobs: 3,
      },
    });
  });

  it('maps json_object and json_schema response formats to a JSON MIME type and the JSON Schema', () => {
    expect(convertParams(params({ response_format: { type: 'json_object' } }), P).config).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    expect(convertParams(params({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } }), P).config).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    expect(convertParams(params({ response_format: { type: 'text' } }), P).config).toBeUndefined();
  });

  it('declares tools with their JSON Schema, and no schema for tools without arguments', () => {
    const request = convertParams(
      params({
        tools: [
          { type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'now' } },
          { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } },
        ],
      }),
      P,
    );
    expect(request.config?.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'weather', description: 'Weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
          { name: 'now' },
          { name: 'ping' },
        ],
      },
    ]);
    expect(request.config?.toolConfig).toBeUndefined();
  });

  it.each([
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'now' } }, { mode: 'ANY', allowedFunctionNames: ['now'] }],
  ] as const)('maps tool_choice %j to function calling config %j', (choice, expected) => {
    const request = convertParams(params({ tools: [{ type: 'function', function: { name: 'now' } }], tool_choice: choice }), P);
    expect(request.config?.toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('holds calls to strict tools with VALIDATED mode', () => {
    const request = convertParams(params({ tools: [{ type: 'function', function: { name: 'now', strict: true } }], tool_choice: 'auto' }), P);
    expect(request.config?.toolConfig).toEqual({ functionCallingConfig: { mode: 'VALIDATED' } });
  });

  it.each([
    ['gemini-2.5-flash', 'low', { includeThoughts: true, thinkingBudget: 1024 }],
    ['gemini-2.5-pro', 'high', { includeThoughts: true, thinkingBudget: 24576 }],
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0 }],
    ['gemini-3-pro-preview', 'high', { includeThoughts: true, thinkingLevel: 'HIGH' }],
    ['gemini-3-flash-preview', 'minimal', { includeThoughts: true, thinkingLevel: 'MINIMAL' }],
  ] as const)('maps reasoning_effort on %s: %s → %j', (model, effort, expected) => {
    expect(convertParams(params({ model, reasoning_effort: effort }), P).config?.thinkingConfig).toEqual(expected);
  });

  it('refuses reasoning_effort none on models that cannot stop thinking', () => {
    const run = () => convertParams(params({ model: 'gemini-3-pro-preview', reasoning_effort: 'none' }), P);
    expect(run).toThrow(UnsupportedParameterError);
    expect(run).toThrow("'reasoning_effort'");
  });

  it.each([
    ['parallel_tool_calls', { parallel_tool_calls: false }],
    ['logit_bias', { logit_bias: { '1': 5 } }],
    ['user', { user: 'u-1' }],
    ['metadata', { metadata: { a: 1 } }],
    ['modalities', { modalities: ['text', 'audio'] }],
  ])('raises UnsupportedParameterError naming %s', (name, extra) => {
    let error: unknown;
    try {
      convertParams(params(extra as Partial<CompletionParams>), P);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect((error as UnsupportedParameterError).parameter).toBe(name);
  });

  it('rejects top_logprobs without logprobs', () => {
    expect(() => convertParams(params({ top_logprobs: 2 }), P)).toThrow(/top_logprobs/);
  });
});

describe('gemini responses → chat completions', () => {
  it('replays vercel-ai google-text.json: text, signature, usage with reasoning tokens', () => {
    const completion = convertResponse(fixtureJson('vercel-ai/google-text.json'), 'gemini-3-pro-preview', P);
    expect(completion).toMatchObject({
      id: 'Un6LacrVMcjUxs0PmJfWoQc',
      object: 'chat.completion',
      model: 'gemini-3-pro-preview',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: {
            role: 'assistant',
            content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
            provider_data: { gemini: { text_signature: expect.stringMatching(/^EtoFCtcFAb4/) } },
          },
        },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 272, total_tokens: 281, completion_tokens_details: { reasoning_tokens: 244 } },
    });
  });

  it('replays vercel-ai google-tool-call.json: a tool call with JSON arguments, its signature and finish tool_calls', () => {
    const { choices } = convertResponse(fixtureJson('vercel-ai/google-tool-call.json'), 'gemini-3-pro-preview', P);
    const [call] = functionCalls(choices[0].message.tool_calls);
    expect(choices[0].finish_reason).toBe('tool_calls');
    expect(choices[0].message.content).toBeNull();
    expect(call).toMatchObject({ type: 'function', function: { name: 'weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'San Francisco' });
    expect(choices[0].message.provider_data).toEqual({ gemini: { tool_call_signatures: { [call.id]: expect.stringMatching(/^EskgCsYg/) } } });
  });

  it('replays js-genai thought-field recording: thought text as reasoning, MAX_TOKENS as length', () => {
    const [interaction] = genaiRecording('Client_Tests_test_thinking_generate_content_should_return_thought_field');
    const { choices, usage } = convertResponse(interaction.response.bodySegments[0] as GeminiResponse, 'gemini-2.0-flash-thinking-exp', P);
    expect(choices[0].message.reasoning).toMatch(/^\*\*Breaking Down the Sum of Natural Numbers\*\*/);
    expect(choices[0].message.content).toBeNull();
    expect(choices[0].finish_reason).toBe('length');
    expect(usage).toMatchObject({ prompt_tokens: 17, completion_tokens: 19, total_tokens: 36 });
  });

  it('replays js-genai responseJsonSchema recording: the content parses as the requested object', () => {
    const [interaction] = genaiRecording('Client_Tests_generateContent_ML_Dev_should_generate_content_with_given_valid_json_schema_in_responseJsonSchema');
    const { choices, usage } = convertResponse(interaction.response.bodySegments[0] as GeminiResponse, 'gemini-2.5-flash', P);
    expect(JSON.parse(choices[0].message.content ?? '')).toMatchObject({ simpleString: 'Hello', inner: { innerNumber: 100 } });
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(331);
  });

  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    [undefined, false, null],
  ] as const)('maps finishReason %s (tools called: %s) to %s', (reason, called, expected) => {
    expect(mapFinishReason(reason, called)).toBe(expected);
  });

  it('reports cached prompt tokens and tool-use prompt tokens', () => {
    expect(convertUsage({ promptTokenCount: 100, toolUsePromptTokenCount: 5, cachedContentTokenCount: 80, candidatesTokenCount: 10, totalTokenCount: 115 })).toEqual({
      prompt_tokens: 105,
      completion_tokens: 10,
      total_tokens: 115,
      prompt_tokens_details: { cached_tokens: 80 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('returns one choice per candidate, with logprobs', () => {
    const response: GeminiResponse = {
      responseId: 'r',
      candidates: [
        {
          index: 0,
          content: { parts: [{ text: 'Yes' }] },
          finishReason: 'STOP',
          logprobsResult: { chosenCandidates: [{ token: 'Yes', logProbability: -0.1 }], topCandidates: [{ candidates: [{ token: 'Yes', logProbability: -0.1 }, { token: 'No', logProbability: -2.5 }] }] },
        },
        { index: 1, content: { parts: [{ text: 'No' }] }, finishReason: 'STOP' },
      ],
    };
    const { choices } = convertResponse(response, 'gemini-2.5-flash', P);
    expect(choices.map((c) => c.message.content)).toEqual(['Yes', 'No']);
    expect(choices[0].logprobs?.content?.[0]).toEqual({
      token: 'Yes',
      logprob: -0.1,
      bytes: null,
      top_logprobs: [
        { token: 'Yes', logprob: -0.1, bytes: null },
        { token: 'No', logprob: -2.5, bytes: null },
      ],
    });
  });

  it('raises ContentFilterError when Gemini blocked the prompt', () => {
    expect(() => convertResponse({ promptFeedback: { blockReason: 'SAFETY' } }, 'gemini-2.5-flash', P)).toThrow(/blocked the prompt \(SAFETY\)/);
  });

  it('normalises the model list', () => {
    expect(convertModel({ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' })).toEqual({
      id: 'gemini-2.5-flash',
      object: 'model',
      created: 0,
      owned_by: 'google',
    });
  });
});

describe('gemini stream events → chunks', () => {
  it('replays vercel-ai google-text.chunks.txt: text deltas, the signature, stop and a final usage chunk', () => {
    const chunks = streamOf(chunkLines('vercel-ai/google-text.chunks.txt'));
    const message = accumulate(chunks);
    expect(message.content).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(message.finishReason).toBe('stop');
    expect(message.providerData).toEqual({ gemini: { text_signature: expect.stringMatching(/^EqsFCqgFAb4/) } });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 208, total_tokens: 217 } });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['bH6LaZW8Fp_3nsEPqtaSwQ4']));
  });

  it('replays vercel-ai google-reasoning.chunks.txt: reasoning tokens in usage, the trailing signature kept', () => {
    const chunks = streamOf(chunkLines('vercel-ai/google-reasoning.chunks.txt'));
    const message = accumulate(chunks);
    expect(message.content).toMatch(/^There are \*\*3\*\* "r"s in strawberry\./);
    expect(message.providerData).toEqual({ gemini: { text_signature: expect.stringMatching(/^Eo0HCooHAb4/) } });
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBe(256);
  });

  it('replays vercel-ai google-tool-call.chunks.txt: name first, then arguments that parse, finish tool_calls', () => {
    const message = accumulate(streamOf(chunkLines('vercel-ai/google-tool-call.chunks.txt')));
    expect(message.toolCalls).toHaveLength(1);
    expect(message.toolCalls[0]).toMatchObject({ id: expect.any(String), function: { name: 'weather' } });
    expect(message.toolDeltas[0]).toMatchObject({ index: 0, name: 'weather', arguments: '' });
    expect(JSON.parse(message.toolCalls[0].function.arguments)).toEqual({ location: 'San Francisco' });
    expect(message.finishReason).toBe('tool_calls');
    expect(message.providerData).toEqual({ gemini: { tool_call_signatures: { [message.toolCalls[0].id]: expect.stringMatching(/^EqUCCqIC/) } } });
  });

  it('replays vercel-ai google-stream-no-args-tool-call.chunks.txt: four calls, one without arguments, thoughts as reasoning', () => {
    const message = accumulate(streamOf(chunkLines('vercel-ai/google-stream-no-args-tool-call.chunks.txt')));
    expect(message.reasoning).toMatch(/^\*\*Processing User Requests\*\*/);
    expect(message.toolCalls.map((c) => c.function.name)).toEqual(['read_theme', 'read_screen', 'read_screen', 'read_screen']);
    expect(message.toolCalls.map((c) => JSON.parse(c.function.arguments))).toEqual([{}, { id: 'A' }, { id: 'B' }, { id: 'C' }]);
    expect(new Set(message.toolCalls.map((c) => c.id)).size).toBe(4);
    // Each call's first fragment names it (the accumulator refuses a later one that does).
    for (const index of [0, 1, 2, 3]) expect(message.toolDeltas.find((d) => d.index === index)?.name).toMatch(/^read_/);
    expect(message.finishReason).toBe('tool_calls');
  });

  it('replays vercel-ai google-stream-tool-call-arguments.chunks.txt: streamed partial arguments assembled per call', () => {
    const message = accumulate(streamOf(chunkLines('vercel-ai/google-stream-tool-call-arguments.chunks.txt')));
    expect(message.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['getWeather', { location: 'Boston' }],
      ['getWeather', { location: 'San Francisco' }],
    ]);
    expect(message.finishReason).toBe('tool_calls');
  });

  it('replays js-genai streamed function-call arguments (Vertex): one call with every argument', () => {
    const [interaction] = genaiRecording(
      'Client_Tests_generateContentStream_partial_function_calling_Vertex_AI_should_stream_generate_content_enabled_streamFunctionCallArguments',
    );
    const chunks = streamOf(interaction.response.bodySegments, 'gemini-3-pro-preview');
    const message = accumulate(chunks);
    expect(message.toolCalls).toHaveLength(1);
    expect(message.toolCalls[0].function.name).toBe('getCurrentWeather');
    expect(JSON.parse(message.toolCalls[0].function.arguments)).toEqual({ country: 'USA', location: 'NewYorkCity', purpose: 'to know what to wear today', unit: 'C' });
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 36, completion_tokens: 126, total_tokens: 162 });
  });

  it('replays js-genai text and function-calling streams', () => {
    const [text] = genaiRecording('Chats_Tests_sendMessage_Google_AI_with_text_stream');
    const textMessage = accumulate(streamOf(text.response.bodySegments));
    const expected = (text.response.bodySegments as GeminiResponse[]).map((e) => e.candidates?.[0].content?.parts?.[0].text).join('');
    expect(textMessage.content).toBe(expected);
    expect(textMessage.finishReason).toBe('stop');

    const [first, second] = genaiRecording('Chats_Tests_chats_function_calling_Google_AI_with_function_calling_stream');
    expect(accumulate(streamOf(first.response.bodySegments)).toolCalls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ denominator: 2, numerator: 100 }]);
    expect(accumulate(streamOf(second.response.bodySegments)).toolCalls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ denominator: 2, numerator: 50 }]);
  });

  it('leaves the usage chunk out when the caller turned it off', () => {
    const state = createStreamState('gemini-2.5-flash', P, false);
    const events = chunkLines<GeminiResponse>('vercel-ai/google-text.chunks.txt');
    const chunks = [...events.flatMap((e) => convertStreamEvent(e, state)), ...finishStream(state)];
    expect(chunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });
});

describe('gemini streamed argument paths', () => {
  it('parses dotted, indexed and quoted JSON paths, and refuses __proto__', () => {
    expect(parseJsonPath("$.a.b[2]['c d']", P)).toEqual(['a', 'b', 2, 'c d']);
    expect(() => parseJsonPath('$.__proto__.x', P)).toThrow(/cannot read/);
    expect(() => parseJsonPath('a.b', P)).toThrow(/cannot read/);
  });

  it('assembles nested values and strings that arrive in pieces', () => {
    const state = startPartialArgs({ fixed: true });
    applyPartialArgs(state, [{ jsonPath: '$.place.city', stringValue: 'New ', willContinue: true }], P);
    applyPartialArgs(state, [{ jsonPath: '$.place.city', stringValue: 'York' }], P);
    applyPartialArgs(state, [{ jsonPath: '$.days[0]', numberValue: 1 }, { jsonPath: '$.days[1]', numberValue: 2 }, { jsonPath: '$.metric', boolValue: false }, { jsonPath: '$.note', nullValue: 'NULL_VALUE' }], P);
    expect(state.args).toEqual({ fixed: true, place: { city: 'New York' }, days: [1, 2], metric: false, note: null });
  });
});

describe('gemini errors and options', () => {
  it('replays vercel-ai google-429-retry-info.json: RateLimitError waiting as RetryInfo says', () => {
    const body = fixtureText('vercel-ai/google-429-retry-info.json');
    const error = mapGeminiError(Object.assign(new Error(body), { name: 'ApiError', status: 429 }), P, false);
    expect(error).toMatchObject({ name: 'RateLimitError', status: 429, retryAfterMs: 34400, code: 'RESOURCE_EXHAUSTED', provider: P });
    expect(error.message).toBe('You exceeded your current quota, please check your plan.');
  });

  it('maps an over-long prompt (400 INVALID_ARGUMENT) to ContextLengthExceededError', () => {
    const body = JSON.stringify({ error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } });
    const error = mapGeminiError(Object.assign(new Error(body), { name: 'ApiError', status: 400 }), P, false);
    expect(error.name).toBe('ContextLengthExceededError');
    expect(error.message).toMatch(/^The input token count/);
  });

  it('maps a rejected API key (400 API_KEY_INVALID) to AuthenticationError and the rest by status', () => {
    const body = JSON.stringify({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } });
    expect(mapGeminiError(Object.assign(new Error(body), { name: 'ApiError', status: 400 }), P, false).name).toBe('AuthenticationError');
    const other = JSON.stringify({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } });
    expect(mapGeminiError(Object.assign(new Error(other), { name: 'ApiError', status: 503 }), P, false).name).toBe('ProviderError');
  });

  it('reads protobuf durations and API base URLs', () => {
    expect(parseRetryDelay('7s')).toBe(7000);
    expect(parseRetryDelay('0.5s')).toBe(500);
    expect(parseRetryDelay('soon')).toBeUndefined();
    expect(splitApiBase('http://127.0.0.1:9/v1beta/')).toEqual({ baseUrl: 'http://127.0.0.1:9', apiVersion: 'v1beta' });
    expect(splitApiBase('https://generativelanguage.googleapis.com')).toEqual({ baseUrl: 'https://generativelanguage.googleapis.com' });
  });
});

describe("gemini: openai-node's newer shapes are mapped or refused, never dropped", () => {
  const fn = (name: string) => ({ type: 'function' as const, function: { name } });
  it.each([
    ['required', 'ANY'],
    ['auto', 'VALIDATED'],
  ] as const)('allowed_tools in %s mode → allowedFunctionNames with %s', (mode, expected) => {
    const request = convertParams(
      params({ tools: [fn('a'), fn('b'), fn('c')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode, tools: [fn('a'), fn('c')] } } }),
      P,
    );
    expect(request.config?.toolConfig).toEqual({ functionCallingConfig: { mode: expected, allowedFunctionNames: ['a', 'c'] } });
  });

  it.each<[string, Partial<CompletionParams>]>([
    ['tools[0]', { tools: [{ type: 'custom', custom: { name: 'sql' } }] }],
    ['tool_choice', { tools: [fn('f')], tool_choice: { type: 'custom', custom: { name: 'sql' } } }],
    ['messages[0].content[0].image_url.detail', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'original' } }] }] }],
    ['messages[1].role', { messages: [user('Hi'), { role: 'function', name: 'f', content: '1' }] }],
    ['messages[1].function_call', { messages: [user('Hi'), { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }] }],
    ['stream_options.include_obfuscation', { stream_options: { include_obfuscation: true } }],
    ['reasoning_effort', { reasoning_effort: 'max' }],
  ])('refuses %s', (parameter, extra) => {
    expect(() => convertParams(params(extra), P)).toThrow(expect.objectContaining({ parameter }));
    expect(() => convertParams(params(extra), P)).toThrow(UnsupportedParameterError);
  });

  it('sends a refusal part of an earlier turn back as model text', () => {
    const { contents } = convertMessages([user('Q'), { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] }, user('Q2')], P);
    expect(contents[1]).toEqual({ role: 'model', parts: [{ text: 'No.' }] });
  });
});
