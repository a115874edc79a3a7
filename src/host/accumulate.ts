/**
 * Folds streamed chunks into the `ChatCompletion` the same call would have returned unstreamed, by
 * the rules openai-node's `ChatCompletionStream` follows: per choice `index`, `content`, `refusal`
 * and `reasoning` concatenate; tool-call fragments are keyed by their `index`, `id`, `type` and
 * the name are taken as given (never concatenated) and `arguments` (`input` for custom tools)
 * concatenate; the last `provider_data` is the message's (each one holds everything so far);
 * the last `finish_reason` and `usage` win.
 *
 * @module
 */
import { ProviderError } from '../errors.js';
import type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionMessage,
  CompletionUsage,
  FinishReason,
  JsonObject,
  ServiceTier,
  TokenLogprob,
  ToolCall,
} from '../types.js';

interface CallState {
  id?: string;
  type?: 'function' | 'custom';
  name?: string;
  input: string;
}

interface ChoiceState {
  index: number;
  content: string | null;
  refusal: string | null;
  reasoning: string | null;
  providerData?: JsonObject;
  /** By the fragments' `index` (a number the provider chose: never an array's length). */
  calls: Map<number, CallState>;
  finishReason: FinishReason | null;
  logprobs?: { content: TokenLogprob[] | null; refusal: TokenLogprob[] | null };
}

/**
 * Folds chunks one at a time, holding only the assembled strings (not the chunks), for a caller
 * that iterates a stream and wants the final result too.
 *
 * @example
 * ```ts
 * const acc = new ChunkAccumulator();
 * for await (const chunk of llm.completionStream(params)) {
 *   acc.add(chunk);
 *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * }
 * const completion = acc.toChatCompletion();
 * ```
 */
export class ChunkAccumulator {
  readonly #provider: string | undefined;
  /**
   * By the choices' `index`: a Map, not an array, since the index is the provider's (a choice at
   * 4294967294 made an array 4 G long, and every walk over it ~100 s of the caller's thread).
   */
  readonly #choices = new Map<number, ChoiceState>();
  #chunks = 0;
  #id = '';
  #created = 0;
  #model = '';
  #usage: CompletionUsage | undefined;
  #fingerprint: string | undefined;
  #tier: ServiceTier | null | undefined;

  /** @param options.provider named in the errors `toChatCompletion()` raises */
  constructor(options: { provider?: string } = {}) {
    this.#provider = options.provider;
  }

