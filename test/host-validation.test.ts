// Bad params are refused in the host, with InvalidRequestError naming the field, before any plugin
// starts and before anything is sent upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { AnyLLM, InvalidRequestError, registerPlugin, UnsupportedParameterError, type CompletionParams } from 'anyllm';
import { LocalServer } from './support/local-server.js';

let server: LocalServer;
let llm: AnyLLM;
const ok = [{ role: 'user', content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: `${server.origin}/v1` });
});
afterAll(async () => {
  await llm.close();
  await server.close();
});

const cases: [string, unknown, RegExp][] = [
  ['no params', undefined, /'params' must be an object/],
  ['no model', { messages: ok }, /'model' must be a non-empty string/],
  ['an empty model', { model: ' ', messages: ok }, /'model'/],
  ['a numeric model', { model: 4, messages: ok }, /'model'/],
  ['no messages', { model: 'm' }, /'messages' must be an array/],
  ['empty messages', { model: 'm', messages: [] }, /'messages' must not be empty/],
  ['a message that is a string', { model: 'm', messages: ['hi'] }, /'messages\[0\]' must be an object/],
  ['an unknown role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, /'messages\[0\].role'/],
  ['a user message without content', { model: 'm', messages: [{ role: 'user' }] }, /'messages\[0\].content' is required/],
  ['content of the wrong type', { model: 'm', messages: [{ role: 'user', content: 7 }] }, /'messages\[0\].content' must be a string or an array/],
  ['an unknown content part', { model: 'm', messages: [{ role: 'user', content: [{ type: 'video' }] }] }, /'messages\[0\].content\[0\].type'/],
  ['an image part without a url', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, /image_url.url/],
  ['a tool message without tool_call_id', { model: 'm', messages: [{ role: 'tool', content: 'r' }] }, /tool_call_id/],
  ['an assistant message with neither content nor tool calls', { model: 'm', messages: [{ role: 'assistant' }] }, /required unless tool_calls/],
  ['a malformed tool call', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: {} } }] }] }, /tool_calls\[0\]/],
  ['temperature as a string', { model: 'm', messages: ok, temperature: '0.5' }, /'temperature' must be a number from 0 to 2/],
  ['temperature out of range', { model: 'm', messages: ok, temperature: 3 }, /'temperature'/],
  ['a fractional max_tokens', { model: 'm', messages: ok, max_tokens: 1.5 }, /'max_tokens' must be a positive integer/],
  ['top_p above 1', { model: 'm', messages: ok, top_p: 1.5 }, /'top_p'/],
  ['stop as a number', { model: 'm', messages: ok, stop: 5 }, /'stop'/],
  ['an unknown reasoning_effort', { model: 'm', messages: ok, reasoning_effort: 'maximum' }, /'reasoning_effort'/],
  ['tools that are not an array', { model: 'm', messages: ok, tools: {} }, /'tools' must be an array/],
  ['a tool without a name', { model: 'm', messages: ok, tools: [{ type: 'function', function: {} }] }, /tools\[0\].function.name/],
  ['a tool_choice naming no tool', { model: 'm', messages: ok, tool_choice: { type: 'function', function: { name: 'f' } } }, /'tool_choice' names the function tool 'f', which is not in 'tools'/],
  ['a bad tool_choice', { model: 'm', messages: ok, tool_choice: 'sometimes' }, /'tool_choice'/],
  ['a required tool_choice without tools', { model: 'm', messages: ok, tool_choice: 'required' }, /'tool_choice' is 'required', but 'tools' is empty/],
  ['a bad response_format', { model: 'm', messages: ok, response_format: { type: 'yaml' } }, /response_format.type/],
  // openai-node's newer shapes are accepted, and malformed ones refused:
  ['a custom tool without a name', { model: 'm', messages: ok, tools: [{ type: 'custom', custom: {} }] }, /tools\[0\].custom.name/],
  ['a custom tool with a bad grammar', { model: 'm', messages: ok, tools: [{ type: 'custom', custom: { name: 'sql', format: { type: 'grammar', grammar: { definition: 'x', syntax: 'peg' } } } }] }, /tools\[0\].custom.format/],
  ['a tool of an unknown type', { model: 'm', messages: ok, tools: [{ type: 'web' }] }, /tools\[0\].type' must be 'function' or 'custom'/],
  ['a custom tool_choice naming a function tool', { model: 'm', messages: ok, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'custom', custom: { name: 'f' } } }, /names the custom tool 'f', which is not in 'tools'/],
  ['allowed_tools with a bad mode', { model: 'm', messages: ok, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'always', tools: [{ type: 'function', function: { name: 'f' } }] } } }, /allowed_tools.mode/],
  ['allowed_tools naming no tool', { model: 'm', messages: ok, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'g' } }] } } }, /allowed_tools.tools\[0\]' names the function tool 'g'/],
  ['allowed_tools with no tools', { model: 'm', messages: ok, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }, /allowed_tools.tools' must be a non-empty array/],
  ['a refusal part in a user message', { model: 'm', messages: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' }] }] }, /'refusal' parts are only allowed in assistant messages/],
  ['a refusal part without text', { model: 'm', messages: [{ role: 'assistant', content: [{ type: 'refusal' }] }] }, /content\[0\].refusal' must be a string/],
  ['an unknown image detail', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'max' } }] }] }, /image_url.detail' must be 'auto', 'low', 'high' or 'original'/],
  ['a malformed prompt_cache_breakpoint', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', prompt_cache_breakpoint: { mode: 'explicit', ttl: '1h' } }] }] }, /prompt_cache_breakpoint/],
  ['a function message without a name', { model: 'm', messages: [{ role: 'function', content: 'r' }] }, /messages\[0\].name' is required for function messages/],
  ['a custom tool call without input', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'sql' } }] }] }, /tool_calls\[0\]/],
  ['a non-boolean include_usage', { model: 'm', messages: ok, stream_options: { include_usage: 'yes' } }, /stream_options.include_usage' must be a boolean/],
  ['a json_schema whose schema is not an object', { model: 'm', messages: ok, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: 'y' } } }, /json_schema.schema' must be a JSON Schema object/],
  ['stream: true in completion()', { model: 'm', messages: ok, stream: true }, /'stream' is chosen by the method/],
];

