/**
 * The base of every provider that speaks OpenAI's Chat Completions wire format (OpenAI itself,
 * Groq, Mistral, DeepSeek, Ollama ...): the `openai` SDK with a base URL. A subclass states only
 * what its provider does differently, in `compat`; answers are brought back to OpenAI's exact
 * shape by `openai-normalise.ts`.
 *
 * @module
 */
import type OpenAI from 'openai';
import type {
  AssistantMessage,
  Base64EmbeddingResponse,
  ChatCompletion,
  ChatCompletionChunk,
  ChatMessage,
  CompletionParams,
  CreateEmbeddingResponse,
  EmbeddingParams,
  Model,
} from '../types.js';
import { embeddingItems, embeddingUrl, embedInBatches, readFeatureExtraction, readOpenAIEmbeddings, rejectTokenInput } from './embeddings.js';
import {
  createStreamState,
  finishStream,
  normaliseChunk,
  normaliseCompletion,
  normaliseModels,
  type NormaliseOptions,
  type StreamState as NormaliseStreamState,
} from './openai-normalise.js';
import { rejectCacheControl } from './cache-control.js';
import { batchedStream } from './chunk-batches.js';
import { rejectOpenAIOnly } from './openai-only.js';
import { Provider, rejectUnsupported, type CallContext } from './provider.js';
import { importSdk } from './sdk.js';
import { openSseBatches } from './sse.js';

/** The request body the `openai` SDK takes. */
export type OpenAIRequest = Record<string, unknown> & { model: string; messages: unknown[]; stream: boolean };

/** The `openai` SDK's client class (what `initClient` instantiates). */
/** The `openai` module, as `createClient` receives it. */
export type OpenAIModule = typeof import('openai');

/** How a provider on OpenAI's wire format differs from OpenAI. Everything is optional. */
export interface CompatOptions {
  /** The server leaves `<think>…</think>` in the content: split it into `reasoning`. */
  thinkTags?: boolean;
  /** Parameters the server cannot honour: setting one raises `UnsupportedParameterError`. */
  unsupported?: readonly string[];
  /** Parameters the server spells differently, OpenAI name → server name (e.g. `seed` → `random_seed`). */
  rename?: Readonly<Record<string, string>>;
  /** The server knows only `max_tokens`: `max_completion_tokens` is sent under that name. */
  maxTokensOnly?: boolean;
  /** `false`: the server rejects `stream_options` (it always reports usage in the last chunk). */
  streamOptions?: boolean;
  /**
   * The field an assistant message's `reasoning` goes back in on later turns (DeepSeek:
   * `reasoning_content`, which it requires after tool calls). Unset: reasoning is not sent back.
   */
  reasoningEcho?: string;
  /**
   * `true`: an assistant message's `provider_data.reasoning_details` (the signed reasoning
   * OpenRouter returns) goes back as `reasoning_details` on later turns. Unset: it is not sent.
   */
  reasoningDetailsEcho?: boolean;
  /**
   * `true`: the server takes Anthropic's `cache_control` marks on content parts and tools
   * (OpenRouter passes them to the models that cache). Unset, a mark is refused with
   * `UnsupportedParameterError` rather than sent to a server that would ignore it.
   */
  cacheControl?: boolean;
  /** Rewrites tool-call ids the server would refuse (Mistral: nine letters and digits). */
  toolCallId?: (id: string) => string;
  /**
   * `true`: the server is OpenAI's own API (or Azure's), which takes OpenAI's newer request shapes:
   * custom tools, `allowed_tools`, prompt-cache breakpoints, `detail: 'original'`, refusal parts,
   * audio references, `function` messages, stream obfuscation. Unset, each of them is refused with
   * `UnsupportedParameterError` rather than sent to a server that may ignore it.
   */
  openaiShapes?: boolean;
  /** How the server's `/embeddings` differs from OpenAI's (unset: it is OpenAI's). */
  embedding?: EmbeddingCompat;
}

