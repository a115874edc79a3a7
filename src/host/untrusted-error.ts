/**
 * An error answer from an untrusted plugin, made safe to rebuild: its message ends up in the
 * caller's `err.message` (and so in their logs and terminal), so it is bounded in length and its
 * terminal and bidi controls are escaped as on stderr (stderr-lines.ts); the `data` members the
 * host reads are copied by name, strings bounded and escaped the same way, nothing else kept.
 *
 * @module
 */
import type { ErrorResponse } from '../protocol/connection.js';
import { escapeControls } from './stderr-lines.js';

/** Characters of an untrusted error message kept (an upstream's error text is far shorter). */
export const MAX_UNTRUSTED_MESSAGE = 4096;
const MAX_UNTRUSTED_FIELD = 256;
/** The members `fromWireError` reads. */
const DATA_KEYS = ['type', 'provider', 'status', 'code', 'retryAfterMs', 'parameter', 'envVar', 'origin', 'retries', 'packageName'] as const;

function bounded(text: string, max: number): string {
  if (text.length <= max) return escapeControls(text);
  const kept = escapeControls(text.slice(0, max)).slice(0, max);
  return `${kept}… (${text.length - max} more characters)`;
}

/**
 * `error` with its message and data made safe for the caller.
 *
 * @example
 * ```ts
 * untrustedWireError({ code: -32000, message: 'x\u001b[2Ky'.repeat(1e6) }).message;
 * // 'x\\x1b[2Kyx\\x1b[2Ky…' (4096 characters, then '… (6995904 more characters)')
 * ```
 */
export function untrustedWireError(error: ErrorResponse): ErrorResponse {
  const raw = typeof error.data === 'object' && error.data !== null ? (error.data as Record<string, unknown>) : {};
  const data: Record<string, string | number> = {};
  for (const key of DATA_KEYS) {
    if (!Object.hasOwn(raw, key)) continue;
    const value = raw[key];
    if (typeof value === 'string') data[key] = bounded(value, MAX_UNTRUSTED_FIELD);
    else if (typeof value === 'number') data[key] = value;
  }
  return { code: error.code, message: bounded(String(error.message), MAX_UNTRUSTED_MESSAGE), data };
}
