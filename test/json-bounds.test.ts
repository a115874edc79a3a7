/**
 * The structure bound of what a sandboxed plugin sends (src/protocol/json-bounds.ts), at the unit
 * level because its point is where the line falls: the densest OpenAI-shaped traffic (logprobs,
 * tool-call deltas, a 64-chunk batch) passes with room to spare, a run of `{}` does not.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { checkStructure, MAX_DEPTH, scanStructure } from '../src/protocol/json-bounds.js';
import { StdioTransport } from '../src/protocol/stdio-transport.js';

const judge = (value: unknown) => {
  const text = JSON.stringify(value);
  return checkStructure(JSON.parse(text), text.length);
};

const logprob = (token: string) => ({ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [] as unknown[] });
const chunk = (extra: object) => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, ...extra, finish_reason: null }] });

describe('checkStructure', () => {
  it('passes the densest OpenAI-shaped traffic: logprobs with empty top lists, tool-call deltas, usage', () => {
    const tokens = Array.from({ length: 64 }, () =>
      chunk({ delta: { content: 'a' }, logprobs: { content: [{ ...logprob('a'), top_logprobs: [logprob('a'), logprob('b')] }] } }),
    );
    expect(judge({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: tokens } })).toBeUndefined();
    const tools = Array.from({ length: 64 }, (_, i) => chunk({ delta: { tool_calls: [{ index: i, function: { arguments: '' } }] } }));
    expect(judge({ jsonrpc: '2.0', method: '$/chunks', params: { id: 1, chunks: tools } })).toBeUndefined();
  });

  it('refuses a run of empty objects or arrays, and nesting past the limit, without using its own stack', () => {
    expect(judge(Array.from({ length: 10_000 }, () => ({})))).toMatch(/holding more than \d+ objects and arrays/);
    expect(judge(Array.from({ length: 10_000 }, () => ['a', 'b']))).toMatch(/holding more than/);
    const deep = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000)) as unknown;
    expect(checkStructure(deep, 2_000_000)).toBe(`a value nested deeper than ${MAX_DEPTH}`);
  });

  it('counts members named __proto__ (JSON.parse makes them own members)', () => {
    const text = `{"__proto__":[${'{},'.repeat(999)}{}]}`;
    expect(checkStructure(JSON.parse(text), text.length)).toMatch(/holding more than/);
  });
});

describe('scanStructure (the same bound on the text, before it is parsed)', () => {
  it('agrees with checkStructure, and skips braces inside strings (escaped quotes included)', () => {
    const dense = `[${'{},'.repeat(9_999)}{}]`;
    expect(scanStructure(dense)).toMatch(/holding more than \d+ objects and arrays for its \d+ characters/);
    expect(scanStructure('['.repeat(65) + ']'.repeat(65))).toBe(`a value nested deeper than ${MAX_DEPTH}`);
    const braces = JSON.stringify({ content: `\\"${'{['.repeat(50_000)}` });
    expect(scanStructure(braces)).toBeUndefined();
    expect(checkStructure(JSON.parse(braces), braces.length)).toBeUndefined();
  });

  it('lets the sandbox\'s transport refuse a dense line without ever parsing it', async () => {
    const input = new PassThrough();
    const transport = new StdioTransport(input, new PassThrough(), { checkLine: scanStructure, onFramingError: (e) => failures.push(e.reason) });
    const failures: string[] = [];
    const received: unknown[] = [];
    transport.onMessage((message) => received.push(message));
    const parse = vi.spyOn(JSON, 'parse');
    input.write(`{"jsonrpc":"2.0","method":"$/chunks","params":{"id":1,"chunks":[${'{},'.repeat(99_999)}{}]}}\n`);
    await new Promise(setImmediate);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(received).toEqual([]);
    expect(failures).toEqual([expect.stringMatching(/^a value holding more than \d+ objects and arrays/)]);
  });
});
