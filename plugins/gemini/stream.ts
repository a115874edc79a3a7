/**
 * Gemini `streamGenerateContent` events → OpenAI-shaped chunks. Pure, given its state.
 *
 * - text becomes `delta.content`, thought parts `delta.reasoning`;
 * - each function call becomes `delta.tool_calls` entries with a stable `index` and `id`: the name
 *   first (with `arguments: ''`), then the arguments as JSON. Calls streamed piecewise
 *   (`willContinue` / `partialArgs`) are assembled and their arguments sent when the call is complete;
 * - thought signatures ride on the candidate's finishing `delta.provider_data`, the whole set,
 *   once: the last `provider_data` of a stream is what the assistant message needs (sent again
 *   with each signature, they made the stream grow with the square of its signed parts);
 * - the finish reason comes on the candidate's last delta, and usage (cumulative in every Gemini
 *   event) in a final chunk with no choices, as OpenAI sends it.
 *
 * @module
 */
import type { ChatCompletionChunk, ChatCompletionDelta, ChoiceLogprobs, FinishReason, ToolCallDelta } from '../../src/plugins/index.js';
import { applyPartialArgs, startPartialArgs, type PartialArgsState } from './partial-args.js';
import { addSignature, toProviderData, type GeminiSignatures, type SignatureSlot } from './provider-data.js';
import {
  convertLogprobs,
  convertUsage,
  createdOf,
  mapFinishReason,
  responseIdOf,
  throwIfPromptBlocked,
  toolCallId,
} from './response.js';
import type { GeminiCandidate, GeminiPart, GeminiResponse, GeminiUsageMetadata } from './wire.js';

interface OpenCall {
  index: number;
  id: string;
  args: PartialArgsState;
}

interface CandidateState {
  started: boolean;
  calls: number;
  open: OpenCall | undefined;
  signatures: GeminiSignatures;
  /** Signatures were added since they were last sent. */
  signaturesUnsent: boolean;
}

/** What persists across the events of one stream. */
export interface GeminiStreamState {
  provider: string;
  model: string;
  includeUsage: boolean;
  id: string | undefined;
  created: number;
  candidates: Map<number, CandidateState>;
  usage: GeminiUsageMetadata | undefined;
}

/**
 * A fresh state for one stream.
 *
 * @example
 * ```ts
 * const state = createStreamState('gemini-2.5-flash', 'gemini', true);
 * for await (const event of stream) yield* convertStreamEvent(event, state);
 * yield* finishStream(state);
 * ```
 */
export function createStreamState(model: string, provider: string, includeUsage: boolean): GeminiStreamState {
  return { provider, model, includeUsage, id: undefined, created: 0, candidates: new Map(), usage: undefined };
}

/**
 * Converts one streamed event to zero or more chunks.
 *
 * @example
 * ```ts
 * convertStreamEvent({ responseId: 'r', candidates: [{ content: { parts: [{ text: 'Hi' }] } }] }, state);
 * // [{ id: 'r', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }], ... }]
 * ```
 */
export function convertStreamEvent(event: GeminiResponse, state: GeminiStreamState): ChatCompletionChunk[] {
  throwIfPromptBlocked(event, state.provider);
  if (state.id === undefined) {
    state.id = responseIdOf(event);
    state.created = createdOf(event);
  }
  if (event.modelVersion) state.model = event.modelVersion;
  if (event.usageMetadata) state.usage = event.usageMetadata;
  const chunks: ChatCompletionChunk[] = [];
  (event.candidates ?? []).forEach((candidate, i) => {
    const index = candidate.index ?? i;
    let cand = state.candidates.get(index);
    if (!cand) {
      cand = { started: false, calls: 0, open: undefined, signatures: {}, signaturesUnsent: false };
      state.candidates.set(index, cand);
    }
    chunks.push(...candidateChunks(candidate, index, cand, state));
  });
  return chunks;
}

/**
 * The chunks still owed when the stream has ended: any unfinished call's arguments and signatures
 * not sent yet (a candidate that never finished), then usage.
 *
 * @example
 * ```ts
 * finishStream(state); // [{ ..., choices: [], usage: { prompt_tokens: 9, completion_tokens: 208, total_tokens: 217, ... } }]
 * ```
 */
export function finishStream(state: GeminiStreamState): ChatCompletionChunk[] {
  const chunks: ChatCompletionChunk[] = [];
  for (const [index, cand] of state.candidates) {
    if (!cand.open && !cand.signaturesUnsent) continue;
    const deltas = new DeltaList(cand);
    closeCall(cand, deltas);
    deltas.unsentSignatures();
    chunks.push(...deltas.toChunks(index, state, null, null));
  }
  if (state.includeUsage && state.usage) {
    chunks.push({ ...chunkBase(state), choices: [], usage: convertUsage(state.usage) });
  }
  return chunks;
}