describe('completion() refuses bad params in the host', () => {
  it.each(cases)('%s', async (_name, params, message) => {
    const error = await llm.completion(params as CompletionParams).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
    expect(llm.running).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe('completionStream() refuses bad params in the host', () => {
  it.each(cases.slice(0, 6))('%s', async (_name, params, message) => {
    const consume = async () => {
      for await (const _ of llm.completionStream(params as CompletionParams)) {
        // not reached
      }
    };
    const error = await consume().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
    expect(llm.running).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe('capabilities a manifest does not claim are refused in the host', () => {
  it('a community plugin without tools, reasoning, images or listModels gets UnsupportedParameterError, and never starts', async () => {
    const name = await registerPlugin(fileURLToPath(new URL('./fixtures/plugins/env-echo/', import.meta.url)), { allowEnv: ['ENV_ECHO_REGION'] });
    const echo = await AnyLLM.create(name, { isolation: 'worker', apiKey: 'echo-key' });
    const tool = { type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } };
    const refused: [string, CompletionParams][] = [
      ['tools', { model: 'm', messages: ok, tools: [tool] } as CompletionParams],
      ['reasoning_effort', { model: 'm', messages: ok, reasoning_effort: 'low' } as CompletionParams],
      ['response_format', { model: 'm', messages: ok, response_format: { type: 'json_object' } } as CompletionParams],
      [
        'messages[0].content[0].image_url',
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] },
      ],
    ];
    for (const [parameter, params] of refused) {
      const error = await echo.completion(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedParameterError);
      expect(error).toMatchObject({ parameter, provider: name });
    }
    await expect(echo.listModels()).rejects.toBeInstanceOf(UnsupportedParameterError);
    expect(echo.running).toBe(false);
    await echo.close();
  });
});

describe('AnyLLM.create() refuses bad supervision options', () => {
  it.each([
    ['an unknown field', { maxCrash: 3 }, /'supervision\.maxCrash' is unknown \(known: maxCrashes/],
    ['a negative interval', { heartbeatIntervalMs: -1 }, /'supervision\.heartbeatIntervalMs' must be a number >= 0/],
    ['a zero window', { streamWindow: 0 }, /'supervision\.streamWindow' must be a number >= 1/],
    ['not an object', 5, /'supervision' must be an object/],
  ])('%s', async (_name, supervision, message) => {
    const error = await AnyLLM.create('openai', { apiKey: 'sk-test', supervision: supervision as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(message);
  });
});
