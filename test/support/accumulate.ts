/**
 * The one stream accumulator of the test suite: folds streamed chunks into the assistant message a
 * caller sends back next turn, by OpenAI's rules for streamed chat completions, and refuses a stream
 * that breaks them (a `StreamShapeError`), so a provider whose stream a strict OpenAI client would
 * mis-assemble fails its own tests, not only conformance.
 *
 * The rules, and where they come from:
 * - Tool-call deltas are keyed by `index`. `id`, `type` and `function.name` arrive on the first
 *   fragment of an index and are assigned, never concatenated; `function.arguments` fragments
 *   concatenate. openai-node, `src/lib/ChatCompletionStream.ts` (`#accumulateChatCompletion`:
 *   `if (id) tool_call.id = id; ... if (fn?.name) tool_call.function.name = fn.name;
 *   if (fn?.arguments) tool_call.function.arguments += fn.arguments`), and OpenAI's function-calling
 *   guide, "Streaming" (https://platform.openai.com/docs/guides/function-calling#streaming): the first
 *   delta of a call carries its id and name, the following ones only argument pieces. A fragment that
 *   repeats `id`, `type` or `name` is refused here: clients that concatenate (`name += ...`, as many do)
 *   would build `get_weatherget_weather`, and OpenAI never sends one.
 * - A finished call needs `id`, `type` and `function.name`: openai-node's `finalizeChatCompletion`
 *   throws `missing choices[i].tool_calls[j].id` (and `.type`, `.function.name`) otherwise.
 * - `content` concatenates per choice (null when none came, as in a non-streamed message); so does
 *   `reasoning` (this library's string field, README "Parameters and results").
 * - `finish_reason` is per choice (`choices[].index`), set once.
 * - Usage comes once, on a final chunk whose `choices` is empty (API reference, `stream_options.
 *   include_usage`: "an additional chunk will be streamed before the data: [DONE] message. The usage
 *   field on this chunk shows the token usage statistics for the entire request, and the choices
 *   field will always be an empty array"; https://platform.openai.com/docs/api-reference/chat/create).
 * - The last `delta.provider_data` is the message's (README: "in a stream, the last
 *   `delta.provider_data` is the one to put there"); nothing is merged.
 *
 * @module
 */
import type { AssistantMessage, CompletionUsage, FunctionToolCall } from 'anyllm';

type JsonObject = NonNullable<AssistantMessage['provider_data']>;

/** A stream broke one of OpenAI's accumulation rules; `message` says which, at which chunk. */
export class StreamShapeError extends Error {
  override name = 'StreamShapeError';
}

/** The chunk shape the accumulator reads (a `ChatCompletionChunk`, or a looser converter output). */
export interface ChunkLike {
  readonly choices: readonly {
    readonly index?: number;
    readonly delta: {
      readonly content?: string | null;
      readonly reasoning?: string | null;
      readonly provider_data?: JsonObject | Record<string, unknown>;
      readonly tool_calls?: readonly {
        readonly index: number;
        readonly id?: string;
        readonly type?: string;
        readonly function?: { readonly name?: string; readonly arguments?: string };
      }[];
    };
    readonly finish_reason: string | null;
  }[];
  readonly usage?: CompletionUsage | null;
}

