import type { FunctionToolCall, ToolCall } from '../../src/types.js';

/** Reads an async iterable to the end, as a caller's `for await` loop would. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The function tool calls of a message; fails the test on a custom tool call (none is expected). */
export function functionCalls(calls: readonly ToolCall[] | undefined): FunctionToolCall[] {
  return (calls ?? []).map((call) => {
    if (call.type !== 'function') throw new Error(`expected a function tool call, got ${JSON.stringify(call)}`);
    return call;
  });
}