/** How a server's `POST /embeddings` differs from OpenAI's. Everything is optional. */
export interface EmbeddingCompat {
  /** The most inputs one request may carry; more are sent in several requests and joined. Unset: no limit. */
  maxInputs?: number;
  /** Parameters the endpoint cannot honour: setting one raises `UnsupportedParameterError`. */
  unsupported?: readonly ('dimensions' | 'user')[];
  /** Parameters the endpoint spells differently (Mistral: `dimensions` → `output_dimension`). */
  rename?: Readonly<Record<string, string>>;
  /** `false`: the endpoint takes no `encoding_format`; floats are asked for and base64 is made in the plugin. */
  encodingFormat?: boolean;
  /** `false`: the endpoint embeds text only; token-id input raises `UnsupportedParameterError`. */
  tokens?: boolean;
  /**
   * `true`: when the caller leaves `encoding_format` out, ask for base64 (a quarter of the bytes
   * of float JSON, and faster to parse) and decode it in the plugin, as openai-node does.
   */
  base64Floats?: boolean;
  /**
   * Where embeddings are posted instead of `/embeddings`: a URL reference resolved against the base
   * URL as a directory (so `../x` leaves its `/v1`, and a proxy's own prefix is kept), `{model}`
   * replaced by the model id, each of its `/`-separated segments URL-encoded.
   */
  path?: string;
  /**
   * The body's shape: `'openai'` (unset) is OpenAI's; `'feature-extraction'` is Hugging Face's
   * pipeline (`{ inputs: [...] }` in, one float array per input out, the model in `path`, no usage).
   */
  format?: 'openai' | 'feature-extraction';
}

/**
 * A provider on the `openai` SDK. OpenAI's params and answers pass through; `compat` adapts the
 * rest.
 *
 * @example
 * ```ts
 * export default class Together extends OpenAICompatibleProvider {
 *   protected override readonly compat: CompatOptions = { thinkTags: true, maxTokensOnly: true };
 * }
 * ```
 */
export class OpenAICompatibleProvider extends Provider<OpenAIRequest, unknown, unknown, NormaliseStreamState> {
  protected client!: OpenAI;
  /** How this provider differs from OpenAI; subclasses override it. */
  protected readonly compat: CompatOptions = {};

