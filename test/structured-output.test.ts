// Structured output through the public API: a zod 4 or valibot schema as `response_format`, against
// a local server speaking OpenAI's wire format.
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import * as v from 'valibot';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { zodResponseFormat } from 'openai/helpers/zod';
import { AnyLLM, completion, InvalidRequestError, StructuredOutputError, type CompletionParams } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, streamChunks, textChunk } from './support/openai-wire.js';

let server: LocalServer;
let llm: AnyLLM;
const messages: CompletionParams['messages'] = [{ role: 'user', content: 'Weather in Paris?' }];
const Weather = z.object({ city: z.string(), temperature_c: z.number() });
/** What the model must write for `Weather`, as the provider gets it (strict: closed objects, no `$schema`). */
const weatherJsonSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature_c: { type: 'number' } },
  required: ['city', 'temperature_c'],
  additionalProperties: false,
};

/** Replies with `message` (merged into an assistant message) and `finish_reason`. */
function reply(message: Record<string, unknown>, finish = 'stop'): void {
  onChat(server, (_req, res) =>
    sendJson(res, 200, completionBody('', { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...message }, logprobs: null, finish_reason: finish }] })),
  );
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('it resolved'),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

describe('structured output with zod 4', () => {
  it('sends the JSON Schema as json_schema and returns the reply parsed and typed', async () => {
    reply({ content: '{"city":"Paris","temperature_c":21}' });
    const res = await llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather });
    expect(res.choices[0].message.parsed).toEqual({ city: 'Paris', temperature_c: 21 });
    expect(res.choices[0].message.content).toBe('{"city":"Paris","temperature_c":21}');
    expectTypeOf(res.choices[0].message.parsed).toEqualTypeOf<{ city: string; temperature_c: number } | null>();
    expect((server.requests[0].body as { response_format: unknown }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', strict: true, schema: weatherJsonSchema },
    });
  });

  it("gives the model the schema's input and the caller its output (transforms run)", async () => {
    const Event = z.object({ title: z.string(), at: z.string().transform((s) => new Date(s)) });
    reply({ content: '{"title":"Launch","at":"2025-01-02T03:04:05Z"}' });
    const res = await llm.completion({ model: 'gpt-4o-mini', messages, response_format: Event });
    const parsed = res.choices[0].message.parsed;
    expectTypeOf(parsed).toEqualTypeOf<{ title: string; at: Date } | null>();
    expect(parsed?.at).toBeInstanceOf(Date);
    expect(parsed?.at.toISOString()).toBe('2025-01-02T03:04:05.000Z');
    const sent = (server.requests[0].body as { response_format: { json_schema: { schema: { properties: unknown } } } }).response_format;
    expect(sent.json_schema.schema.properties).toEqual({ title: { type: 'string' }, at: { type: 'string' } });
  });

  it('takes the name, description and strict from a json_schema format holding the schema', async () => {
    const Loose = z.object({ city: z.string(), note: z.object({ text: z.string() }) });
    reply({ content: '{"city":"Paris","note":{"text":"sunny"}}' });
    const res = await llm.completion({
      model: 'gpt-4o-mini',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'weather_report', description: 'A report', schema: Loose, strict: false } },
    });
    expectTypeOf(res.choices[0].message.parsed).toEqualTypeOf<{ city: string; note: { text: string } } | null>();
    expect(res.choices[0].message.parsed?.note.text).toBe('sunny');
    const format = (server.requests[0].body as { response_format: { json_schema: Record<string, unknown> } }).response_format.json_schema;
    expect(format).toMatchObject({ name: 'weather_report', description: 'A report', strict: false });
    // Not strict: the schema goes as the library wrote it (no additionalProperties added).
    expect(JSON.stringify(format.schema)).not.toContain('additionalProperties');
  });

  it('closes nested objects for strict mode', async () => {
    const Nested = z.object({ place: z.object({ city: z.string() }), tags: z.array(z.object({ name: z.string() })) });
    reply({ content: '{"place":{"city":"Paris"},"tags":[{"name":"a"}]}' });
    await llm.completion({ model: 'gpt-4o-mini', messages, response_format: Nested });
    const schema = (server.requests[0].body as { response_format: { json_schema: { schema: Record<string, any> } } }).response_format.json_schema.schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.place.additionalProperties).toBe(false);
    expect(schema.properties.tags.items.additionalProperties).toBe(false);
  });

  it('the top-level completion() parses too', async () => {
    reply({ content: '{"city":"Oslo","temperature_c":-3}' });
    const res = await completion({ model: 'openai:gpt-4o-mini', messages, response_format: Weather }, { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
    expectTypeOf(res.choices[0].message.parsed).toEqualTypeOf<{ city: string; temperature_c: number } | null>();
    expect(res.choices[0].message.parsed).toEqual({ city: 'Oslo', temperature_c: -3 });
  });

  it('leaves parsed null when the model called a tool instead of answering', async () => {
    reply({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] }, 'tool_calls');
    const res = await llm.completion({
      model: 'gpt-4o-mini',
      messages,
      response_format: Weather,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    expect(res.choices[0].message.parsed).toBeNull();
    expect(res.choices[0].message.tool_calls?.[0]).toMatchObject({ id: 'call_1' });
  });

  it("openai's zodResponseFormat() is sent as the json_schema format it is, and not parsed", async () => {
    reply({ content: '{"city":"Paris","temperature_c":21}' });
    const format = zodResponseFormat(Weather, 'weather');
    const res = await llm.completion({ model: 'gpt-4o-mini', messages, response_format: format });
    expect((server.requests[0].body as { response_format: unknown }).response_format).toEqual(JSON.parse(JSON.stringify(format)));
    expect(res.choices[0].message).not.toHaveProperty('parsed');
  });
});

describe('structured output with valibot', () => {
  const ValibotWeather = toStandardJsonSchema(v.object({ city: v.string(), temperature_c: v.number() }));

  it('parses and types the reply of a schema wrapped in toStandardJsonSchema()', async () => {
    reply({ content: '{"city":"Rome","temperature_c":30}' });
    const res = await llm.completion({ model: 'gpt-4o-mini', messages, response_format: ValibotWeather });
    expectTypeOf(res.choices[0].message.parsed).toEqualTypeOf<{ city: string; temperature_c: number } | null>();
    expect(res.choices[0].message.parsed).toEqual({ city: 'Rome', temperature_c: 30 });
    expect((server.requests[0].body as { response_format: unknown }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', strict: true, schema: weatherJsonSchema },
    });
  });

  it('refuses a bare valibot schema (no JSON Schema converter) before anything is sent, saying how to wrap it', async () => {
    const bare = v.object({ city: v.string() });
    const error = await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: bare as never }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/valibot schema without a JSON Schema converter.*toStandardJsonSchema\(\) from '@valibot\/to-json-schema'/);
    expect(server.requests).toHaveLength(0);
  });

  it('a schema mismatch carries valibot’s issues', async () => {
    reply({ content: '{"city":"Rome","temperature_c":"hot"}' });
    const error = (await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: ValibotWeather }))) as StructuredOutputError;
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect(error.code).toBe('schema_mismatch');
    expect(error.issues.map((issue) => issue.path?.map((p) => (typeof p === 'object' ? p.key : p)))).toEqual([['temperature_c']]);
    expect(error.message).toMatch(/temperature_c: Invalid type/);
  });
});

