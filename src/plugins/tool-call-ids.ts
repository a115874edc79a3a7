/**
 * Tool-call ids across providers: some providers only accept their own id format (Mistral: exactly
 * nine letters and digits), but a conversation may carry ids another provider made. Mapping is
 * deterministic, so an assistant's `tool_calls[].id` and the matching tool message's
 * `tool_call_id` still agree after it.
 *
 * @module
 */
import { createRequire } from 'node:module';

// `node:crypto` on first use: it costs ~6 ms to load, in every plugin's start (the kit imports this
// module), and only a call that maps or mints a tool-call id needs it.
const require = createRequire(import.meta.url);
const crypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Returns `id` if it is already `length` letters and digits, else a stable id of that form
 * derived from it.
 *
 * @example
 * ```ts
 * alphanumericId('gSIMJiOkT', 9);            // 'gSIMJiOkT' (kept)
 * alphanumericId('call_abc123xyz', 9);       // e.g. 'q3XwZ0bLm', the same every time
 * ```
 */
export function alphanumericId(id: string, length: number): string {
  if (id.length === length && /^[A-Za-z0-9]+$/.test(id)) return id;
  const digest = crypto().createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[digest[i] % ALPHANUMERIC.length];
  return out;
}

/**
 * A fresh tool-call id in OpenAI's style, for providers that send calls without one.
 *
 * @example
 * ```ts
 * newToolCallId(); // 'call_3f9c1a7e0b2d4c6e8a1b2c3d'
 * ```
 */
export function newToolCallId(): string {
  return `call_${crypto().randomUUID().replaceAll('-', '').slice(0, 24)}`;
}