function chunkBase(state: GeminiStreamState): Omit<ChatCompletionChunk, 'choices'> {
  return { id: state.id ?? '', object: 'chat.completion.chunk', created: state.created, model: state.model };
}

/** Deltas of one candidate in one event, in order; a new one starts when the kind of output changes. */
class DeltaList {
  readonly deltas: ChatCompletionDelta[] = [];
  readonly #cand: CandidateState;
  #current: ChatCompletionDelta | undefined;

  constructor(cand: CandidateState) {
    this.#cand = cand;
  }

  text(text: string, thought: boolean): void {
    const field = thought ? 'reasoning' : 'content';
    const other = thought ? 'content' : 'reasoning';
    if (!this.#current || this.#current.tool_calls || this.#current[other] !== undefined) this.#start();
    const delta = this.#current as ChatCompletionDelta;
    delta[field] = (delta[field] ?? '') + text;
  }

  toolCall(delta: ToolCallDelta): void {
    this.#start();
    (this.#current as ChatCompletionDelta).tool_calls = [delta];
  }

  /** Puts the signatures not sent yet, with all before them, on the last delta (one of its own when there is none). */
  unsentSignatures(): void {
    if (!this.#cand.signaturesUnsent) return;
    this.#cand.signaturesUnsent = false;
    if (!this.#current) this.#start();
    (this.#current as ChatCompletionDelta).provider_data = toProviderData(this.#cand.signatures);
  }

  toChunks(index: number, state: GeminiStreamState, finish: FinishReason | null, logprobs: ChoiceLogprobs | null): ChatCompletionChunk[] {
    if (finish !== null) this.unsentSignatures();
    if (finish !== null && this.deltas.length === 0) this.#start();
    return this.deltas.map((delta, i) => {
      const last = i === this.deltas.length - 1;
      const choice: ChatCompletionChunk['choices'][number] = { index, delta, finish_reason: last ? finish : null };
      if (last && logprobs) choice.logprobs = logprobs;
      return { ...chunkBase(state), choices: [choice] };
    });
  }

  #start(): void {
    this.#current = {};
    if (!this.#cand.started) {
      this.#current.role = 'assistant';
      this.#cand.started = true;
    }
    this.deltas.push(this.#current);
  }
}

function candidateChunks(candidate: GeminiCandidate, index: number, cand: CandidateState, state: GeminiStreamState): ChatCompletionChunk[] {
  const deltas = new DeltaList(cand);
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) functionCallPart(part, index, cand, deltas, state);
    else if (typeof part.text === 'string') {
      if (part.text !== '') deltas.text(part.text, part.thought === true);
      if (part.thoughtSignature) sign(cand, { kind: part.thought ? 'reasoning' : 'text' }, part.thoughtSignature);
    }
  }
  let finish: FinishReason | null = null;
  if (candidate.finishReason !== undefined) {
    if (cand.open) closeCall(cand, deltas);
    finish = mapFinishReason(candidate.finishReason, cand.calls > 0);
  }
  return deltas.toChunks(index, state, finish, convertLogprobs(candidate.logprobsResult));
}

function functionCallPart(part: GeminiPart, index: number, cand: CandidateState, deltas: DeltaList, state: GeminiStreamState): void {
  const call = part.functionCall ?? {};
  const open = cand.open;
  if (open && call.name === undefined) {
    // A continuation of the call being streamed: more argument pieces, or its end.
    if (part.thoughtSignature) sign(cand, { kind: 'tool_call', id: open.id }, part.thoughtSignature);
    applyPartialArgs(open.args, call.partialArgs ?? [], state.provider);
    if (call.willContinue !== true) closeCall(cand, deltas);
    return;
  }
  if (open) closeCall(cand, deltas);
  if (call.name === undefined) return; // An end marker with no call open.
  const position = cand.calls++;
  const id = toolCallId(call.id, state.id ?? '', index, position);
  deltas.toolCall({ index: position, id, type: 'function', function: { name: call.name, arguments: '' } });
  if (part.thoughtSignature) sign(cand, { kind: 'tool_call', id }, part.thoughtSignature);
  if (call.willContinue === true) {
    const args = startPartialArgs(call.args);
    applyPartialArgs(args, call.partialArgs ?? [], state.provider);
    cand.open = { index: position, id, args };
    return;
  }
  deltas.toolCall({ index: position, function: { arguments: JSON.stringify(call.args ?? {}) } });
}

function closeCall(cand: CandidateState, deltas: DeltaList): void {
  const open = cand.open;
  if (!open) return;
  cand.open = undefined;
  deltas.toolCall({ index: open.index, function: { arguments: JSON.stringify(open.args.args) } });
}

function sign(cand: CandidateState, slot: SignatureSlot, signature: string): void {
  addSignature(cand.signatures, slot, signature);
  cand.signaturesUnsent = true;
}
