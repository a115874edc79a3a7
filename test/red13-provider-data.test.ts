// What a provider needs back next turn (signed thinking, thought signatures) rides on
// `delta.provider_data`, each one holding everything so far. Anthropic's, Gemini's and Bedrock's
// converters sent it again every time one more signed item arrived, so a server that streamed
// many small signed items (2 000 thinking blocks, 2 000 signed function calls, 2 000 signed
// reasoning blocks) made the chunks grow with the square of the stream: ~500 times the bytes the
// server sent, serialised by the plugin, decoded by the host and handed to the caller. Sent once
// now, on the choice's last chunk (the one whose provider_data is the message's).
import { describe, expect, it } from 'vitest';
import { AnyLLM, ChunkAccumulator, type ChatCompletionChunk, type CompletionParams } from 'anyllm';
import { eventsFor, onMessages, streamEvents as anthropicEvents, wireMessage, type WireBlock } from './support/anthropic-wire.js';
import { eventFrame, sendEventStream } from './support/bedrock-wire.js';
import { geminiResponse, onStream, streamEvents as geminiEvents } from './support/gemini-wire.js';
import { LocalServer } from './support/local-server.js';
import { serverForFile } from './support/server-for-file.js';

const N = 2000;
let server!: LocalServer;
const open = serverForFile((started) => (server = started));
/** Bytes of the body the server last streamed. */
let wireBytes = 0;

interface Outcome {
  received: number;
  carrying: number;
  message: ReturnType<ChunkAccumulator['toChatCompletion']>['choices'][number]['message'];
}

async function read(llm: AnyLLM, params: CompletionParams): Promise<Outcome> {
  open.push(llm);
  const accumulator = new ChunkAccumulator();
  let received = 0;
  let carrying = 0;
  for await (const chunk of llm.completionStream(params)) {
    received += JSON.stringify(chunk).length;
    if (chunk.choices.some((choice) => choice.delta.provider_data !== undefined)) carrying++;
    accumulator.add(chunk as ChatCompletionChunk);
  }
  return { received, carrying, message: accumulator.toChatCompletion().choices[0].message };
}

const ask = [{ role: 'user' as const, content: 'Think.' }];

describe('provider_data over a long stream of signed items', () => {
  it('anthropic: 2 000 signed thinking blocks reach the caller in linear bytes, all on the last provider_data', async () => {
    const blocks: WireBlock[] = Array.from({ length: N }, (_, i) => ({ type: 'thinking', thinking: `Step ${i}.`, signature: `sig-${i}` }));
    const events = eventsFor(wireMessage([...blocks, { type: 'text', text: 'Done' }]), 64);
    wireBytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    onMessages(server, (_req, res) => anthropicEvents(res, events));
    const llm = await AnyLLM.create('anthropic', { apiKey: 'test-key', apiBase: server.origin, retry: false });
    const { received, carrying, message } = await read(llm, { model: 'claude-haiku-4-5', messages: ask, max_tokens: 100 });
    expect(message.provider_data).toEqual({ anthropic: { thinking: blocks } });
    expect(message.content).toBe('Done');
    expect(received).toBeLessThan(3 * wireBytes);
    expect(carrying).toBe(1);
  });

  it('gemini: 2 000 signed function calls reach the caller in linear bytes, all on the last provider_data', async () => {
    const events = [
      ...Array.from({ length: N }, (_, i) => geminiResponse([{ functionCall: { name: 'f', args: { i } }, thoughtSignature: `sig-${i}` }])),
      geminiResponse([], { finishReason: 'STOP' }),
    ];
    wireBytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    onStream(server, 'gemini-3-pro-preview', (_req, res) => geminiEvents(res, events));
    const llm = await AnyLLM.create('gemini', { apiKey: 'gm-test-key', apiBase: server.origin, retry: false });
    const { received, carrying, message } = await read(llm, { model: 'gemini-3-pro-preview', messages: ask });
    const calls = message.tool_calls ?? [];
    expect(calls).toHaveLength(N);
    const signatures = (message.provider_data as { gemini: { tool_call_signatures: Record<string, string> } }).gemini.tool_call_signatures;
    expect(Object.keys(signatures)).toHaveLength(N);
    expect(calls.map((call) => signatures[call.id])).toEqual(Array.from({ length: N }, (_, i) => `sig-${i}`));
    expect(received).toBeLessThan(3 * wireBytes);
    expect(carrying).toBe(1);
  });

  it('bedrock: 2 000 signed reasoning blocks reach the caller in linear bytes, all on the last provider_data', async () => {
    const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
    const frames: Uint8Array[] = [eventFrame('messageStart', { role: 'assistant' })];
    const reasoning: { text: string; signature: string }[] = [];
    for (let i = 0; i < N; i++) {
      reasoning.push({ text: `Step ${i}.`, signature: `sig-${i}` });
      frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: i, delta: { reasoningContent: { text: `Step ${i}.` } } }));
      frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: i, delta: { reasoningContent: { signature: `sig-${i}` } } }));
      frames.push(eventFrame('contentBlockStop', { contentBlockIndex: i }));
    }
    frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: N, delta: { text: 'Done' } }));
    frames.push(eventFrame('messageStop', { stopReason: 'end_turn' }));
    wireBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
    server.on('POST', `/model/${encodeURIComponent(MODEL)}/converse-stream`, (_req, res) => sendEventStream(res, frames));
    const llm = await AnyLLM.create('bedrock', {
      apiBase: server.origin,
      credentials: { accessKeyId: 'AKIATESTKEY', secretAccessKey: 'test/secret+key', region: 'eu-west-3' },
      retry: false,
    });
    const { received, carrying, message } = await read(llm, { model: MODEL, messages: ask });
    expect(message.provider_data).toEqual({ bedrock: { reasoning } });
    expect(message.content).toBe('Done');
    expect(received).toBeLessThan(3 * wireBytes);
    expect(carrying).toBe(1);
  });
});
