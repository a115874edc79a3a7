/**
 * Splits `<think>…</think>` blocks out of model text into reasoning, for open-weight reasoning
 * models (DeepSeek-R1, Qwen3 ...) served by hosts that leave the tags inline in `content`.
 * Streaming-safe: a tag split across chunks (`"<thi"` + `"nk>"`) is held back until it is complete.
 *
 * @module
 */

/** One piece of text, split into its visible and reasoning parts (either may be empty). */
export interface SplitText {
  content: string;
  reasoning: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * A stateful splitter: feed it the text of each chunk in order, then `flush()` at the end.
 *
 * @example
 * ```ts
 * const splitter = new ThinkTagSplitter();
 * splitter.push('<think>Two plus'); // { content: '', reasoning: 'Two plus' }
 * splitter.push(' two.</thi');      // { content: '', reasoning: ' two.' }
 * splitter.push('nk>\n\n4');        // { content: '4', reasoning: '' }
 * splitter.flush();                 // { content: '', reasoning: '' }
 * ```
 */
export class ThinkTagSplitter {
  #inside = false;
  /** Text that may be the start of a tag, held until the next piece decides. */
  #pending = '';
  /** Whitespace right after a tag is layout, not text: drop it. */
  #trimLeading = false;
  /** Whitespace at the end of reasoning so far: dropped if the close tag follows, else released. */
  #heldSpace = '';

  /** Whether the text so far ends inside a think block. */
  get inside(): boolean {
    return this.#inside;
  }

  /** Splits the next piece of text. */
  push(text: string): SplitText {
    const out: SplitText = { content: '', reasoning: '' };
    let rest = this.#pending + text;
    this.#pending = '';
    for (;;) {
      const tag = this.#inside ? CLOSE : OPEN;
      const at = rest.indexOf(tag);
      if (at === -1) break;
      this.#emit(out, rest.slice(0, at));
      this.#heldSpace = '';
      this.#inside = !this.#inside;
      this.#trimLeading = true;
      rest = rest.slice(at + tag.length);
    }
    const held = partialTagLength(rest, this.#inside ? CLOSE : OPEN);
    this.#pending = rest.slice(rest.length - held);
    this.#emit(out, rest.slice(0, rest.length - held));
    return out;
  }

  /** Releases held text at the end of the stream (a tag that never completed is plain text). */
  flush(): SplitText {
    const out: SplitText = { content: '', reasoning: '' };
    this.#emit(out, this.#pending);
    out.reasoning += this.#heldSpace;
    this.#pending = '';
    this.#heldSpace = '';
    return out;
  }

  #emit(out: SplitText, text: string): void {
    if (this.#trimLeading) {
      text = text.trimStart();
      if (text === '') return;
      this.#trimLeading = false;
    }
    if (!this.#inside) {
      out.content += text;
      return;
    }
    const body = text.trimEnd();
    if (body === '') {
      this.#heldSpace += text;
      return;
    }
    out.reasoning += this.#heldSpace + body;
    this.#heldSpace = text.slice(body.length);
  }
}

/**
 * Splits a whole text at once (non-streaming responses).
 *
 * @example
 * ```ts
 * splitThinkTags('<think>Easy.</think>\n4'); // { content: '4', reasoning: 'Easy.' }
 * ```
 */
export function splitThinkTags(text: string): SplitText {
  const splitter = new ThinkTagSplitter();
  const first = splitter.push(text);
  const last = splitter.flush();
  return { content: first.content + last.content, reasoning: first.reasoning + last.reasoning };
}

/** The length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  // Both tags start with '<': only a suffix starting at a '<' can be one (most chunks have none).
  for (let at = text.indexOf('<', Math.max(0, text.length - tag.length + 1)); at !== -1; at = text.indexOf('<', at + 1)) {
    if (tag.startsWith(text.slice(at))) return text.length - at;
  }
  return 0;
}
