// A call's params reach upstream as JSON.stringify writes them, in every tier: an object whose class
// has a toJSON (a Buffer, a date or decimal library's object) is sent as its toJSON. The stdio tiers
// wrote the host's JSON line; a worker's port structured-cloned the params, which keeps own fields
// and drops the prototype, so the worker's SDK sent the object's fields instead ({"0":1,"1":2} for a
// Buffer, {"cents":150} for the money below) — unless something elsewhere in the params could not be
// cloned (a URL), which sent the whole message as JSON and the toJSON again. An app's
// BigInt.prototype.toJSON, which the worker's isolate does not have, failed the call there.
import { describe, expect, it } from 'vitest';
import { AnyLLM, type CompletionParams } from 'anyllm';
import { SANDBOX_MODES } from './support/hostile.js';
import type { LocalServer } from './support/local-server.js';
import { sendJson } from './support/local-server.js';
import { onChat } from './support/openai-wire.js';
import { serverForFile } from './support/server-for-file.js';

let server!: LocalServer;
const open = serverForFile((started) => {
  server = started;
  onChat(server, (_request, res) => {
    sendJson(res, 200, {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
});

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

const TIERS = [
  ['worker', { isolation: 'worker' }],
  ['process', { isolation: 'process' }],
  ...SANDBOX_MODES.map((os) => [`sandbox (OS boundary: ${os})`, { isolation: 'sandbox', sandbox: { os } }] as const),
] as const;

describe.each(TIERS)('params with a class toJSON, %s tier', (_tier, options) => {
  it('reach upstream as their JSON, as JSON.stringify writes them', async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-json', apiBase: `${server.origin}/v1`, retry: false, ...options });
    open.push(llm);
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
  it("reach upstream through the app's BigInt.prototype.toJSON, as the host's JSON.stringify writes them", async () => {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-json', apiBase: `${server.origin}/v1`, retry: false, ...options });
    open.push(llm);
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