describe('each failure mode rejects with StructuredOutputError', () => {
  it('a reply that is not JSON: the raw text and the finish reason', async () => {
    reply({ content: 'Sure! {"city": "Paris"' });
    const error = (await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather }))) as StructuredOutputError;
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect(error).toMatchObject({ code: 'invalid_json', text: 'Sure! {"city": "Paris"', finishReason: 'stop', issues: [] });
    expect(error.completion?.usage?.total_tokens).toBe(8);
    expect(error.message).toMatch(/not JSON/);
  });

  it("JSON that does not match the schema: the schema's issues, with paths", async () => {
    reply({ content: '{"city":42}' });
    const error = (await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather }))) as StructuredOutputError;
    expect(error).toMatchObject({ code: 'schema_mismatch', text: '{"city":42}', finishReason: 'stop' });
    expect(error.issues.map((issue) => issue.path)).toEqual([['city'], ['temperature_c']]);
    expect(error.message).toMatch(/city: Invalid input: expected string/);
  });

  it("a reply cut off at the token limit (finish_reason 'length'), even when what came parses", async () => {
    reply({ content: '{"city":"Paris","temperature_c":2' }, 'length');
    const error = (await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather }))) as StructuredOutputError;
    expect(error).toMatchObject({ code: 'length', finishReason: 'length', text: '{"city":"Paris","temperature_c":2' });
    expect(error.message).toMatch(/max_tokens/);
  });

  it('a refusal: its text', async () => {
    reply({ content: null, refusal: "I can't help with that." });
    const error = (await rejection(llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather }))) as StructuredOutputError;
    expect(error).toMatchObject({ code: 'refusal', refusal: "I can't help with that.", text: null, finishReason: 'stop' });
  });
});

describe('structured output in a stream', () => {
  const jsonStream = (pieces: string[], finish: string) => [
    textChunk(''),
    ...pieces.map((piece) => textChunk(piece)),
    { ...textChunk(''), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }] },
    { ...textChunk(''), choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } },
  ];

  it('finalChatCompletion() carries parsed, typed by the schema', async () => {
    onChat(server, (_req, res) => streamChunks(res, jsonStream(['{"city":', '"Lima",', '"temperature_c":', '18}'], 'stop')));
    const stream = llm.completionStream({ model: 'gpt-4o-mini', messages, response_format: Weather, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expectTypeOf(final.choices[0].message.parsed).toEqualTypeOf<{ city: string; temperature_c: number } | null>();
    expect(final.choices[0].message.parsed).toEqual({ city: 'Lima', temperature_c: 18 });
    expect(final.usage?.total_tokens).toBe(14);
    expect((server.requests[0].body as { response_format: { type: string } }).response_format.type).toBe('json_schema');
  });

  it("finalChatCompletion() rejects with StructuredOutputError for a stream cut off at 'length'", async () => {
    onChat(server, (_req, res) => streamChunks(res, jsonStream(['{"city":', '"Li'], 'length')));
    const error = (await rejection(llm.completionStream({ model: 'gpt-4o-mini', messages, response_format: Weather }).finalChatCompletion())) as StructuredOutputError;
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect(error).toMatchObject({ code: 'length', text: '{"city":"Li' });
  });
});
