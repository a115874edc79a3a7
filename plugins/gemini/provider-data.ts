/**
 * Gemini's thought signatures, carried on OpenAI-shaped messages in `provider_data.gemini` so they
 * survive the round trip when the caller sends the assistant message back in the next turn.
 *
 * Gemini attaches a `thoughtSignature` to the part it belongs to: a thought part, a text part (often
 * an empty trailing one) or a function-call part. The message keeps which kind, and for function
 * calls which tool call id, so the request conversion can put each signature back where it came from.
 *
 * @module
 */
import type { JsonObject } from '../../src/plugins/index.js';

/** What `provider_data.gemini` holds. */
export interface GeminiSignatures {
  /** The signature of the thought (reasoning) part. */
  reasoning_signature?: string;
  /** The signature of a text part. */
  text_signature?: string;
  /** Signatures of function-call parts, by the tool call id AnyLLM gave the call. */
  tool_call_signatures?: Record<string, string>;
}

/** Where a signature was found. */
export type SignatureSlot = { kind: 'reasoning' } | { kind: 'text' } | { kind: 'tool_call'; id: string };

/**
 * Records `signature` in `into` (mutates and returns it).
 *
 * @example
 * ```ts
 * addSignature({}, { kind: 'tool_call', id: 'call_1' }, 'sig'); // { tool_call_signatures: { call_1: 'sig' } }
 * ```
 */
export function addSignature(into: GeminiSignatures, slot: SignatureSlot, signature: string): GeminiSignatures {
  if (slot.kind === 'reasoning') into.reasoning_signature = signature;
  else if (slot.kind === 'text') into.text_signature = signature;
  // In place: a copy per call was quadratic in the calls (toProviderData copies what it sends).
  else (into.tool_call_signatures ??= {})[slot.id] = signature;
  return into;
}

/**
 * True when `signatures` holds anything worth sending back.
 *
 * @example
 * ```ts
 * hasSignatures({ text_signature: 'sig' }); // true
 * ```
 */
export function hasSignatures(signatures: GeminiSignatures): boolean {
  return (
    signatures.reasoning_signature !== undefined ||
    signatures.text_signature !== undefined ||
    Object.keys(signatures.tool_call_signatures ?? {}).length > 0
  );
}

/**
 * The `provider_data` object for a message or delta. A fresh copy, so later additions do not leak.
 *
 * @example
 * ```ts
 * toProviderData({ text_signature: 'sig' }); // { gemini: { text_signature: 'sig' } }
 * ```
 */
export function toProviderData(signatures: GeminiSignatures): JsonObject {
  const gemini: JsonObject = {};
  if (signatures.reasoning_signature !== undefined) gemini.reasoning_signature = signatures.reasoning_signature;
  if (signatures.text_signature !== undefined) gemini.text_signature = signatures.text_signature;
  if (signatures.tool_call_signatures) gemini.tool_call_signatures = { ...signatures.tool_call_signatures };
  return { gemini };
}

/**
 * Reads `provider_data.gemini` from a message the caller sent back. Data of other providers, and
 * fields of the wrong type, are ignored: they carry nothing Gemini could use.
 *
 * @example
 * ```ts
 * readSignatures({ gemini: { reasoning_signature: 'sig' } }); // { reasoning_signature: 'sig' }
 * ```
 */
export function readSignatures(providerData: JsonObject | undefined): GeminiSignatures {
  const raw = providerData?.gemini;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const result: GeminiSignatures = {};
  if (typeof raw.reasoning_signature === 'string') result.reasoning_signature = raw.reasoning_signature;
  if (typeof raw.text_signature === 'string') result.text_signature = raw.text_signature;
  const calls = raw.tool_call_signatures;
  if (typeof calls === 'object' && calls !== null && !Array.isArray(calls)) {
    const byId: Record<string, string> = {};
    for (const [id, signature] of Object.entries(calls)) if (typeof signature === 'string') byId[id] = signature;
    result.tool_call_signatures = byId;
  }
  return result;
}