/** One tool-call fragment as it arrived, to check the order (name before arguments). */
export interface ToolDelta {
  choice: number;
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

/** The accumulated assistant message of one choice. */
export interface AccumulatedChoice {
  index: number;
  message: StreamedMessage;
  finishReason: string | null;
}

/** An assistant message folded from deltas: streamed tool calls are always function calls. */
export type StreamedMessage = Omit<AssistantMessage, 'tool_calls'> & { content: string | null; tool_calls?: FunctionToolCall[] };

/** What a caller builds from a whole stream. The flat fields are choice 0's. */
export interface Accumulated<C extends ChunkLike = ChunkLike> {
  chunks: C[];
  choices: AccumulatedChoice[];
  /** Choice 0's message, ready to send back in the next turn. */
  message: StreamedMessage;
  content: string;
  reasoning: string;
  toolCalls: FunctionToolCall[];
  finishReason: string | null;
  providerData?: JsonObject;
  usage?: CompletionUsage;
  /** Every tool-call fragment, in arrival order. */
  toolDeltas: ToolDelta[];
}

interface ChoiceState {
  content: string;
  sawContent: boolean;
  reasoning: string;
  sawReasoning: boolean;
  providerData?: JsonObject;
  calls: { id?: string; type?: string; name?: string; arguments: string }[];
  finishReason: string | null;
}

/**
 * Folds `chunks` into the assistant message(s), refusing a stream that breaks OpenAI's rules.
 *
 * @example
 * ```ts
 * const { message, usage } = accumulate(await collect(llm.completionStream(params)));
 * history.push(message);
 * ```
 */
export function accumulate<C extends ChunkLike>(chunks: readonly C[]): Accumulated<C> {
  const states: ChoiceState[] = [];
  const toolDeltas: ToolDelta[] = [];
  let usage: CompletionUsage | undefined;
  chunks.forEach((chunk, at) => {
    const fail = (why: string): never => {
      throw new StreamShapeError(`chunk ${at}: ${why}\n${JSON.stringify(chunk)}`);
    };
    if (usage !== undefined) fail('a chunk after the usage chunk (usage comes on the final chunk)');
    if (chunk.usage) {
      if (chunk.choices.length > 0) fail('usage on a chunk with choices (it comes on a final chunk whose choices is empty)');
      usage = chunk.usage;
    }
    chunk.choices.forEach((choice, position) => {
      const index = choice.index ?? position;
      const state = (states[index] ??= { content: '', sawContent: false, reasoning: '', sawReasoning: false, calls: [], finishReason: null });
      const { delta } = choice;
      if (typeof delta.content === 'string') {
        state.content += delta.content;
        state.sawContent ||= delta.content !== '';
      }
      if (typeof delta.reasoning === 'string') {
        state.reasoning += delta.reasoning;
        state.sawReasoning ||= delta.reasoning !== '';
      }
      if (delta.provider_data) state.providerData = delta.provider_data as JsonObject;
      for (const part of delta.tool_calls ?? []) {
        toolDeltas.push({ choice: index, index: part.index, id: part.id, name: part.function?.name, arguments: part.function?.arguments });
        const open = state.calls[part.index];
        if (open === undefined) {
          state.calls[part.index] = { id: part.id, type: part.type, name: part.function?.name, arguments: part.function?.arguments ?? '' };
          continue;
        }
        // Only the first fragment of a call names it; a repeat would be concatenated by many clients.
        if (part.id !== undefined) fail(`tool call ${part.index} repeats its id (only the first fragment carries it)`);
        if (part.type !== undefined) fail(`tool call ${part.index} repeats its type (only the first fragment carries it)`);
        if (part.function?.name !== undefined) fail(`tool call ${part.index} repeats function.name (only the first fragment carries it)`);
        open.arguments += part.function?.arguments ?? '';
      }
      if (choice.finish_reason) {
        if (state.finishReason !== null) fail(`choice ${index} has a second finish_reason`);
        state.finishReason = choice.finish_reason;
      }
    });
  });

  const choices = states.map((state, index): AccumulatedChoice => {
    const message: AccumulatedChoice['message'] = { role: 'assistant', content: state.sawContent ? state.content : null };
    if (state.sawReasoning) message.reasoning = state.reasoning;
    if (state.providerData) message.provider_data = state.providerData;
    if (state.calls.length > 0) {
      message.tool_calls = state.calls.map((call, i): FunctionToolCall => {
        const missing = (field: string): never => {
          throw new StreamShapeError(`missing choices[${index}].tool_calls[${i}].${field} (openai-node's finalChatCompletion throws)`);
        };
        if (call === undefined) return missing('(no fragment for this index)');
        if (!call.id) missing('id');
        if (call.type !== 'function') missing('type');
        if (!call.name) missing('function.name');
        return { id: call.id as string, type: 'function', function: { name: call.name as string, arguments: call.arguments } };
      });
    }
    return { index, message, finishReason: state.finishReason };
  });
  const first = choices[0] ?? { index: 0, message: { role: 'assistant' as const, content: null }, finishReason: null };
  const result: Accumulated<C> = {
    chunks: [...chunks],
    choices,
    message: first.message,
    content: states[0]?.content ?? '',
    reasoning: states[0]?.reasoning ?? '',
    toolCalls: first.message.tool_calls ?? [],
    finishReason: first.finishReason,
    toolDeltas,
  };
  if (first.message.provider_data) result.providerData = first.message.provider_data;
  if (usage) result.usage = usage;
  return result;
}

/**
 * Reads `stream` to the end, as a caller's `for await` loop would, and accumulates it.
 *
 * @example
 * ```ts
 * const { message, finishReason } = await accumulateStream(llm.completionStream(params));
 * ```
 */
export async function accumulateStream<C extends ChunkLike>(stream: AsyncIterable<C>): Promise<Accumulated<C>> {
  const chunks: C[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return accumulate(chunks);
}
