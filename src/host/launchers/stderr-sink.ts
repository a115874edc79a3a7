/**
 * Where a plugin's stderr goes, whatever it runs in: a bounded tail kept for the crash report,
 * each line (escaped, see stderr-lines.ts) to the caller's listener, and, unless the caller asked
 * to receive it alone (`pluginStderr: 'pipe'`), the prefixed lines to the host's stderr.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import { escapeControls, StderrLines } from '../stderr-lines.js';
import type { LaunchSpec } from './launcher.js';

const STDERR_TAIL = 4096;
const STDERR_FORWARD_LIMIT = 64 * 1024;

/** What the launcher keeps of a plugin's stderr. */
export interface StderrSink {
  /** The last 4 KiB, raw, for the exit reason. */
  tail(): string;
  /** Delivers a last line that had no newline (call when the plugin has ended). */
  flush(): void;
}

/**
 * Reads `stream` (a child's or a Worker's stderr) for the plugin `spec` describes.
 *
 * @example
 * ```ts
 * const stderr = sinkStderr(child.stderr!, spec);
 * child.once('close', () => stderr.flush());
 * ```
 */
export function sinkStderr(stream: Readable, spec: Pick<LaunchSpec, 'provider' | 'stderr'>): StderrSink {
  let tail = '';
  let pending = '';
  const lines = new StderrLines({ provider: spec.provider, limit: STDERR_FORWARD_LIMIT });
  const prefix = `[anyllm:${escapeControls(spec.provider)}] `.length;
  const forward = spec.stderr?.forward ?? true;
  const onLine = spec.stderr?.onLine;
  const deliver = (line: string) => {
    try {
      onLine?.(line.slice(prefix));
    } catch {
      // A listener's error must not stop the plugin's stderr from being read (its pipe would fill).
    }
  };
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL);
    const out = lines.push(text);
    if (out === '') return;
    if (forward) process.stderr.write(out);
    if (!onLine) return;
    pending += out;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
      deliver(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  });
  return {
    tail: () => tail,
    flush: () => {
      if (pending !== '') deliver(pending);
      pending = '';
    },
  };
}
