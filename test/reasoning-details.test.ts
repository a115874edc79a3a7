// OpenRouter's reasoning_details (the signed reasoning of the Anthropic and Gemini models behind it)
// come back in provider_data and go back on the next turn, streamed and not, against OpenRouter's
// wire: the recorded stream (pydantic-ai cassette) and a JSON body.
import { afterEach, describe, expect, it } from 'vitest';
import { AnyLLM, type ChatMessage } from 'anyllm';
import { accumulateStream } from './support/accumulate.js';
import { LocalServer, sendJson } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';
import { completionBody, onChat } from './support/openai-wire.js';
import { cassette } from './support/replay.js';

let server!: LocalServer;
const open = serverForFile((started) => (server = started));
afterEach(() => {
  server.requests.length = 0;
});

async function client(provider: string, prefix: string): Promise<AnyLLM> {
  const llm = await AnyLLM.create(provider, { apiKey: 'test-key', apiBase: `${server.origin}${prefix}`, retry: false });
  open.push(llm);
  return llm;
}

const question: ChatMessage = { role: 'user', content: 'What is 2+2?' };

/** The assistant message of the request's history as the server received it. */
function sentAssistant(): Record<string, unknown> {
  const messages = (server.requests.at(-1)?.body as { messages: Record<string, unknown>[] }).messages;
  return messages.find((m) => m.role === 'assistant') as Record<string, unknown>;
}

describe('openrouter: reasoning_details round trip', () => {
  it('streamed: the fragments are merged by index into provider_data, and sent back as reasoning_details', async () => {
    const [interaction] = cassette('pydantic-ai/test_openrouter/test_openrouter_streaming_reasoning.yaml');
    onChat(
      server,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(interaction.response.body?.string);
      },
      '/api/v1',
    );
    const llm = await client('openrouter', '/api/v1');
    const result = await accumulateStream(llm.completionStream({ model: 'anthropic/claude-sonnet-4.5', messages: [question] }));
    const signature = /"signature":"(Et0B[^"]+)"/.exec(interaction.response.body?.string ?? '')?.[1];
    expect(signature).toMatch(/^Et0B/);
    const details = [{ type: 'reasoning.text', text: 'This is a simple arithmetic question. 2+2 equals 4.', signature, format: 'anthropic-claude-v1', index: 0 }];
    expect(result.providerData).toEqual({ reasoning_details: details });
    expect(result.reasoning).toBe('This is a simple arithmetic question. 2+2 equals 4.');
    expect(result.chunks.some((c) => c.choices.some((choice) => 'reasoning_details' in choice.delta))).toBe(false);

    onChat(server, (_req, res) => sendJson(res, 200, completionBody('4, still.')), '/api/v1');
    await llm.completion({ model: 'anthropic/claude-sonnet-4.5', messages: [question, result.message, { role: 'user', content: 'Sure?' }] });
    const assistant = sentAssistant();
    expect(assistant.reasoning_details).toEqual(details);
    expect(assistant).not.toHaveProperty('provider_data');
    expect(assistant).not.toHaveProperty('reasoning');
  });

  it('not streamed: an encrypted Gemini detail comes back in provider_data and goes back unchanged', async () => {
    const details = [{ type: 'reasoning.encrypted', data: 'CiQBjz1rX2...', format: 'google-gemini-v1', index: 0, id: 'tool_1' }];
    const body = completionBody('', {
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, reasoning_details: details, tool_calls: [{ id: 'tool_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    });
    onChat(server, (_req, res) => sendJson(res, 200, body), '/api/v1');
    const llm = await client('openrouter', '/api/v1');
    const response = await llm.completion({ model: 'google/gemini-3-pro-preview', messages: [question] });
    const message = response.choices[0].message;
    expect(message.provider_data).toEqual({ reasoning_details: details });
    expect(message).not.toHaveProperty('reasoning_details');

    await llm.completion({ model: 'google/gemini-3-pro-preview', messages: [question, message, { role: 'tool', tool_call_id: 'tool_1', content: '4' }] });
    expect(sentAssistant().reasoning_details).toEqual(details);
  });

  it('an empty reasoning_details array adds no provider_data', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('4', { choices: [{ index: 0, message: { role: 'assistant', content: '4', reasoning_details: [] }, finish_reason: 'stop' }] })), '/api/v1');
    const message = (await (await client('openrouter', '/api/v1')).completion({ model: 'm', messages: [question] })).choices[0].message;
    expect(message).not.toHaveProperty('provider_data');
    expect(message).not.toHaveProperty('reasoning_details');
  });

  it('a provider that does not take reasoning_details is not sent them', async () => {
    onChat(server, (_req, res) => sendJson(res, 200, completionBody('4')));
    const llm = await client('openai', '/v1');
    const assistant: ChatMessage = { role: 'assistant', content: '4', provider_data: { reasoning_details: [{ type: 'reasoning.text', text: 'x', index: 0 }] } };
    await llm.completion({ model: 'gpt-4o', messages: [question, assistant, { role: 'user', content: 'Sure?' }] });
    expect(Object.keys(sentAssistant()).sort()).toEqual(['content', 'role']);
  });
});