  /** Folds one chunk in. */
  add(chunk: ChatCompletionChunk): void {
    if (this.#chunks++ === 0 || this.#id === '') {
      this.#id = chunk.id ?? '';
      this.#created = chunk.created;
      this.#model = chunk.model;
    }
    if (chunk.usage) this.#usage = chunk.usage;
    if (chunk.system_fingerprint !== undefined) this.#fingerprint = chunk.system_fingerprint;
    if (chunk.service_tier !== undefined) this.#tier = chunk.service_tier;
    for (const choice of chunk.choices) {
      let state = this.#choices.get(choice.index);
      if (!state) {
        state = { index: choice.index, content: null, refusal: null, reasoning: null, calls: new Map(), finishReason: null };
        this.#choices.set(choice.index, state);
      }
      const delta = choice.delta;
      if (typeof delta.content === 'string') state.content = (state.content ?? '') + delta.content;
      if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
      if (typeof delta.reasoning === 'string') state.reasoning = (state.reasoning ?? '') + delta.reasoning;
      if (delta.provider_data) state.providerData = delta.provider_data;
      if (delta.tool_calls) {
        for (const part of delta.tool_calls) {
          let call = state.calls.get(part.index);
          if (!call) {
            call = { input: '' };
            state.calls.set(part.index, call);
          }
          if (part.id) call.id = part.id;
          if (part.type) call.type = part.type;
          const name = part.function?.name || part.custom?.name;
          if (name) call.name = name;
          call.input += part.function?.arguments ?? part.custom?.input ?? '';
          if (part.custom && !call.type) call.type = 'custom';
        }
      }
      if (choice.logprobs) {
        const logprobs = (state.logprobs ??= { content: null, refusal: null });
        logprobs.content = appendTokens(logprobs.content, choice.logprobs.content, `choices[${choice.index}].logprobs.content`, this.#provider);
        logprobs.refusal = appendTokens(logprobs.refusal, choice.logprobs.refusal, `choices[${choice.index}].logprobs.refusal`, this.#provider);
      }
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  /**
   * The assembled completion. Throws `ProviderError` when the stream could not have been whole:
   * no chunk, a choice without `finish_reason`, a tool call without its id or name (openai-node's
   * `finalChatCompletion` refuses the same).
   */
  toChatCompletion(): ChatCompletion {
    const fail = (why: string): never => {
      throw new ProviderError(`The stream cannot be assembled: ${why}.`, { provider: this.#provider, code: 'incomplete_stream' });
    };
    if (this.#chunks === 0) fail('it had no chunks');
    const choices = [...this.#choices.values()]
      .sort((a, b) => a.index - b.index)
      .map((state): ChatCompletionChoice => {
        if (state.finishReason === null) fail(`choice ${state.index} has no finish_reason (the stream ended early)`);
        const message: ChatCompletionMessage = { role: 'assistant', content: state.content, refusal: state.refusal };
        if (state.calls.size > 0) {
          // Tool calls are a list: indexes 0..n-1, each once; any other index leaves a gap below n.
          const calls: ToolCall[] = [];
          for (let j = 0; j < state.calls.size; j++) calls.push(toolCall(state.calls.get(j), `choices[${state.index}].tool_calls[${j}]`, fail));
          message.tool_calls = calls;
        }
        if (state.reasoning !== null) message.reasoning = state.reasoning;
        if (state.providerData) message.provider_data = state.providerData;
        return { index: state.index, message, finish_reason: state.finishReason as FinishReason, logprobs: state.logprobs ?? null };
      });
    const completion: ChatCompletion = { id: this.#id, object: 'chat.completion', created: this.#created, model: this.#model, choices };
    if (this.#usage) completion.usage = this.#usage;
    if (this.#fingerprint !== undefined) completion.system_fingerprint = this.#fingerprint;
    if (this.#tier !== undefined) completion.service_tier = this.#tier;
    return completion;
  }
}

/**
 * `list` with the `tokens` of one chunk appended, one at a time: spread into one `push`, 150 000
 * of them overflow the stack. Anything but a list (or nothing) cannot be folded.
 */
function appendTokens(list: TokenLogprob[] | null, tokens: unknown, at: string, provider: string | undefined): TokenLogprob[] | null {
  if (tokens === undefined || tokens === null) return list;
  if (!Array.isArray(tokens)) {
    throw new ProviderError(`The stream cannot be assembled: ${at} is not a list.`, { provider, code: 'incomplete_stream' });
  }
  const out = list ?? [];
  for (let i = 0; i < tokens.length; i++) out.push(tokens[i] as TokenLogprob);
  return out;
}

function toolCall(call: CallState | undefined, at: string, fail: (why: string) => never): ToolCall {
  if (call === undefined) return fail(`${at} never came (the indexes have a gap)`);
  if (!call.id) fail(`${at} has no id`);
  if (!call.name) fail(`${at} has no name`);
  if (call.type === 'custom') return { id: call.id as string, type: 'custom', custom: { name: call.name as string, input: call.input } };
  return { id: call.id as string, type: 'function', function: { name: call.name as string, arguments: call.input } };
}

/**
 * Assembles the chunks of one stream into its `ChatCompletion`, for a caller that iterated the
 * stream itself: content, reasoning, refusal, tool calls merged by index, the last
 * `provider_data`, usage and `finish_reason`.
 *
 * @throws ProviderError when the chunks cannot make a whole completion (no `finish_reason`, a tool
 *   call without id or name).
 * @example
 * ```ts
 * const chunks: ChatCompletionChunk[] = [];
 * for await (const chunk of llm.completionStream(params)) chunks.push(chunk);
 * const { choices, usage } = accumulateChunks(chunks);
 * messages.push(choices[0].message); // the next turn
 * ```
 */
export function accumulateChunks(chunks: Iterable<ChatCompletionChunk>, options: { provider?: string } = {}): ChatCompletion {
  const accumulator = new ChunkAccumulator(options);
  for (const chunk of chunks) accumulator.add(chunk);
  return accumulator.toChatCompletion();
}
