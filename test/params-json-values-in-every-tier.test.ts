// A call's params and answers are JSON values in every tier. A worker's port clones structures, a
// stdio line carries JSON: what JSON drops (a function, as an SDK helper's object may hold) is
// dropped in each, as the provider's SDK drops it; an object of a class goes as its toJSON (a
// port's clone kept its fields: a Buffer reached upstream as {"0":1,"1":2} from a worker alone,
// and an app's BigInt.prototype.toJSON, which the worker's isolate lacks, failed the call there);
// what JSON cannot carry (a BigInt, a cycle) fails the call with an InvalidRequestError naming
// where, before anything is sent upstream; and an answer nested deeper than structured clone's
// stack arrives (the sandbox refuses one past its nesting cap). Before, the port dropped what it
// could not clone without a word, and the call waited for ever; over stdio a BigInt threw out of
// the host's code.
import { describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError, PluginProtocolError, type AnyLLMOptions, type CompletionParams } from 'anyllm';
import type { LocalServer } from './support/local-server.js';
import { sendJson, sendSse } from './support/local-server.js';
import { onChat } from './support/openai-wire.js';
import { TIERS } from './support/registered-copy.js';
import { serverForFile } from './support/server-for-file.js';

let server!: LocalServer;
const open = serverForFile((started) => {
  server = started;
  onChat(server, (request, res) => {
    const body = request.body as { stream?: boolean; model?: string };
    const deep = body.model === 'deep' ? nested(DEPTH) : null;
    if (body.stream) {
      const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, logprobs: deep, finish_reason: null }] };
      void sendSse(res, [`data: ${JSON.stringify(chunk)}`, 'data: [DONE]']);
      return;
    }
    sendJson(res, 200, {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, logprobs: deep, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
});

/** Deeper than structured clone walks on a thread's stack (it throws a RangeError near 10,000). */
const DEPTH = 30_000;
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}
function depthOf(value: unknown): number {
  let depth = 0;
  for (let at = value; Array.isArray(at); at = at[0] as unknown) depth++;
  return depth;
}

const messages = [{ role: 'user' as const, content: 'x' }];
/** A value type as money and date libraries write them: fields of its own, its JSON from its class. */
class Money {
  readonly cents: number;
  constructor(cents: number) {
    this.cents = cents;
  }
  toJSON(): string {
    return (this.cents / 100).toFixed(2);
  }
}

async function client(options: AnyLLMOptions): Promise<AnyLLM> {
  const llm = await AnyLLM.create('openai', { apiKey: 'sk-json', apiBase: `${server.origin}/v1`, retry: false, ...options });
  open.push(llm);
  return llm;
}

