/**
 * How much structure a decoded message may hold for its size. A message's caps (methods.ts) and
 * the flow-control windows count the JSON *text*, but the host pays for the decoded *value*: 3
 * characters of `{},` become an object of 30-70 bytes of heap (16 MiB of them: ~360 MB, held for
 * as long as the caller holds the result), and a value nested a million deep makes the caller's
 * own `structuredClone` or recursive walk overflow its stack. So a message from an untrusted peer
 * may hold at most one object or array per {@link TEXT_PER_CONTAINER} characters (plus a little
 * slack for small messages) and nest at most {@link MAX_DEPTH} deep; OpenAI-shaped traffic holds
 * one per 20 characters or more (a logprobs entry is the densest) and nests under 10.
 *
 * @module
 */

/** Characters of JSON text a message must spend per object or array it holds. */
export const TEXT_PER_CONTAINER = 16;
/** Objects and arrays any message may hold whatever its size (the envelope, a small result). */
const CONTAINER_SLACK = 64;
/** How deep a message may nest objects and arrays (the JSON-RPC envelope counts). */
export const MAX_DEPTH = 64;

/** The walk's own stack, module-level: one walk runs at a time (it is synchronous). */
const stack: unknown[] = [];
const depths: number[] = [];

/**
 * What is wrong with the structure of `value`, decoded from `size` characters of JSON text, or
 * `undefined`. Iterative: a deeply nested value cannot overflow the checker's own stack.
 *
 * @example
 * ```ts
 * checkStructure(JSON.parse('[{},{},{}]'), 10);            // undefined (within the slack)
 * checkStructure(JSON.parse('['.repeat(100) + ']'.repeat(100)), 200); // 'a value nested deeper than 64'
 * ```
 */
export function checkStructure(value: unknown, size: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const limit = CONTAINER_SLACK + Math.floor(size / TEXT_PER_CONTAINER);
  let containers = 0;
  let top = 0;
  stack[0] = value;
  depths[0] = 1;
  try {
    while (top >= 0) {
      const current = stack[top] as object;
      const depth = depths[top];
      top--;
      if (++containers > limit) return `a value holding more than ${limit} objects and arrays for its ${size} characters`;
      if (depth > MAX_DEPTH) return `a value nested deeper than ${MAX_DEPTH}`;
      if (Array.isArray(current)) {
        for (let i = 0; i < current.length; i++) {
          const item: unknown = current[i];
          if (typeof item === 'object' && item !== null) {
            stack[++top] = item;
            depths[top] = depth + 1;
          }
        }
      } else {
        for (const key in current) {
          const item: unknown = (current as Record<string, unknown>)[key];
          if (typeof item === 'object' && item !== null) {
            stack[++top] = item;
            depths[top] = depth + 1;
          }
        }
      }
    }
    return undefined;
  } finally {
    // Hold no reference to the message after the walk.
    stack.length = 0;
    depths.length = 0;
  }
}

/**
 * {@link checkStructure} on the JSON *text*, before it is parsed: one pass over the characters,
 * strings skipped, so a line that would decode to millions of objects is refused before the host
 * spends seconds and a gigabyte of heap decoding it. Text that is not JSON is left to the parser.
 *
 * @example
 * ```ts
 * scanStructure('{"a":[1,2,{"b":"{{{{"}]}'); // undefined
 * scanStructure(`[${'{},'.repeat(1e6)}{}]`);  // 'a value holding more than … objects and arrays …'
 * ```
 */
export function scanStructure(text: string): string | undefined {
  const size = text.length;
  const limit = CONTAINER_SLACK + Math.floor(size / TEXT_PER_CONTAINER);
  let containers = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < size; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92) i++; // a backslash: the next character is escaped
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 123 || code === 91) {
      if (++containers > limit) return `a value holding more than ${limit} objects and arrays for its ${size} characters`;
      if (++depth > MAX_DEPTH) return `a value nested deeper than ${MAX_DEPTH}`;
    } else if (code === 125 || code === 93) depth--;
  }
  return undefined;
}
