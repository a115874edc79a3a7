/**
 * Rebuilds a function call's arguments from Gemini's streamed `partialArgs` (each a JSON Path and a
 * value; a string may arrive in several pieces). Pure.
 *
 * @module
 */
import { ProviderError } from '../../src/plugins/index.js';
import type { GeminiPartialArg } from './wire.js';

/** Arguments being assembled, and the string paths still receiving pieces. */
export interface PartialArgsState {
  args: Record<string, unknown>;
  open: Set<string>;
}

/**
 * A fresh state, starting from any complete `args` Gemini sent with the call's first part.
 *
 * @example
 * ```ts
 * startPartialArgs({ unit: 'C' }).args; // { unit: 'C' }
 * ```
 */
export function startPartialArgs(args?: Record<string, unknown>): PartialArgsState {
  return { args: structuredClone(args ?? {}), open: new Set() };
}

/**
 * Applies streamed argument pieces to `state` (mutates it).
 *
 * @example
 * ```ts
 * const state = startPartialArgs();
 * applyPartialArgs(state, [{ jsonPath: '$.city', stringValue: 'Bos', willContinue: true }]);
 * applyPartialArgs(state, [{ jsonPath: '$.city', stringValue: 'ton' }]);
 * state.args; // { city: 'Boston' }
 * ```
 */
export function applyPartialArgs(state: PartialArgsState, pieces: readonly GeminiPartialArg[], provider: string): void {
  for (const piece of pieces) {
    const path = piece.jsonPath ?? '';
    const keys = parseJsonPath(path, provider);
    if (keys.length === 0) continue;
    let value: unknown;
    if (piece.stringValue !== undefined) {
      const previous = state.open.has(path) ? getAt(state.args, keys) : undefined;
      value = (typeof previous === 'string' ? previous : '') + piece.stringValue;
      if (piece.willContinue) state.open.add(path);
      else state.open.delete(path);
    } else if (piece.numberValue !== undefined) value = piece.numberValue;
    else if (piece.boolValue !== undefined) value = piece.boolValue;
    else if (piece.nullValue !== undefined) value = null;
    else continue;
    setAt(state.args, keys, value, path, provider);
  }
}

/**
 * Splits a JSON Path into keys, or throws `ProviderError` for a path it cannot read.
 *
 * @example
 * ```ts
 * parseJsonPath("$.a.b[0]['c d']", 'gemini'); // ['a', 'b', 0, 'c d']
 * ```
 */
export function parseJsonPath(path: string, provider: string): (string | number)[] {
  const fail = (): never => {
    throw new ProviderError(`Gemini streamed a function argument at a path AnyLLM cannot read: '${path}'.`, { provider });
  };
  if (!path.startsWith('$')) fail();
  const keys: (string | number)[] = [];
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  token.lastIndex = 1;
  while (token.lastIndex < path.length) {
    const match = token.exec(path);
    if (!match) return fail();
    if (match[1] !== undefined) keys.push(match[1]);
    else if (match[2] !== undefined) keys.push(Number(match[2]));
    else keys.push((match[3] ?? match[4]).replace(/\\(.)/g, '$1'));
  }
  // Assigning to '__proto__' would replace an object's prototype instead of adding an argument.
  if (keys.includes('__proto__')) fail();
  return keys;
}

function getAt(root: Record<string, unknown>, keys: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * Sets the value at `keys`, making the objects and arrays on the way. An array element may extend
 * its array by one at most (Gemini streams them in order): one further would make a sparse array,
 * which JSON.stringify writes as a `null` per missing element (a 20-character path, `$.a[99999999]`,
 * made V8 abort the process).
 */
function setAt(root: Record<string, unknown>, keys: readonly (string | number)[], value: unknown, path: string, provider: string): void {
  let node: Record<string | number, unknown> = root;
  keys.forEach((key, i) => {
    if (Array.isArray(node) && typeof key === 'number' && key > node.length) {
      throw new ProviderError(`Gemini streamed a function argument past the end of its array: '${path}' (the array has ${node.length} elements).`, { provider });
    }
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = typeof keys[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
}
