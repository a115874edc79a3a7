// The signed items a stream carries are sent once, on its finishing chunk (red13-provider-data);
// a stream that ends without a finish reason still hands them over, on a closing chunk.
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../src/types.js';
import { convertStreamEvent as anthropicEvent, createStreamState as anthropicState } from '../plugins/anthropic/convert-stream.js';
import { convertStreamEvent as geminiEvent, createStreamState as geminiState, finishStream as geminiFinish } from '../plugins/gemini/stream.js';
import type { AnthropicStreamEvent } from '../plugins/anthropic/wire-types.js';
import type { GeminiResponse } from '../plugins/gemini/wire.js';

const carrying = (chunks: ChatCompletionChunk[]) => chunks.flatMap((c) => c.choices.flatMap((choice) => (choice.delta.provider_data ? [[choice.delta.provider_data, choice.finish_reason]] : [])));

describe('provider_data when a stream ends without a finish reason', () => {
  it('anthropic: message_stop after no stop reason hands the thinking over before the usage', () => {
    const state = anthropicState({ created: 1 });
    const events = [
      { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hm.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ] as unknown as AnthropicStreamEvent[];
    const chunks = events.flatMap((event) => anthropicEvent(event, state));
    expect(carrying(chunks)).toEqual([[{ anthropic: { thinking: [{ type: 'thinking', thinking: 'Hm.', signature: 'sig' }] } }, null]]);
    expect(chunks.at(-1)?.usage).toBeDefined();
  });

  it('gemini: finishStream hands over signatures of a candidate that never finished, once', () => {
    const state = geminiState('gemini-3-pro-preview', 'gemini', false);
    const event = { responseId: 'r', candidates: [{ index: 0, content: { role: 'model', parts: [{ text: 'Hi', thoughtSignature: 'sigT' }] } }] } as GeminiResponse;
    expect(carrying(geminiEvent(event, state))).toEqual([]);
    expect(carrying(geminiFinish(state))).toEqual([[{ gemini: { text_signature: 'sigT' } }, null]]);
    expect(geminiFinish(state)).toEqual([]);
  });
});