describe.each(TIERS)('params and answers as JSON values, %s tier', (_tier, options) => {
  it('drops a function member, as the SDK does when it sends the body, and the call is served', async () => {
    const llm = await client(options);
    const before = server.requests.length;
    // What openai-node's helpers and AI-SDK-style tools leave on a params object.
    const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object' } }, execute: () => 'ran' };
    const params = { model: 'm', messages, tools: [tool], $parse: (text: string) => text } as unknown as CompletionParams;
    const result = await llm.completion(params);
    expect(result.choices[0]?.message.content).toBe('hi');
    const sent = server.requests.slice(before).map((r) => r.body as Record<string, unknown>);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('$parse');
    expect(sent[0]?.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]);
  });

  it('refuses a BigInt with InvalidRequestError naming its path, sending nothing upstream; the client goes on', async () => {
    const llm = await client(options);
    const before = server.requests.length;
    const params = { model: 'm', messages, metadata: { budget: 10n } } as unknown as CompletionParams;
    const streamed = async () => {
      for await (const chunk of llm.completionStream(params)) void chunk;
    };
    for (const call of [() => llm.completion(params), streamed]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error).toMatchObject({ code: 'unencodable_params', provider: 'openai' });
      expect((error as Error).message).toMatch(/params\.metadata\.budget is a BigInt/);
    }
    expect(server.requests.length).toBe(before);
    expect((await llm.completion({ model: 'm', messages })).choices[0]?.message.content).toBe('hi');
  });

  it('refuses a cycle with InvalidRequestError naming where it closes, sending nothing upstream', async () => {
    const llm = await client(options);
    const before = server.requests.length;
    const schema: Record<string, unknown> = { type: 'object' };
    schema.self = schema;
    const params = { model: 'm', messages, tools: [{ type: 'function', function: { name: 'f', parameters: schema } }] } as CompletionParams;
    const error = await llm.completion(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ code: 'unencodable_params' });
    expect((error as Error).message).toMatch(/params\.tools\[0\]\.function\.parameters\.self refers back to params\.tools\[0\]\.function\.parameters/);
    expect(server.requests.length).toBe(before);
  });


  it('sends objects of a class as their toJSON (a Buffer, a money or date library\'s object), as JSON.stringify writes them', async () => {
    const llm = await client(options);
    const metadata = { price: new Money(150), bytes: Buffer.from([1, 2]), when: new Date(0) };
    const params = { model: 'm', messages: [{ role: 'user', content: 'x' }], metadata } as unknown as CompletionParams;
    const before = server.requests.length;
    expect((await llm.completion(params)).choices[0]?.message.content).toBe('hi');
    const sent = server.requests.slice(before).map((r) => (r.body as { metadata?: unknown }).metadata);
    expect(sent).toEqual([JSON.parse(JSON.stringify(metadata))]);
    expect(sent[0]).toEqual({ price: '1.50', bytes: { type: 'Buffer', data: [1, 2] }, when: '1970-01-01T00:00:00.000Z' });
  });

  // Apps install it so JSON.stringify writes their BigInts; the host's JSON has it, a worker's
  // isolate does not: the worker's SDK threw on the cloned BigInt (an InvalidRequestError).
  it("sends a BigInt through the app's BigInt.prototype.toJSON, as the host's JSON.stringify writes it", async () => {
    const llm = await client(options);
    const proto = BigInt.prototype as { toJSON?: () => string };
    proto.toJSON = function (this: bigint) {
      return this.toString();
    };
    try {
      const params = { model: 'm', messages: [{ role: 'user', content: 'x' }], metadata: { budget: 10n } } as unknown as CompletionParams;
      const before = server.requests.length;
      expect((await llm.completion(params)).choices[0]?.message.content).toBe('hi');
      expect(server.requests.slice(before).map((r) => (r.body as { metadata?: unknown }).metadata)).toEqual([{ budget: '10' }]);
    } finally {
      delete proto.toJSON;
    }
  });
});

describe.each(TIERS.slice(0, 2))('an answer deeper than structured clone walks, %s tier', (_tier, options) => {
  it(`carries an answer and a chunk nested ${DEPTH} deep, and the next call is served`, async () => {
    const llm = await client(options);
    const result = await llm.completion({ model: 'deep', messages });
    expect(depthOf(result.choices[0]?.logprobs)).toBe(DEPTH);
    const chunks = [];
    for await (const chunk of llm.completionStream({ model: 'deep', messages })) chunks.push(chunk);
    expect(depthOf(chunks[0]?.choices[0]?.logprobs)).toBe(DEPTH);
    expect((await llm.completion({ model: 'm', messages })).choices[0]?.message.content).toBe('hi');
  });
});

// The sandbox's host holds an untrusted plugin's messages to 64 levels (json-bounds.ts): the same
// answer is refused as the plugin breaking the protocol, and its replacement serves the next call.
describe.each(TIERS.slice(2))('an answer deeper than the sandbox allows, %s tier', (_tier, options) => {
  it('fails the call with PluginProtocolError, and the next call is served', async () => {
    const llm = await client(options);
    const error = await llm.completion({ model: 'deep', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginProtocolError);
    expect((error as Error).message).toMatch(/nested deeper than 64/);
    expect((await llm.completion({ model: 'm', messages })).choices[0]?.message.content).toBe('hi');
  });
});
