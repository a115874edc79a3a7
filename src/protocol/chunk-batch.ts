/**
 * The text of a `$/chunks` batch sent as JSON (`StreamRequest.encoding: 'json'`), with the
 * redundancy of a token stream taken out. Consecutive content chunks differ only in their text:
 * the same id, model, fingerprint, choice index and nulls come with every token. So a content
 * chunk that is its batch's template with another `choices[0].delta.content` travels as that
 * string alone, and the receiver rebuilds it from the template.
 *
 * The text is a JSON array of at most `MAX_CHUNKS_PER_MESSAGE` items. An object item is a chunk
 * as it is. A string item is the template (the last object item in the batch, which must have
 * exactly one choice whose `delta.content` is a string, and whose JSON is at most
 * `MAX_TEMPLATE_CHARS` long) with that content: a fresh copy each time, so no two chunks share an
 * object.
 *
 * On the host this turns parsing a 200-byte chunk into parsing a short string and copying a few
 * small objects: most of the host's CPU per streamed token (docs/PERFORMANCE.md).
 *
 * The host asks for it over a worker port only. The sandbox's channel guard takes plain arrays of
 * chunk objects: a template copied per three-byte item would let a small message grow into a large
 * structure, which the guard's density bound exists to refuse.
 *
 * @module
 */
import { types } from 'node:util';
import type { ChatCompletionChunk } from '../types.js';
import { JsonCopier } from './copy-json.js';
import { MAX_CHUNKS_PER_MESSAGE, STREAM_WINDOW_BYTES } from './methods.js';

/**
 * The largest template (its JSON, in UTF-16 code units) a string item may be rebuilt from. The
 * credit window counts the text that crossed, not what the receiver rebuilds from it: a big
 * template repeated by three-byte items would let a full window of chunks hold hundreds of times
 * the window's bytes in the host. With this bound, a window of 1 024 rebuilt chunks stays within
 * `STREAM_WINDOW_BYTES`, as plain chunks do.
 */
export const MAX_TEMPLATE_CHARS = STREAM_WINDOW_BYTES / 1024;

/**
 * A chunk's JSON, which must be an object's: a chunk with no JSON, or whose JSON is something else
 * (a string would read as a template's content in a JSON batch; the host refuses the rest), is the
 * provider's fault, and `ChunkSender` fails that stream with it rather than send what the host
 * would kill the plugin for. Throws a TypeError for it, as JSON.stringify does for a BigInt.
 *
 * @example
 * ```ts
 * chunkJson({ id: 'c1', choices: [] }); // '{"id":"c1","choices":[]}'
 * chunkJson('text' as never);           // throws TypeError
 * ```
 */
export function chunkJson(chunk: ChatCompletionChunk): string {
  const json = JSON.stringify(chunk) as string | undefined;
  if (json === undefined || json.charCodeAt(0) !== 123 /* '{' */) {
    throw new TypeError(`its JSON is ${json === undefined ? 'nothing' : `not an object (${json.length > 40 ? `${json.slice(0, 40)}…` : json})`}`);
  }
  return json;
}

/**
 * One batch as JSON text: chunks that only change the template's content go as their content.
 *
 * @example
 * ```ts
 * encodeChunkBatch([hello, world]); // '[{"id":"c1",…,"delta":{"content":"Hello"},…}," world"]'
 * ```
 */
export function encodeChunkBatch(chunks: readonly ChatCompletionChunk[]): string {
  const writer = new ChunkBatchWriter();
  for (const chunk of chunks) writer.add(chunk);
  return writer.take();
}

/**
 * A batch written a chunk at a time, each as it is when added: a plugin that yields one object
 * again and again, changed between yields, sends every state it yielded, not the last one as many
 * times (the batch leaves at the end of the turn, after the plugin has moved on).
 *
 * @example
 * ```ts
 * const writer = new ChunkBatchWriter();
 * writer.add(chunk);
 * send(writer.take()); // the text of encodeChunkBatch([chunk])
 * ```
 */
