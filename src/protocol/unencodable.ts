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

function walk(value: unknown): string | undefined {
  // `leave` frames close an object once its members are walked: `open` is the path's ancestors only,
  // so an object reached twice by two paths (which JSON writes twice) is not taken for a cycle.
  const stack: { value: unknown; path: string; key: string; leave?: object }[] = [{ value, path: '', key: '' }];
  const open = new Map<object, string>();
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.leave) {
      open.delete(frame.leave);
      continue;
    }
    const { path } = frame;
    let item = frame.value;
    const toJSON = item !== null && item !== undefined ? (item as { toJSON?: unknown }).toJSON : undefined;
    if (typeof toJSON === 'function') {
      try {
        item = toJSON.call(item, frame.key) as unknown;
      } catch (error) {
        return `${path}.toJSON() threw: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (typeof item === 'bigint') return `${path} is a BigInt`;
    if (typeof item !== 'object' || item === null) continue;
    const ancestor = open.get(item);
    if (ancestor !== undefined) return `${path} refers back to ${ancestor} (a cycle)`;
    open.set(item, path);
    stack.push({ value: undefined, path, key: '', leave: item });
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push({ value: item[i], path: `${path}[${i}]`, key: String(i) });
    } else {
      const keys = Object.keys(item);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (item as Record<string, unknown>)[key], path: memberPath(path, key), key });
      }
    }
  }
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function memberPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}
