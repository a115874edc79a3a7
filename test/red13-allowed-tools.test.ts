// The host checks that every `tool_choice.allowed_tools` reference names a tool in `tools`. It
// built the set of tool names again for every reference, so a list as long as `tools` was
// quadratic in the caller's thread before anything was sent: 4 000 tools allowed took 1.2 s,
// 40 000 about two minutes. The set is made once now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnyLLM, InvalidRequestError } from 'anyllm';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';

let server: LocalServer;
let llm: AnyLLM;

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (_req, res) => sendJson(res, 200, completionBody('ok')));
  llm = await AnyLLM.create('openai', { apiKey: 'test-key', apiBase: `${server.origin}/v1`, retry: false });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});

const N = 40_000;
const tools = Array.from({ length: N }, (_, i) => ({ type: 'function' as const, function: { name: `tool_${i}`, parameters: { type: 'object' } } }));
const allowed = (names: string[]) => ({ type: 'allowed_tools' as const, allowed_tools: { mode: 'auto' as const, tools: names.map((name) => ({ type: 'function' as const, function: { name } })) } });

describe('tool_choice.allowed_tools against many tools', () => {
  it('40 000 tools, all allowed: checked and sent', async () => {
    const response = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], tools, tool_choice: allowed(tools.map((t) => t.function.name)) });
    expect(response.choices[0].message.content).toBe('ok');
    expect((server.requests.at(-1)?.body as { tools: unknown[] }).tools).toHaveLength(N);
  });

  it('a reference to a tool that is not there is still refused, naming it', async () => {
    const names = tools.map((t) => t.function.name);
    names[N - 1] = 'missing';
    const error = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], tools, tool_choice: allowed(names) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(new RegExp(`allowed_tools\\.tools\\[${N - 1}\\]' names the function tool 'missing'`));
  });
});
