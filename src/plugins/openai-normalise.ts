/**
 * Brings what OpenAI-compatible servers answer back to OpenAI's exact shape. Each server differs a
 * little: DeepSeek and xAI put reasoning in `reasoning_content`, OpenRouter and Ollama in
 * `reasoning`, Mistral sends content-part arrays with `thinking` parts and tool calls without
 * `index`, Groq reports stream usage in `x_groq.usage`, local servers may leave `<think>` tags in
 * the text or omit tool-call ids, OpenRouter returns the signed reasoning of the models behind it
 * in `reasoning_details` (moved to `provider_data.reasoning_details`, merged by `index` in a
 * stream and sent on the choice's last chunk, so it can be sent back next turn). OpenAI's own answers pass through unchanged.
 *
 * Pure functions (the stream ones keep their state in a `StreamState`); chunks are fresh objects
 * from the SDK's parser, so they are adjusted in place to keep per-chunk work small.
 *
 * @module
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  CompletionUsage,
  FinishReason,
  Model,
} from '../types.js';
import { ThinkTagSplitter, splitThinkTags } from './think-tags.js';
import { newToolCallId } from './tool-call-ids.js';

/** How a provider's answers differ from OpenAI's. */
export interface NormaliseOptions {
  /** Split `<think>…</think>` out of the content into `reasoning`. */
  thinkTags?: boolean;
  /** Drop usage from chunks (the caller asked for `include_usage: false` and the server sends it anyway). */
  dropUsage?: boolean;
}

type Json = Record<string, unknown>;

interface RawToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  custom?: { name?: string; input?: string };
}

/** What one streamed choice needs to remember. */
interface ChoiceState {
  splitter?: ThinkTagSplitter;
  /** Tool-call indexes already started (with the id and name the first fragment gave), and the index of each tool-call id seen. */
  started: Map<number, { id?: string; name?: string }>;
  byId: Map<string, number>;
  nextIndex: number;
  sawToolCalls: boolean;
  /** `reasoning_details` merged so far (OpenRouter streams them in fragments keyed by `index`). */
  details?: MergedDetails;
}

/**
 * A choice's merged `reasoning_details`, sent once, on the choice's last chunk: put on every chunk
 * (each holding all so far) they made the stream's bytes grow with the square of the reasoning's
 * length, since OpenRouter sends one fragment per reasoning token.
 */
interface MergedDetails {
  items: Json[];
  /** Where the item of each fragment `index` is in `items` (a scan per fragment was quadratic too). */
  at: Map<number, number>;
  /** Merged since they were last sent. */
  unsent: boolean;
}

/** The state of one stream; make one per stream with `createStreamState`. */
export interface StreamState {
  choices: Map<number, ChoiceState>;
  /** The last chunk seen, as a template for a closing chunk. */
  last?: ChatCompletionChunk;
}

/**
 * A fresh state for one stream.
 *
 * @example
 * ```ts
 * const state = createStreamState(); // one per completionStream call
 * ```
 */
export function createStreamState(): StreamState {
  return { choices: new Map() };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  function_call: 'function_call',
  // Seen from OpenAI-compatible servers:
  model_length: 'length',
  max_tokens: 'length',
  eos: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_call: 'tool_calls',
  tool_use: 'tool_calls',
  // z.ai (GLM): the context window ran out; the output was moderated.
  model_context_window_exceeded: 'length',
  sensitive: 'content_filter',
};

function finishReason(value: unknown, sawToolCalls: boolean): FinishReason | null {
  if (value === undefined || value === null) return null;
  const reason = FINISH_REASONS[String(value)] ?? 'stop';
  // Some local servers report 'stop' after a tool call; OpenAI code looks for 'tool_calls'.
  return reason === 'stop' && sawToolCalls ? 'tool_calls' : reason;
}

/** Text and reasoning out of Mistral-style content parts (`text`, `thinking: [{ text }]`). */
function fromContentParts(parts: unknown[]): { text: string; reasoning: string } {
  let text = '';
  let reasoning = '';
  for (const part of parts as Json[]) {
    if (!part || typeof part !== 'object') continue;
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'thinking') {
      const thinking = part.thinking;
      if (typeof thinking === 'string') reasoning += thinking;
      else if (Array.isArray(thinking)) reasoning += fromContentParts(thinking).text;
    }
  }
  return { text, reasoning };
}