export class ChunkBatchWriter {
  #items: string[] = [];
  /** The template as the receiver will see it; undefined when there is none. */
  #template: Template | undefined;

  /** Chunks in the batch now. */
  get size(): number {
    return this.#items.length;
  }

  /** Writes `chunk`'s item now. */
  add(chunk: ChatCompletionChunk): void {
    const delta = contentDelta(chunk);
    if (delta !== undefined && this.#template?.matches(chunk) === true) {
      this.#items.push(JSON.stringify(delta.content));
      return;
    }
    const item = chunkJson(chunk);
    this.#items.push(item);
    // The receiver's template is the last object item, whatever it was; it is one only when small
    // enough to be rebuilt many times over (MAX_TEMPLATE_CHARS, measured as the receiver measures
    // it). Kept as the receiver will parse it: a toJSON, a String content or a reused object may
    // make the chunk here differ from what crossed, and later chunks are compared with what crossed.
    this.#template = undefined;
    if (delta === undefined || item.length > MAX_TEMPLATE_CHARS) return;
    const crossed = JSON.parse(item) as ChatCompletionChunk;
    // The receiver measures the parsed item written again, which is longer than the item when a
    // JSON.rawJSON wrote a number in another form (1E20 comes back as 100000000000000000000).
    if (contentDelta(crossed) !== undefined && JSON.stringify(crossed).length <= MAX_TEMPLATE_CHARS) this.#template = new Template(crossed);
  }

  /** The batch's text; the writer starts a new batch. */
  take(): string {
    // Joined once at the end: a flat string, which postMessage copies without flattening a rope first.
    const text = `[${this.#items.join(',')}]`;
    this.#items = [];
    this.#template = undefined;
    return text;
  }
}

/**
 * The chunks of a batch text; `undefined` when it is not one (not JSON, not an array, an item
 * that is neither a chunk object nor a string, a string before any template).
 *
 * @example
 * ```ts
 * decodeChunkBatch(encodeChunkBatch(chunks)); // chunks, equal item by item
 * ```
 */
export function decodeChunkBatch(text: string): ChatCompletionChunk[] | undefined {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    return undefined;
  }
  // As many chunks as a batch of objects may carry (methods.ts).
  if (!Array.isArray(items) || items.length > MAX_CHUNKS_PER_MESSAGE) return undefined;
  /** The last object item; `null` when it cannot be a template (not a content chunk). */
  let template: ChatCompletionChunk | null | undefined;
  /** Copies of the template, made once a string first needs it (measured then: at most MAX_TEMPLATE_CHARS). */
  let copier: JsonCopier | undefined;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item === 'string') {
      if (template === undefined || template === null) return undefined;
      if (copier === undefined) {
        if (JSON.stringify(template).length > MAX_TEMPLATE_CHARS) return undefined;
        // The template is read only here, before any chunk of the batch leaves: it is the copier's meanwhile.
        copier = new JsonCopier(template);
      }
      const chunk = copier.copy() as ChatCompletionChunk;
      (chunk.choices[0].delta as { content: string }).content = item;
      items[i] = chunk;
      continue;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    // The sender's template is the last object it sent: a string after another kind of chunk is refused.
    template = contentDelta(item as ChatCompletionChunk) === undefined ? null : (item as ChatCompletionChunk);
    copier = undefined;
  }
  return items as ChatCompletionChunk[];
}

/** The delta of a chunk with one choice whose content is text: the only kind a template can be. */
function contentDelta(chunk: ChatCompletionChunk): { content: string } | undefined {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const delta = (choices[0] as { delta?: unknown } | null)?.delta;
  if (typeof delta !== 'object' || delta === null || typeof (delta as { content?: unknown }).content !== 'string') return undefined;
  return delta as { content: string };
}

/**
 * A template as the receiver will see it (its item, parsed), with the keys of its chunk, choice and
 * delta listed once, so that comparing a chunk with it allocates nothing.
 */