  protected async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const sdk = await importSdk('openai', this.name, () => import('openai'));
    this.client = this.createClient(sdk, apiKey, apiBase, options);
  }

  /** Builds the SDK client from the imported `openai` module; a provider with another client class (Azure) overrides it. */
  protected createClient(
    sdk: OpenAIModule,
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): OpenAI {
    // Local servers (Ollama, vLLM ...) take no key, but the SDK insists on one.
    return new sdk.default({ ...options, apiKey: apiKey ?? 'no-key', baseURL: apiBase });
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const body = this.convertCompletionParams(params, { stream: false });
    const response = await this.client.chat.completions.create(body as never, { signal: ctx.signal });
    return this.convertCompletionResponse(response);
  }

  completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    // Read by the plugin runtime a batch at a time, by anyone else chunk by chunk (chunk-batches.ts).
    return batchedStream(() => this.#streamBatches(params, ctx));
  }

  /** The stream's chunks, as many at a time as one read of the body brought. */
  async *#streamBatches(params: CompletionParams, ctx: CallContext): AsyncGenerator<ChatCompletionChunk[]> {
    const body = this.convertCompletionParams(params, { stream: true });
    // The SDK makes the request (auth, retries, HTTP errors); the body is read by the lean SSE
    // reader, whose per-chunk work is a fraction of the SDK's iterator stack (docs/PERFORMANCE.md).
    const reader = await openSseBatches(this.client.chat.completions.create(body as never, { signal: ctx.signal }), this.name);
    // The server sends usage whatever the caller asked when it takes no stream_options.
    const dropUsage = this.compat.streamOptions === false && params.stream_options?.include_usage === false;
    const options: NormaliseOptions = { thinkTags: this.compat.thinkTags, dropUsage };
    // Per chunk: normalise, nothing more (one await per read of the body, no options or `yield*`).
    const state = this.createStreamState();
    try {
      for (let events = await reader.next(); events !== undefined; events = await reader.next()) {
        const chunks: ChatCompletionChunk[] = [];
        try {
          for (const event of events) {
            const chunk = normaliseChunk(event, state, options);
            if (chunk) chunks.push(chunk);
          }
        } catch (error) {
          // A chunk it cannot normalise ends the stream after the ones before it, as chunk by chunk.
          if (chunks.length > 0) yield chunks;
          throw error;
        }
        if (chunks.length > 0) yield chunks;
      }
    } finally {
      reader.close();
    }
    const tail = finishStream(state);
    if (tail) yield [tail];
  }

  /**
   * `POST /embeddings` with the caller's params (what `compat.embedding` rules out refused, renamed
   * ones renamed), split into requests of at most `maxInputs` inputs. The body is exactly this:
   * the SDK's own `embeddings.create` would ask for base64 behind the caller's back.
   */
  override async embedding(params: EmbeddingParams, ctx: CallContext): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    const compat = this.compat.embedding ?? {};
    // The pipeline's body has no place for these, nor for token ids: refused, never dropped.
    const pipeline = compat.format === 'feature-extraction';
    rejectUnsupported(params, [...(compat.unsupported ?? []), ...(pipeline ? (['dimensions', 'user'] as const) : [])], this.name);
    if (compat.tokens === false || pipeline) rejectTokenInput(params, this.name);
    const url = compat.path === undefined ? '/embeddings' : embeddingUrl(compat.path, this.client.baseURL, params.model, this.name);
    if (compat.format === 'feature-extraction') {
      return embedInBatches(params, compat.maxInputs, this.name, async (input) => {
        const answer: unknown = await this.client.post(url, { body: { inputs: embeddingItems(input) }, signal: ctx.signal });
        return readFeatureExtraction(answer, this.name);
      });
    }
    return embedInBatches(params, compat.maxInputs, this.name, async (input) => {
      const body: Record<string, unknown> = { ...params, input };
      if (compat.encodingFormat === false) delete body.encoding_format;
      else if (compat.base64Floats && body.encoding_format === undefined) body.encoding_format = 'base64';
      for (const [from, to] of Object.entries(compat.rename ?? {})) {
        if (body[from] === undefined) continue;
        body[to] = body[from];
        delete body[from];
      }
      const answer: unknown = await this.client.post(url, { body, signal: ctx.signal });
      return readOpenAIEmbeddings(answer, this.name);
    });
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    // Read the body directly: some servers answer a bare array (Together), which the SDK's pager drops.
    const body: unknown = await this.client.get('/models', { signal: ctx.signal });
    return normaliseModels(body, this.name);
  }

  /**
   * OpenAI params → the server's request body. Refuses what `compat` rules out (the host has
   * already refused what the manifest does not claim);
   * streams ask for the usage chunk unless the caller said otherwise.
   */
  convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): OpenAIRequest {
    const compat = this.compat;
    if (compat.unsupported) this.rejectUnsupported(params, compat.unsupported);
    if (!compat.openaiShapes) rejectOpenAIOnly(params, this.name);
    if (!compat.cacheControl) rejectCacheControl(params, this.name);
    const body: OpenAIRequest = { ...params, messages: params.messages.map((m) => this.convertMessage(m)), stream: extra.stream };
    for (const [from, to] of Object.entries(compat.rename ?? {})) {
      if (body[from] === undefined) continue;
      body[to] = body[from];
      delete body[from];
    }
    if (compat.maxTokensOnly && body.max_completion_tokens !== undefined) {
      if (body.max_completion_tokens !== null) body.max_tokens = body.max_completion_tokens;
      delete body.max_completion_tokens;
    }
    if (!extra.stream || compat.streamOptions === false) delete body.stream_options;
    else if (params.stream_options === undefined) body.stream_options = { include_usage: true };
    return body;
  }

  /** One message as the server takes it: AnyLLM's extra fields removed or renamed, ids rewritten. */
  protected convertMessage(message: ChatMessage): unknown {
    const { toolCallId, reasoningEcho, reasoningDetailsEcho } = this.compat;
    if (message.role === 'tool') {
      return toolCallId ? { ...message, tool_call_id: toolCallId(message.tool_call_id) } : message;
    }
    if (message.role !== 'assistant') return message;
    const needsWork = 'reasoning' in message || 'provider_data' in message || (toolCallId && message.tool_calls);
    if (!needsWork) return message;
    const { reasoning, provider_data: providerData, ...rest } = message as AssistantMessage;
    const out: Record<string, unknown> = rest;
    if (reasoningEcho && typeof reasoning === 'string') out[reasoningEcho] = reasoning;
    const details = providerData?.reasoning_details;
    if (reasoningDetailsEcho && Array.isArray(details)) out.reasoning_details = details;
    if (toolCallId && rest.tool_calls) {
      out.tool_calls = rest.tool_calls.map((call) => ({ ...call, id: toolCallId(call.id) }));
    }
    return out;
  }

  convertCompletionResponse(response: unknown): ChatCompletion {
    return normaliseCompletion(response, { thinkTags: this.compat.thinkTags });
  }

  override createStreamState(): NormaliseStreamState {
    return createStreamState();
  }

  /**
   * One chunk, for callers outside `completionStream` (which normalises inline). The response and
   * chunk stay `unknown`: each server's JSON is read defensively by the normaliser.
   */
  convertCompletionChunkResponse(chunk: unknown, state: NormaliseStreamState): ChatCompletionChunk[] {
    const normalised = normaliseChunk(chunk, state, { thinkTags: this.compat.thinkTags });
    return normalised ? [normalised] : [];
  }
}

