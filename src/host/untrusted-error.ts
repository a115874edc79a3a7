/**
 * An error answer from an untrusted plugin, made safe to rebuild: its message ends up in the
 * caller's `err.message` (and so in their logs and terminal), so it is bounded in length and its
 * terminal and bidi controls are escaped as on stderr (stderr-lines.ts); the `data` members the
 * host reads are copied by name, strings bounded and escaped the same way, nothing else kept.
 *
 * @module
 */
import { RpcErrorCode } from '../errors.js';
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

/** The codes of the caller's own limits (`CallGuard`): only the host decides that a call ran out of them. */
const GUARD_CODES: readonly unknown[] = ['timeout', 'idle_timeout'];

/**
 * `error` without the outcomes only the host decides, from a plugin of any tier: a cancellation
 * (the host rejects a call it cancels at once, so an answer still awaited was never cancelled by
 * the caller) and the caller's `timeoutMs` / `idleTimeoutMs` codes. Claimed by a plugin, they made a
 * provider failure look like the caller's own abort or limit: counted `aborted`, never retried,
 * ending a fallback chain as the caller's. The cancellation becomes a provider error saying so;
 * the timeout keeps its class without the code.
 *
 * @example
 * ```ts
 * withoutHostOutcomes({ code: -32800, message: 'cancelled' });
 * // { code: -32000, message: 'The plugin ended the call as cancelled, which the host did not ask: cancelled', data: { type: 'ProviderError', code: 'plugin_cancelled' } }
 * ```
 */
export function withoutHostOutcomes(error: ErrorResponse): ErrorResponse {
  const data = typeof error.data === 'object' && error.data !== null ? (error.data as Record<string, unknown>) : undefined;
  if (error.code === RpcErrorCode.cancelled || data?.type === 'AbortError') {
    return {
      code: RpcErrorCode.providerError,
      message: `The plugin ended the call as cancelled, which the host did not ask: ${error.message}`,
      data: { type: 'ProviderError', code: 'plugin_cancelled' },
    };
  }
  if (data?.type === 'TimeoutError' && GUARD_CODES.includes(data.code)) return { ...error, data: { ...data, code: undefined } };
  return error;
}
