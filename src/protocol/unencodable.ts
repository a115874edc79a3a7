/**
 * Says where a call's params hold what JSON cannot carry, for the error of a call no transport or SDK
 * could encode. Walked only after an encoder has refused them, never on the way of a call that encodes.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';

/**
 * The first place in `value` that `JSON.stringify` refuses, as `path` plus what is wrong there: a
 * BigInt, a cycle, or a `toJSON` that throws. `undefined` when JSON can carry all of it. Follows
 * `toJSON` as JSON.stringify does; skips what it drops (functions, symbols, `undefined`). Iterative:
 * a nesting deeper than the stack is walked like any other. Paths start at `value`'s members; a
 * getter that throws ends the search with `undefined`.
 *
 * @example
 * ```ts
 * findUnencodable({ params: { metadata: { a: 1n } } }); // 'params.metadata.a is a BigInt'
 * const loop: Record<string, unknown> = {}; loop.self = loop;
 * findUnencodable({ params: { loop } });                // 'params.loop.self refers back to params.loop (a cycle)'
 * ```
 */
export function findUnencodable(value: unknown): string | undefined {
  try {
    return walk(value);
  } catch {
    return undefined;
  }
}

/**
 * The error of a call whose params cannot be encoded: `where` from {@link findUnencodable}, or the
 * encoder's own message.
 *
 * @example
 * ```ts
 * throw unencodableParams('params.metadata.a is a BigInt', error, 'openai');
 * ```
 */
export function unencodableParams(where: string, cause: unknown, provider?: string): InvalidRequestError {
  return new InvalidRequestError(`The call's params cannot be sent: ${where}. Params must be JSON values.`, {
    provider,
    code: 'unencodable_params',
    cause,
  });
}

/**
 * Items an array may have for JSON to write it: each takes two characters or more (`0,`), and a
 * string holds at most 2^29 - 24 (V8). `JSON.stringify` refuses a longer one at once.
 */
export const MAX_JSON_ARRAY_LENGTH = 2 ** 28 - 13;

/** An object or array on the walk's path, its members visited one at a time in JSON's order. */
interface Open {
  item: object;
  path: string;
  /** An object's own keys; undefined for an array, walked by index. */
  keys: readonly string[] | undefined;
  length: number;
  next: number;
}

/** Whether JSON writes `value` as it is, with nothing to look at: no object, BigInt or toJSON. */
function isLeaf(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  return type !== 'object' && type !== 'bigint' && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function walk(value: unknown): string | undefined {
  // One frame per ancestor, not per member: a sparse array of 2^32 - 1 slots (or a dense one of
  // millions of numbers) costs no memory past its own. `open` maps each ancestor to its path, so an
  // object reached twice by two paths (which JSON writes twice) is not taken for a cycle.
  const stack: Open[] = [];
  const open = new Map<object, string>();
  const visit = (raw: unknown, path: string, key: string): string | undefined => {
    let item = raw;
    const toJSON = item !== null && item !== undefined ? (item as { toJSON?: unknown }).toJSON : undefined;
    if (typeof toJSON === 'function') {
      try {
        item = toJSON.call(item, key) as unknown;
      } catch (error) {
        return `${path}.toJSON() threw: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (typeof item === 'bigint') return `${path} is a BigInt`;
    if (typeof item !== 'object' || item === null) return undefined;
    const ancestor = open.get(item);
    if (ancestor !== undefined) return `${path} refers back to ${ancestor} (a cycle)`;
    if (Array.isArray(item)) {
      if (item.length > MAX_JSON_ARRAY_LENGTH) return `${path} is an array of ${item.length} items, more than JSON can write`;
      stack.push({ item, path, keys: undefined, length: item.length, next: 0 });
    } else {
      const keys = Object.keys(item);
      stack.push({ item, path, keys, length: keys.length, next: 0 });
    }
    open.set(item, path);
    return undefined;
  };
  let found = visit(value, '', '');
  while (found === undefined && stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.length) {
      stack.pop();
      open.delete(top.item);
      continue;
    }
    const index = top.next++;
    if (top.keys === undefined) {
      const child: unknown = (top.item as unknown[])[index];
      if (!isLeaf(child)) found = visit(child, `${top.path}[${index}]`, String(index));
    } else {
      const key = top.keys[index]!;
      const child: unknown = (top.item as Record<string, unknown>)[key];
      if (!isLeaf(child)) found = visit(child, memberPath(top.path, key), key);
    }
  }
  return found;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function memberPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}
