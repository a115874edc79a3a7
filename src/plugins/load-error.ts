/**
 * Where a plugin's code failed to parse. Node's `import()` rejects with a bare `SyntaxError` (the
 * file and line are only printed for an uncaught one), so the runtime notes every module file it
 * loads (plugin-resolve.ts) and, after a `SyntaxError`, parses the newest ones again as a script
 * (module syntax blanked out, characters kept in place) to find the file and line V8 names.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

// `node:fs` through require, as sdk.ts does: its ESM facade costs a few ms of every plugin start.
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

/** Where the parse failed: `/path/to/index.js:12` and the offending line. */
export interface SyntaxLocation {
  file: string;
  line: number | undefined;
  /** `file:line`, or the file alone when the line could not be found. */
  where: string;
}

/** Blanks module-only syntax (keeping every newline, so line numbers hold). */
function asScript(source: string): string {
  const blank = (text: string) => text.replace(/[^\n]/g, ' ');
  const body = source
    .replace(/^#!.*/, blank)
    .replace(/^[ \t]*import\s+(?:[\w*{}\s,$]+\s+from\s+)?(['"])[^'"\n]*\1\s*(?:with\s*\{[^}]*\})?;?/gm, blank)
    .replace(/^[ \t]*export\s+(?:\*|\{[^}]*\})\s*(?:from\s*(['"])[^'"\n]*\1)?\s*;?/gm, blank)
    .replace(/^[ \t]*export\s+default\s+/gm, (all) => `${' '.repeat(all.length - 2)}0,`)
    .replace(/^([ \t]*)export\s+/gm, blank)
    .replace(/\bimport\.meta\b/g, '_import_met');
  // Modules are strict and allow top-level await; the wrapper shares the first line, so no line moves.
  return `(async function () { 'use strict'; ${body}\n})`;
}

/**
 * The file and line of a `SyntaxError` thrown while importing the files in `loaded` (newest last);
 * `undefined` when none of them is the cause.
 *
 * @example
 * ```ts
 * catch (error) { const at = error instanceof SyntaxError ? locateSyntaxError(loadedModules()) : undefined; }
 * ```
 */
export function locateSyntaxError(loaded: readonly string[]): SyntaxLocation | undefined {
  const files = [...new Set(loaded)].filter((url) => url.startsWith('file:')).reverse().slice(0, 64);
  for (const url of files) {
    const file = fileURLToPath(url);
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    try {
      new Script(asScript(source), { filename: file });
    } catch (error) {
      const line = Number(new RegExp(`^${escapeRegExp(file)}:(\\d+)`).exec((error as Error).stack ?? '')?.[1]) || undefined;
      return { file, line, where: line === undefined ? file : `${file}:${line}` };
    }
  }
  // Nothing failed as a script: name the newest file, the likeliest, without a line.
  return files[0] === undefined ? undefined : { file: fileURLToPath(files[0]), line: undefined, where: fileURLToPath(files[0]) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