class Template {
  readonly #parsed: Record<string, unknown>;
  readonly #choice: Record<string, unknown>;
  readonly #delta: Record<string, unknown>;
  readonly #chunkKeys: string[];
  readonly #choiceKeys: string[];
  readonly #deltaKeys: string[];

  /** `parsed` is a content chunk (contentDelta says so) that JSON.parse made. */
  constructor(parsed: ChatCompletionChunk) {
    this.#parsed = parsed as unknown as Record<string, unknown>;
    this.#choice = parsed.choices[0] as unknown as Record<string, unknown>;
    this.#delta = parsed.choices[0].delta as Record<string, unknown>;
    this.#chunkKeys = Object.keys(this.#parsed);
    this.#choiceKeys = Object.keys(this.#choice);
    this.#deltaKeys = Object.keys(this.#delta);
  }

  /**
   * Whether `chunk`'s JSON is the template's with another `choices[0].delta.content`. Only what
   * writes JSON as it is is compared (objects and arrays without toJSON, strings, numbers,
   * booleans, null); anything else (a toJSON, a value that has no JSON, an inherited enumerable
   * key) counts as different, which is always safe: the chunk then travels whole.
   */
  matches(chunk: ChatCompletionChunk): boolean {
    const choices = (chunk as { choices: unknown[] }).choices;
    // contentDelta saw one choice whose delta holds a string content.
    if (hasToJson(choices)) return false;
    return (
      sameKeys(chunk, this.#parsed, this.#chunkKeys, 'choices') &&
      sameKeys(choices[0] as object, this.#choice, this.#choiceKeys, 'delta') &&
      sameKeys((choices[0] as { delta: object }).delta, this.#delta, this.#deltaKeys, 'content')
    );
  }
}

/**
 * `value` (an object: contentDelta or sameJson saw it) has `keys` (the keys of `parsed`), in that
 * order and no others, and the same JSON under each but `except` (compared by the caller, or content).
 */
function sameKeys(value: object, parsed: Record<string, unknown>, keys: readonly string[], except: string | undefined): boolean {
  if (!writesKeys(value)) return false;
  let i = 0;
  for (const key in value) {
    // JSON.stringify writes own enumerable keys only: an inherited one makes the lists differ.
    if (key !== keys[i] || !Object.hasOwn(value, key)) return false;
    i++;
    if (key !== except && !sameJson((value as Record<string, unknown>)[key], parsed[key])) return false;
  }
  return i === keys.length;
}

/** `value` writes the same JSON as `parsed` (which JSON.parse made). */
function sameJson(value: unknown, parsed: unknown): boolean {
  // A primitive JSON.parse made is a string, a finite number, a boolean or null.
  if (value === parsed) return true;
  if (typeof value !== 'object' || value === null || typeof parsed !== 'object' || parsed === null || hasToJson(value)) return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(parsed) || value.length !== parsed.length) return false;
    for (let i = 0; i < value.length; i++) if (!sameJson(value[i], parsed[i])) return false;
    return true;
  }
  if (Array.isArray(parsed)) return false;
  return sameKeys(value, parsed as Record<string, unknown>, Object.keys(parsed), undefined);
}

/**
 * JSON.stringify writes `value` as an object of its own enumerable keys: it is an object (not a
 * function, which has no JSON, nor an array, which writes only its items), with no toJSON, not a
 * boxed primitive (written as its primitive) and not a JSON.rawJSON (written as its text).
 */
function writesKeys(value: object): boolean {
  // Most chunks are object literals or JSON.parse's: not a boxed primitive nor raw JSON (an array
  // only through a Proxy that says otherwise).
  if (Object.getPrototypeOf(value) === Object.prototype) return !Array.isArray(value) && !hasToJson(value);
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !hasToJson(value) &&
    !types.isBoxedPrimitive(value) &&
    !(JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON?.(value)
  );
}

function hasToJson(value: unknown): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
