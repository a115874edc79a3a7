/**
 * A plugin's stderr on the user's terminal: control characters escaped visibly, every line under
 * the plugin's prefix (also across writes), the forward cap kept.
 */
import { describe, expect, it } from 'vitest';
import { escapeControls, StderrLines } from 'anyllm/internal/host/stderr-lines.js';

const lines = (limit = 1000) => new StderrLines({ provider: 'evil', limit });

describe('escapeControls', () => {
  it('leaves ordinary text, newlines, tabs and non-control Unicode alone (the same string back)', () => {
    const text = 'Error: boom\n\tat x (file.js:1:2)\nnaïve — 漢字 🙂 \u200d zwj\n';
    expect(escapeControls(text)).toBe(text);
  });

  it.each([
    ['a carriage return', 'a\rb', 'a\\x0db'],
    ['ESC (erase line)', '\x1b[2K', '\\x1b[2K'],
    ['an OSC title ended by BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['NUL and the first C0 controls', '\x00\x01\x08', '\\x00\\x01\\x08'],
    ['vertical tab, form feed and the last C0', '\x0b\x0c\x1f', '\\x0b\\x0c\\x1f'],
    ['DEL', '\x7f', '\\x7f'],
    ['C1 controls (CSI, OSC, ST)', '\x80\x9b\x9d\x9c\x9f', '\\x80\\x9b\\x9d\\x9c\\x9f'],
    ['bidi embeddings and overrides', '\u202a\u202b\u202c\u202d\u202e', '\\u202a\\u202b\\u202c\\u202d\\u202e'],
    ['bidi isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['the directional marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', '\u2028\u2029', '\\u2028\\u2029'],
  ])('escapes %s', (_what, input, expected) => {
    expect(escapeControls(input)).toBe(expected);
  });

  it('keeps the characters just outside the escaped ranges', () => {
    expect(escapeControls(' ~\xa0\u2027\u202f\u2065\u206a\u200d\u061b')).toBe(' ~\xa0\u2027\u202f\u2065\u206a\u200d\u061b');
  });

  it('turns a Windows line end into a newline, but escapes a lone carriage return', () => {
    expect(escapeControls('one\r\ntwo\r\x1b')).toBe('one\ntwo\\x0d\\x1b');
  });
});

describe('StderrLines', () => {
  it('prefixes every line, and only lines that start', () => {
    expect(lines().push('one\ntwo\n')).toBe('[anyllm:evil] one\n[anyllm:evil] two\n');
    expect(lines().push('\n\n')).toBe('[anyllm:evil] \n[anyllm:evil] \n');
  });

  it('continues a line across writes without a second prefix, and prefixes the next one', () => {
    const out = lines();
    expect(out.push('par')).toBe('[anyllm:evil] par');
    expect(out.push('tial\nnext')).toBe('tial\n[anyllm:evil] next');
    expect(out.push('\n')).toBe('\n');
    expect(out.push('again\n')).toBe('[anyllm:evil] again\n');
  });

  it('cannot erase or fake the prefix with \\r or terminal escapes', () => {
    const out = lines().push('harmless\r[anyllm:openai] key ok\n\x1b[1A\x1b[2K\x1b]0;title\x07\u202efake\n');
    expect(out).toBe(
      '[anyllm:evil] harmless\\x0d[anyllm:openai] key ok\n' +
        '[anyllm:evil] \\x1b[1A\\x1b[2K\\x1b]0;title\\x07\\u202efake\n',
    );
    expect(out).not.toMatch(/[\r\x1b\x07\u202e]/);
  });

  it('joins a \\r\\n split across two writes into one line end', () => {
    const out = lines();
    expect(out.push('a\r')).toBe('[anyllm:evil] a');
    expect(out.push('\nb\n')).toBe('\n[anyllm:evil] b\n');
  });

  it('escapes a \\r at the end of one write that no \\n follows', () => {
    const out = lines();
    out.push('a\r');
    expect(out.push('b\n')).toBe('\\x0db\n');
  });

  it('forwards at most `limit` characters of input, then one notice, then nothing', () => {
    const out = lines(10);
    expect(out.push('12345')).toBe('[anyllm:evil] 12345');
    expect(out.full).toBe(false);
    expect(out.push('6789')).toBe('6789');
    expect(out.full).toBe(false);
    expect(out.push('0abc\n')).toBe('0\n[anyllm:evil] (further output dropped)\n');
    expect(out.full).toBe(true);
    expect(out.push('more\n')).toBe('');
  });

  it('writes the notice on a line of its own when the cap falls on a line end', () => {
    const out = lines(4);
    expect(out.push('abc\nxyz')).toBe('[anyllm:evil] abc\n[anyllm:evil] (further output dropped)\n');
  });

  it('does not hold back a \\r that falls on the cap', () => {
    expect(lines(2).push('a\rb')).toBe('[anyllm:evil] a\\x0d\n[anyllm:evil] (further output dropped)\n');
  });

  it('answers nothing for an empty write', () => {
    const out = lines();
    expect(out.push('')).toBe('');
    expect(out.push('x')).toBe('[anyllm:evil] x');
  });

  it('escapes a provider name that carries controls (names are checked, but the prefix must not trust them)', () => {
    expect(new StderrLines({ provider: 'a\x1bb', limit: 10 }).push('x')).toBe('[anyllm:a\\x1bb] x');
  });
});
