// Cohere's conversions on their own (pure functions), for the cases a wire server rarely sends.
import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../src/errors.js';
import { convertMessages, convertRequest } from '../plugins/cohere/convert-request.js';
import { convertResponse, convertUsage } from '../plugins/cohere/convert-response.js';
import { convertStreamEvent, createStreamState } from '../plugins/cohere/convert-stream.js';

const P = 'cohere';
const model = 'command-a-03-2025';

describe('cohere conversions', () => {
  it('counts billed units when the processed tokens are missing', () => {
    expect(convertUsage({ billed_units: { input_tokens: 4, output_tokens: 6 } })).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    expect(convertUsage(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('reports TOOL_CALL without a usable call as stop, and a call without arguments as {}', () => {
    const none = convertResponse({ id: 'r', finish_reason: 'TOOL_CALL', message: { role: 'assistant', content: [{ type: 'text', text: 'No tool needed.' }] } }, { model, created: 1, provider: P });
    expect(none.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'No tool needed.' } });
    const bare = convertResponse(
      { id: 'r', finish_reason: 'TOOL_CALL', message: { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'now', arguments: '' } }] } },
      { model, created: 1, provider: P },
    );
    expect(bare.choices[0].message).toMatchObject({ content: null, tool_calls: [{ id: 'c1', function: { name: 'now', arguments: '{}' } }] });
  });

  it('keeps tool-call indices per stream: a second call gets index 1, and its fragments follow it', () => {
    const state = createStreamState({ provider: P, model, created: 1 });
    const start = (index: number, id: string) =>
      convertStreamEvent({ type: 'tool-call-start', index, delta: { message: { tool_calls: { id, type: 'function', function: { name: 'f', arguments: '' } } } } }, state);
    const delta = (index: number, args: string) => convertStreamEvent({ type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: args } } } } }, state);
    start(0, 'a');
    start(1, 'b');
    expect(delta(1, '{"x":1}')[0].choices[0].delta.tool_calls).toEqual([{ index: 1, function: { arguments: '{"x":1}' } }]);
    // A fragment for a call that never started is dropped rather than attached to the wrong one.
    expect(delta(7, '{}')).toEqual([]);
  });

  it('sends reasoning back as a thinking item before the text, and text-only content arrays joined', () => {
    expect(convertMessages([{ role: 'assistant', content: [{ type: 'text', text: 'Four.' }], reasoning: '2+2' }], P)).toEqual([
      { role: 'assistant', content: [{ type: 'thinking', thinking: '2+2' }, { type: 'text', text: 'Four.' }] },
    ]);
    expect(convertMessages([{ role: 'system', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }] }], P)).toEqual([{ role: 'system', content: 'AB' }]);
  });

  it('refuses a file part, a named tool choice for a tool not offered, and a refusal part in an assistant turn', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const file = refused(() => convertMessages([{ role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,AA' } }] }], P));
    expect(file).toBeInstanceOf(UnsupportedParameterError);
    expect(file).toMatchObject({ parameter: 'messages[0].content[0].file' });
    const choice = refused(() =>
      convertRequest({ model, messages: [], tools: [{ type: 'function', function: { name: 'a' } }], tool_choice: { type: 'function', function: { name: 'b' } } }, { stream: false, provider: P }),
    );
    expect(choice).toMatchObject({ parameter: 'tool_choice' });
    const refusal = refused(() => convertMessages([{ role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] }], P));
    expect(refusal).toBeInstanceOf(UnsupportedParameterError);
  });
});
