// Red team (issue 10, third round): a plugin's usage counts reach `stats().usage`, a running total
// an agent keeps for days. A count that is not a whole number of tokens (a string, a fraction, a
// negative, one past what a sum holds exactly) must never turn the totals into text, NaN or
// Infinity: the sandbox refuses the answer as a protocol violation, and the other tiers (whose
// results are not shape-checked) leave it out of the totals.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, PluginProtocolError, registerPlugin } from 'anyllm';

const messages = [{ role: 'user' as const, content: 'hi' }];
const model = (usage: unknown) => `usage:${JSON.stringify(usage)}`;
const ODD = [
  { prompt_tokens: '5', completion_tokens: 2, total_tokens: 7 },
  { prompt_tokens: 1e308, completion_tokens: 1e308, total_tokens: 1e308 },
  { prompt_tokens: 3, completion_tokens: 0.5, total_tokens: 4 },
  { prompt_tokens: 2 ** 60, completion_tokens: 1, total_tokens: 1 },
  { prompt_tokens: -3, completion_tokens: 1, total_tokens: 1 },
];

describe.each(['worker', 'process', 'sandbox'] as const)('usage counts a plugin reports (%s tier)', (isolation) => {
  let llm: AnyLLM;
  let name: string;
  beforeAll(async () => {
    name = await registerPlugin(fileURLToPath(new URL('./fixtures/plugins/chunk-shapes/', import.meta.url)));
    llm = await AnyLLM.create(name, { isolation, retry: false });
  });
  afterAll(() => llm.close());

  it('keeps the running totals whole numbers of tokens, whatever a plugin reports', async () => {
    const whole = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0);
    const expected = { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 };
    await llm.completion({ model: model({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }), messages });
    for (const usage of ODD) {
      // In the sandbox each refused answer is a violation, which ends the plugin and counts against
      // the client's crash budget: a client of its own for each.
      const client = isolation === 'sandbox' ? await AnyLLM.create(name, { isolation, retry: false }) : llm;
      const outcome = await client.completion({ model: model(usage), messages }).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      if (client !== llm) await client.close();
      // Checked in the sandbox only: there the answer is refused.
      if (isolation === 'sandbox') expect('error' in outcome && outcome.error, JSON.stringify(usage)).toBeInstanceOf(PluginProtocolError);
      else {
        expect('result' in outcome, JSON.stringify(usage)).toBe(true);
        // What the caller got, as the plugin answered it: its whole counts go into the totals.
        const got = ('result' in outcome ? outcome.result.usage : undefined) as Record<string, unknown> | undefined;
        for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) expected[key] += whole(got?.[key]);
      }
    }
    await llm.completion({ model: model({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }), messages });
    const { usage } = llm.stats();
    // The good calls, and of the odd ones only their whole counts; each total a whole number.
    expect(usage).toEqual(expected);
    for (const count of Object.values(usage)) expect(Number.isSafeInteger(count)).toBe(true);
    if (isolation !== 'sandbox') expect(expected.prompt_tokens).toBeGreaterThan(4);
  });
});