/** Moves every provider's reasoning spelling into `reasoning`, and content-part arrays into a string. */
function liftReasoning(target: Json): void {
  let reasoning = typeof target.reasoning === 'string' ? target.reasoning : '';
  if (Array.isArray(target.content)) {
    const parts = fromContentParts(target.content);
    target.content = parts.text;
    reasoning += parts.reasoning;
  }
  if ('reasoning_content' in target) {
    if (typeof target.reasoning_content === 'string') reasoning += target.reasoning_content;
    delete target.reasoning_content;
  }
  if (reasoning) target.reasoning = reasoning;
  else if ('reasoning' in target) delete target.reasoning; // empty, or not a string
}

function addReasoning(target: Json, reasoning: string): void {
  if (!reasoning) return;
  target.reasoning = (typeof target.reasoning === 'string' ? target.reasoning : '') + reasoning;
}

function usageOf(raw: Json): CompletionUsage | undefined {
  const usage = (raw.usage ?? (raw.x_groq as Json | undefined)?.usage) as Json | null | undefined;
  if (!usage || typeof usage !== 'object') return undefined;
  const prompt = Number(usage.prompt_tokens ?? 0);
  const completion = Number(usage.completion_tokens ?? 0);
  if (typeof usage.total_tokens !== 'number') usage.total_tokens = prompt + completion;
  // openai-node's usage has the detail objects or not, never `null` (some servers send null).
  if (usage.prompt_tokens_details === null) delete usage.prompt_tokens_details;
  // Cache reads under another name (Together: a top-level `cached_tokens`) go where OpenAI has them.
  const details = usage.prompt_tokens_details as Json | undefined;
  if (typeof usage.cached_tokens === 'number' && details?.cached_tokens === undefined) {
    usage.prompt_tokens_details = { ...details, cached_tokens: usage.cached_tokens };
    delete usage.cached_tokens;
  }
  if (usage.completion_tokens_details === null) delete usage.completion_tokens_details;
  return usage as unknown as CompletionUsage;
}

const SERVICE_TIERS = new Set(['auto', 'default', 'flex', 'scale', 'priority', 'fast']);

/**
 * Top-level fields openai-node types more narrowly than servers send them: `system_fingerprint`
 * is a string or absent (not `null`), `service_tier` one of OpenAI's tiers (Groq's 'on_demand' is
 * not one, and is left out).
 */
function conformTopLevel(target: Json): void {
  if (target.system_fingerprint === null) delete target.system_fingerprint;
  const tier = target.service_tier;
  if (tier !== undefined && tier !== null && !SERVICE_TIERS.has(tier as string)) delete target.service_tier;
}

/** Logprobs as openai-node has them: `content` and `refusal` present, `top_logprobs` on every token. */
function conformLogprobs(logprobs: unknown): Json | null {
  if (!logprobs || typeof logprobs !== 'object') return null;
  const result = logprobs as Json;
  result.content ??= null;
  result.refusal ??= null;
  for (const list of [result.content, result.refusal]) {
    if (!Array.isArray(list)) continue;
    for (const token of list as Json[]) if (token && typeof token === 'object') token.top_logprobs ??= [];
  }
  return result;
}

/** Whether `value` is a non-empty `reasoning_details` array. */
function hasDetails(value: unknown): value is Json[] {
  return Array.isArray(value) && value.length > 0;
}

/**
 * Merges streamed `reasoning_details` fragments into `merged`: fragments with the same `index` are
 * one item, whose `text`, `summary` and `data` concatenate and whose other fields (a `signature`
 * comes on a late fragment) are taken when non-empty.
 */
function mergeDetails(merged: MergedDetails, fragments: Json[]): void {
  merged.unsent = true;
  for (const fragment of fragments) {
    if (!fragment || typeof fragment !== 'object') continue;
    const index = typeof fragment.index === 'number' ? fragment.index : undefined;
    const at = index === undefined ? undefined : merged.at.get(index);
    if (at === undefined) {
      if (index !== undefined) merged.at.set(index, merged.items.length);
      merged.items.push({ ...fragment });
      continue;
    }
    const item = merged.items[at];
    for (const [key, value] of Object.entries(fragment)) {
      if (key === 'text' || key === 'summary' || key === 'data') item[key] = `${typeof item[key] === 'string' ? item[key] : ''}${typeof value === 'string' ? value : ''}`;
      else if (value !== '' && value !== null && value !== undefined) item[key] = value;
    }
  }
}

/** Puts the merged details on `delta`'s provider_data (once they change again, they are unsent). */
function sendDetails(delta: Json, details: MergedDetails): void {
  detailsData(delta, details.items);
  details.unsent = false;
}

