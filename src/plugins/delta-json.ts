/**
 * JSON.parse for a stream of token events. An OpenAI-wire stream sends the same JSON again and
 * again with another `choices[0].delta.content`: same id, model, fingerprint, index and nulls. Once
 * an event's text has been seen twice around its content, the next ones with that text around
 * their content are rebuilt from a copy of the parsed first, with only the content string parsed.
 * Parsing a 200-byte chunk is the largest single part of a plugin's work per streamed token
 * (docs/PERFORMANCE.md); copying a few small objects is a quarter of it.
 *
 * The shortcut is taken only when it gives exactly what JSON.parse would: the text around the
 * content is the same character for character, that text holds no escape (so every key in it is
 * written as it reads), and `"content"` occurs in it once (so that string is the content of the
 * first choice's delta, and no other key's value). Anything else is parsed whole.
 *
 * @module
 */
import { copyJson, JsonCopier } from '../protocol/copy-json.js';

const CONTENT_KEY = '"content":';

/** A content chunk as JSON.parse made it: the path the shortcut writes to. */
interface ContentChunk {
  choices: [{ delta: { content: string } }];
}

/**
 * Parses the JSON payloads of one stream, in order.
 *
 * @example
 * ```ts
 * const json = new DeltaJsonParser();
 * for (const text of payloads) use(json.parse(text)); // as JSON.parse(text), each a value of its own
 * ```
 */
export class DeltaJsonParser {
  /** The text before and after the content string of the last event that had one. */
  #before: string | undefined;
  #after: string | undefined;
  /** Copies of an event with that text around its content, as JSON.parse made it (kept apart: nobody changes it). */
  #template: JsonCopier | undefined;

  /** `JSON.parse(text)`: a fresh value, whatever the caller does to the ones before. Throws as JSON.parse does. */
  parse(text: string): unknown {
    const around = this.#spanAsBefore(text);
    if (around !== undefined && this.#template !== undefined) {
      const value = this.#template.copy() as ContentChunk;
      value.choices[0].delta.content = contentString(text, around);
      return value;
    }
    const span = contentSpan(text);
    if (span === undefined) {
      this.#before = this.#after = this.#template = undefined;
      return JSON.parse(text);
    }
    const value: unknown = JSON.parse(text);
    if (around !== undefined && around.open === span.open) {
      // The second time around: worth a copy kept aside, if the shortcut would be exact.
      this.#template = exact(this.#before as string, this.#after as string, value) ? new JsonCopier(copyJson(value as object)) : undefined;
    } else {
      this.#before = text.slice(0, span.open);
      this.#after = text.slice(span.close + 1);
      this.#template = undefined;
    }
    return value;
  }

  /**
   * Where the content of `text` is when `text` has the last event's text around it; else undefined.
   * With a template, its text before the content holds `"content"` once, at its end (`exact`), so
   * in a text that starts with it the first `"content":` (what contentSpan finds) ends there too;
   * without one, the caller checks that contentSpan's content starts there. Lengths and the
   * opening quote first, so most misses cost no slice (a slice and `===` beat startsWith here).
   */
  #spanAsBefore(text: string): Span | undefined {
    const before = this.#before;
    const after = this.#after;
    if (before === undefined || after === undefined) return undefined;
    const open = before.length;
    if (text.charCodeAt(open) !== 34 /* '"' */ || text.slice(0, open) !== before) return undefined;
    const close = closingQuote(text, open);
    if (close === -1 || text.length - close - 1 !== after.length || text.slice(close + 1) !== after) return undefined;
    return { open, close };
  }
}

/**
 * The content string, as JSON.parse reads its literal: the characters between the quotes when
 * there is no escape among them and no control character (which JSON.parse refuses: then it
 * throws, as it would for the whole text).
 */
function contentString(text: string, span: Span): string {
  for (let i = span.open + 1; i < span.close; i++) {
    const code = text.charCodeAt(i);
    if (code === 92 /* '\\' */ || code < 32) return JSON.parse(text.slice(span.open, span.close + 1)) as string;
  }
  return text.slice(span.open + 1, span.close);
}

/** Where the string after the first `"content":` is: its opening and closing quotes. */
interface Span {
  open: number;
  close: number;
}

function contentSpan(text: string): Span | undefined {
  const key = text.indexOf(CONTENT_KEY);
  if (key === -1) return undefined;
  let open = key + CONTENT_KEY.length;
  if (text.charCodeAt(open) === 32 /* a space, as Python's json.dumps writes */) open++;
  if (text.charCodeAt(open) !== 34 /* '"' */) return undefined;
  const close = closingQuote(text, open);
  return close === -1 ? undefined : { open, close };
}

/** The quote that closes the string opened at `open`: the first one not escaped (after an even number of backslashes); -1 when none. */
function closingQuote(text: string, open: number): number {
  for (let close = text.indexOf('"', open + 1); close !== -1; close = text.indexOf('"', close + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 92 /* '\\' */) backslashes++;
    if (backslashes % 2 === 0) return close;
  }
  return -1;
}

/**
 * Whether rebuilding from `value` is exact for any text with `before` and `after` around its
 * content: no escape around the content (each key there reads as written), `"content":` once (the
 * one before the content, `before` ends with it), and that key is the first choice's delta's.
 */
function exact(before: string, after: string, value: unknown): boolean {
  if (before.includes('\\') || after.includes('\\')) return false;
  // `span` is the first `"content":`, and no other key is named content: not one written with
  // space before its colon either (`"content" :`), which JSON.parse reads as the same key.
  if (before.indexOf('"content"') !== before.lastIndexOf('"content"') || after.includes('"content"')) return false;
  const choices = (value as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return false;
  const delta = (choices[0] as { delta?: unknown } | null | undefined)?.delta;
  return typeof (delta as { content?: unknown } | null | undefined)?.content === 'string';
}
