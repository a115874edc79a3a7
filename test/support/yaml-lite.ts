/**
 * Reads the YAML that PyYAML's `dump` writes, as far as the pydantic-ai VCR cassettes in
 * test/fixtures/recorded/pydantic-ai use it: block mappings and sequences (also PyYAML's sequences
 * at their key's indentation), plain, single- and double-quoted scalars over several lines, block
 * scalars (`|`, `|-`, `|+`) and the empty flow collections `[]` and `{}`. Anything else throws, so a
 * new cassette that needs more fails loudly instead of being misread.
 *
 * @module
 */

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
}

/** The unsupported construct, and where. */
class YamlLiteError extends Error {
  override name = 'YamlLiteError';
}

/**
 * Parses one YAML document.
 *
 * @example
 * ```ts
 * parseYaml('a:\n- 1\n- x: y\n'); // { a: [1, { x: 'y' }] }
 * ```
 */
export function parseYaml(source: string): Yaml {
  const lines: Line[] = source.split(/\r?\n/).map((raw) => {
    const text = raw.trimStart();
    return { indent: raw.length - text.length, text: text.trimEnd() };
  });
  const reader = new Reader(lines);
  const value = reader.node(0);
  reader.skipBlank();
  if (reader.at < lines.length) throw new YamlLiteError(`line ${reader.at + 1}: unexpected '${lines[reader.at].text}'`);
  return value;
}

class Reader {
  at = 0;
  readonly lines: Line[];
  constructor(lines: Line[]) {
    this.lines = lines;
  }

  /** Skips blank lines, comments and the document end marker `...` (PyYAML writes it after a `|+` block). */
  skipBlank(): void {
    for (;;) {
      const line = this.lines[this.at];
      if (line === undefined || !(line.text === '' || line.text.startsWith('#') || (line.indent === 0 && line.text === '...'))) return;
      this.at++;
    }
  }

  /** The node starting at the next non-blank line, which is at `indent`. */
  node(indent: number): Yaml {
    this.skipBlank();
    const line = this.lines[this.at];
    if (line === undefined) return null;
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(line.indent);
    if (keyOf(line.text) !== undefined) return this.mapping(line.indent);
    this.at++;
    return this.scalar(line.text, indent - 1);
  }

  sequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.at];
      if (!line || line.indent !== indent || !(line.text === '-' || line.text.startsWith('- '))) return items;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.at++;
        items.push(this.node(indent + 1));
      } else if (keyOf(rest) !== undefined) {
        // `- key: value`: a mapping whose first line shares the dash's line.
        this.lines[this.at] = { indent: indent + 2, text: rest };
        items.push(this.mapping(indent + 2));
      } else {
        this.at++;
        items.push(this.scalar(rest, indent));
      }
    }
  }

  mapping(indent: number): { [key: string]: Yaml } {
    const result: { [key: string]: Yaml } = {};
    for (;;) {
      this.skipBlank();
      const line = this.lines[this.at];
      if (!line || line.indent !== indent) return result;
      const key = keyOf(line.text);
      if (key === undefined) return result;
      this.at++;
      const rest = line.text.slice(key.length).replace(/^:\s*/, '');
      result[unquoteKey(key)] = rest === '' ? this.nested(indent) : this.scalar(rest, indent);
    }
  }

  /** A key's value on the lines below it: deeper, or a sequence at the key's own indentation. */
  nested(indent: number): Yaml {
    this.skipBlank();
    const next = this.lines[this.at];
    if (!next) return null;
    if (next.indent > indent) return this.node(next.indent);
    if (next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) return this.sequence(indent);
    return null;
  }

  /** A scalar starting with `text` (the rest of its line); continuation lines are deeper than `indent`. */
  scalar(text: string, indent: number): Yaml {
    if (text === '[]') return [];
    if (text === '{}') return {};
    if (text.startsWith('[') || text.startsWith('{')) throw new YamlLiteError(`flow collection '${text}' is not supported`);
    if (/^[|>]/.test(text)) return this.block(text, indent);
    if (text.startsWith("'") || text.startsWith('"')) return this.quoted(text, indent);
    const parts = [text];
    while (this.at < this.lines.length && this.lines[this.at].text !== '' && this.lines[this.at].indent > indent) {
      parts.push(this.lines[this.at++].text);
    }
    return plain(parts.join(' '));
  }

  block(header: string, indent: number): string {
    const match = /^\|([+-]?)$/.exec(header);
    if (!match) throw new YamlLiteError(`block scalar '${header}' is not supported`);
    const body: string[] = [];
    let contentIndent: number | undefined;
    while (this.at < this.lines.length) {
      const line = this.lines[this.at];
      if (line.text !== '') {
        if (line.indent <= indent) break;
        contentIndent ??= line.indent;
        if (line.indent < contentIndent) break;
      }
      body.push(line.text === '' ? '' : ' '.repeat(line.indent - (contentIndent as number)) + line.text);
      this.at++;
    }
    // Trailing blank lines belong to the block only under `|+`; give back the rest.
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop();
      trailing++;
    }
    if (match[1] !== '+') this.at -= trailing;
    const text = body.join('\n');
    if (match[1] === '-') return text;
    if (match[1] === '+') return `${text}\n${'\n'.repeat(trailing)}`;
    return text === '' ? '' : `${text}\n`;
  }

  quoted(first: string, _indent: number): string {
    const quote = first[0];
    const pieces: string[] = [first.slice(1)];
    // Read lines until the closing quote (not an escaped or doubled one).
    while (!closes(pieces[pieces.length - 1], quote, pieces.length === 1)) {
      const line = this.lines[this.at++];
      if (line === undefined) throw new YamlLiteError('unterminated quoted scalar');
      pieces.push(line.text);
    }
    const last = pieces.length - 1;
    pieces[last] = pieces[last].slice(0, closingAt(pieces[last], quote));
    // Fold: a line break is a space, an empty line a newline; `\` at a line end joins (double quotes).
    let out = '';
    for (let i = 0; i < pieces.length; i++) {
      const piece = i === 0 ? pieces[i] : pieces[i].trimStart();
      if (i > 0) {
        if (piece === '' && i < last) {
          out += '\n';
          continue;
        }
        if (quote === '"' && out.endsWith('\\') && !out.endsWith('\\\\')) out = out.slice(0, -1);
        else if (!out.endsWith('\n') || pieces[i - 1] !== '') out += ' ';
      }
      out += piece;
    }
    return quote === "'" ? out.replace(/''/g, "'") : unescapeDouble(out);
  }
}

/** The key of a `key: value` / `key:` line, or undefined. */
function keyOf(text: string): string | undefined {
  const match = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s'"#\-][^:]*?|-[^\s:][^:]*?):(?:\s|$)/.exec(text);
  return match ? match[1] : undefined;
}

function unquoteKey(key: string): string {
  if (key.startsWith("'")) return key.slice(1, -1).replace(/''/g, "'");
  if (key.startsWith('"')) return unescapeDouble(key.slice(1, -1));
  return key;
}

/** Where the closing quote of `text` is, or -1. */
function closingAt(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c !== quote) continue;
    if (quote === "'" && text[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

function closes(text: string, quote: string, _first: boolean): boolean {
  const at = closingAt(text, quote);
  if (at === -1) return false;
  if (text.slice(at + 1).trim() !== '') throw new YamlLiteError(`text after a quoted scalar: '${text}'`);
  return true;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', ' ': ' ', e: '\x1b', b: '\b' };

function unescapeDouble(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, esc: string) => {
    if (esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16));
    const value = ESCAPES[esc];
    if (value === undefined) throw new YamlLiteError(`escape \\${esc} is not supported`);
    return value;
  });
}

function plain(text: string): Yaml {
  if (text === 'null' || text === '~') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(0|[1-9]\d*)$/.test(text)) return Number(text);
  if (/^-?(0|[1-9]\d*)?\.\d+(e[+-]?\d+)?$/i.test(text) || /^-?\d+e[+-]?\d+$/i.test(text)) return Number(text);
  return text;
}