/** `provider_data` with these reasoning details: a fresh copy, so later merging does not change what was sent. */
function detailsData(target: Json, details: Json[]): void {
  const existing = target.provider_data && typeof target.provider_data === 'object' ? (target.provider_data as Json) : {};
  target.provider_data = { ...existing, reasoning_details: details.map((item) => ({ ...item })) };
}

function choiceState(state: StreamState, index: number, thinkTags: boolean): ChoiceState {
  let choice = state.choices.get(index);
  if (!choice) {
    choice = { started: new Map(), byId: new Map(), nextIndex: 0, sawToolCalls: false };
    if (thinkTags) choice.splitter = new ThinkTagSplitter();
    state.choices.set(index, choice);
  }
  return choice;
}

/** Gives each streamed tool-call fragment an index, and the first one of each call an id and type. */
function normaliseToolDeltas(calls: RawToolCall[], choice: ChoiceState): void {
  for (const call of calls) {
    if (typeof call.index !== 'number') {
      // Mistral sends whole calls without an index: one index per distinct id.
      const known = call.id === undefined ? undefined : choice.byId.get(call.id);
      call.index = known ?? choice.nextIndex;
    }
    choice.nextIndex = Math.max(choice.nextIndex, call.index + 1);
    const first = choice.started.get(call.index);
    if (first === undefined) {
      call.id ??= newToolCallId();
      call.type ??= call.custom ? 'custom' : 'function';
      choice.started.set(call.index, { id: call.id, name: call.function?.name });
    } else {
      // Only the first fragment names the call (clients that concatenate would build 'getget'):
      // some servers restate the type, the id or an empty or equal name on every fragment.
      delete call.type;
      if (call.id === first.id) delete call.id;
      if (call.function && (call.function.name === '' || call.function.name === first.name)) delete call.function.name;
    }
    if (call.id !== undefined) choice.byId.set(call.id, call.index);
  }
  if (calls.length > 0) choice.sawToolCalls = true;
}

/**
 * One chunk from an OpenAI-compatible server → OpenAI's chunk shape, or `undefined` for a chunk
 * that carries nothing (Azure's leading prompt-filter chunk).
 *
 * @example
 * ```ts
 * const state = createStreamState();
 * for await (const raw of stream) {
 *   const chunk = normaliseChunk(raw, state, { thinkTags: true });
 *   if (chunk) yield chunk;
 * }
 * const tail = finishStream(state);
 * if (tail) yield tail;
 * ```
 */
export function normaliseChunk(raw: unknown, state: StreamState, options: NormaliseOptions = {}): ChatCompletionChunk | undefined {
  const chunk = raw as Json;
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as Json[]) : [];
  chunk.choices = choices;
  if (options.dropUsage) delete chunk.usage;
  else {
    const usage = usageOf(chunk);
    if (usage) chunk.usage = usage;
  }
  if (choices.length === 0 && !chunk.usage) return undefined;
  if (!chunk.object) chunk.object = 'chat.completion.chunk';
  conformTopLevel(chunk);

  for (const choice of choices) {
    const index = typeof choice.index === 'number' ? choice.index : 0;
    choice.index = index;
    const cs = choiceState(state, index, options.thinkTags === true);
    const delta = (choice.delta && typeof choice.delta === 'object' ? choice.delta : (choice.delta = {})) as Json;
    liftReasoning(delta);
    if (cs.splitter && typeof delta.content === 'string') {
      const split = cs.splitter.push(delta.content);
      delta.content = split.content;
      addReasoning(delta, split.reasoning);
    }
    if (Array.isArray(delta.tool_calls)) normaliseToolDeltas(delta.tool_calls as RawToolCall[], cs);
    if ('reasoning_details' in delta) {
      if (hasDetails(delta.reasoning_details)) mergeDetails((cs.details ??= { items: [], at: new Map(), unsent: false }), delta.reasoning_details);
      delete delta.reasoning_details;
    }
    choice.finish_reason = finishReason(choice.finish_reason, cs.sawToolCalls);
    // The last provider_data of a choice is its message's: all the details, on its last chunk.
    if (choice.finish_reason !== null && cs.details?.unsent) sendDetails(delta, cs.details);
    if (choice.logprobs !== undefined) choice.logprobs = conformLogprobs(choice.logprobs);
    if (choice.finish_reason !== null && cs.splitter) {
      const rest = cs.splitter.flush();
      if (rest.content) delta.content = (typeof delta.content === 'string' ? delta.content : '') + rest.content;
      addReasoning(delta, rest.reasoning);
    }
  }
  state.last = chunk as unknown as ChatCompletionChunk;
  return state.last;
}

