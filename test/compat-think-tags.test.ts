// Inline <think> tags become reasoning, however the stream cuts them.
import { describe, expect, it } from 'vitest';
import { splitThinkTags, ThinkTagSplitter, type SplitText } from '../src/plugins/think-tags.js';

const TEXT = '<think>\nThe user wants 2+2.\nThat is 4.\n</think>\n\n2 + 2 = 4. Use <b>bold</b> < and > freely.';
const EXPECTED = { reasoning: 'The user wants 2+2.\nThat is 4.', content: '2 + 2 = 4. Use <b>bold</b> < and > freely.' };

/** Feeds `pieces` through one splitter and joins what comes out. */
function run(pieces: string[]): SplitText {
  const splitter = new ThinkTagSplitter();
  const out = { content: '', reasoning: '' };
  for (const piece of [...pieces.map((p) => splitter.push(p)), splitter.flush()]) {
    out.content += piece.content;
    out.reasoning += piece.reasoning;
  }
  return out;
}

describe('think tags', () => {
  it('splits a whole answer into reasoning and content, without the layout whitespace', () => {
    expect(splitThinkTags(TEXT)).toEqual(EXPECTED);
  });

  it('gives the same split for every chunk size, so tags cut across chunks still split', () => {
    for (let size = 1; size <= TEXT.length; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < TEXT.length; i += size) pieces.push(TEXT.slice(i, i + size));
      expect(run(pieces), `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  it('streams reasoning out as it comes, holding back only what may be a tag', () => {
    const splitter = new ThinkTagSplitter();
    expect(splitter.push('<think>Two plus')).toEqual({ content: '', reasoning: 'Two plus' });
    expect(splitter.push(' two.</thi')).toEqual({ content: '', reasoning: ' two.' });
    expect(splitter.inside).toBe(true);
    expect(splitter.push('nk>\n\n4')).toEqual({ content: '4', reasoning: '' });
    expect(splitter.inside).toBe(false);
  });

  it('leaves text without tags untouched, including a lone "<" at a chunk end', () => {
    expect(run(['a <', ' b <t', 'able> c', '<'])).toEqual({ content: 'a < b <table> c<', reasoning: '' });
  });

  it('keeps an unterminated think block as reasoning when the stream ends', () => {
    expect(run(['<think>still thinking', ' when cut off'])).toEqual({ content: '', reasoning: 'still thinking when cut off' });
  });

  it('splits several think blocks', () => {
    expect(splitThinkTags('<think>a</think>b<think>c</think>d')).toEqual({ reasoning: 'ac', content: 'bd' });
  });
});