/**
 * A closing chunk with what a stream that ended without a finish reason still holds: text held by
 * the `<think>` splitter, reasoning details not sent yet; `undefined` when nothing is held.
 *
 * @example
 * ```ts
 * const tail = finishStream(state);
 * if (tail) yield tail;
 * ```
 */
export function finishStream(state: StreamState): ChatCompletionChunk | undefined {
  const last = state.last;
  if (!last) return undefined;
  const choices: ChatCompletionChunk['choices'] = [];
  for (const [index, cs] of state.choices) {
    const rest = cs.splitter?.flush();
    const details = cs.details?.unsent === true;
    if (!details && (!rest || (!rest.content && !rest.reasoning))) continue;
    const delta: Json = {};
    if (rest?.content) delta.content = rest.content;
    addReasoning(delta, rest?.reasoning ?? '');
    if (details) sendDetails(delta, cs.details as MergedDetails);
    choices.push({ index, delta, finish_reason: null });
  }
  if (choices.length === 0) return undefined;
  return { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices };
}

/**
 * A non-streaming response from an OpenAI-compatible server → OpenAI's completion shape.
 *
 * @example
 * ```ts
 * normaliseCompletion({ choices: [{ message: { content: '<think>hm</think>4' } }] }, { thinkTags: true })
 *   .choices[0].message; // { role: 'assistant', content: '4', reasoning: 'hm', refusal: null }
 * ```
 */
export function normaliseCompletion(raw: unknown, options: NormaliseOptions = {}): ChatCompletion {
  const response = raw as Json;
  const choices = Array.isArray(response.choices) ? (response.choices as Json[]) : [];
  response.choices = choices;
  if (!response.object) response.object = 'chat.completion';
  conformTopLevel(response);
  const usage = usageOf(response);
  // A completion's usage is an object or absent in openai-node's type, never null.
  if (usage) response.usage = usage;
  else delete response.usage;
  choices.forEach((choice, position) => {
    if (typeof choice.index !== 'number') choice.index = position;
    const message = (choice.message && typeof choice.message === 'object' ? choice.message : (choice.message = {})) as Json;
    message.role ??= 'assistant';
    liftReasoning(message);
    if (options.thinkTags && typeof message.content === 'string') {
      const split = splitThinkTags(message.content);
      message.content = split.content;
      addReasoning(message, split.reasoning);
    }
    if ('reasoning_details' in message) {
      if (hasDetails(message.reasoning_details)) detailsData(message, message.reasoning_details);
      delete message.reasoning_details;
    }
    if (message.content === undefined) message.content = null;
    // openai-node's message always has `refusal`; the choice always has `logprobs`.
    if (message.refusal === undefined) message.refusal = null;
    choice.logprobs = conformLogprobs(choice.logprobs);
    const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as RawToolCall[]) : [];
    for (const call of calls) {
      call.id ??= newToolCallId();
      call.type ??= call.custom ? 'custom' : 'function';
      delete call.index;
    }
    // A whole response without a finish reason ended normally: on its tool calls, if it made any.
    choice.finish_reason = finishReason(choice.finish_reason, calls.length > 0) ?? (calls.length > 0 ? 'tool_calls' : 'stop');
  });
  return response as unknown as ChatCompletion;
}

/**
 * A models-endpoint body → OpenAI's model list. Accepts `{ data: [...] }` (OpenAI and most),
 * a bare array (Together), `created_at` (Azure) and `organization` (Together) spellings.
 *
 * @example
 * ```ts
 * normaliseModels([{ id: 'meta-llama/Llama-3.3-70B', organization: 'Meta', created: 1733000000 }], 'together');
 * // [{ id: 'meta-llama/Llama-3.3-70B', object: 'model', created: 1733000000, owned_by: 'Meta' }]
 * ```
 */
export function normaliseModels(body: unknown, owner: string): Model[] {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as Json).data)
      ? ((body as Json).data as unknown[])
      : [];
  const models: Model[] = [];
  for (const item of list as Json[]) {
    if (!item || typeof item !== 'object' || typeof item.id !== 'string') continue;
    models.push({
      id: item.id,
      object: 'model',
      created: timestamp(item.created ?? item.created_at),
      owned_by: typeof item.owned_by === 'string' ? item.owned_by : typeof item.organization === 'string' ? item.organization : owner,
    });
  }
  return models;
}

/** Unix seconds from a number of seconds or a date string; 0 when unknown. */
function timestamp(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return 0;
}
