/**
 * Anthropic (Claude), on the official `@anthropic-ai/sdk`, which only this plugin imports. The
 * conversions to and from OpenAI's shapes are the pure modules beside this one.
 *
 * @module
 */
import type Anthropic from '@anthropic-ai/sdk';
import {
  Provider,
  normaliseModels,
  importSdk,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type Model,
} from '../../src/plugins/index.js';
import { convertRequest, JSON_TOOL_NAME, usesJsonTool } from './convert-request.js';
import { convertResponse } from './convert-response.js';
import { convertStreamEvent, createStreamState, type StreamState } from './convert-stream.js';
import { mapAnthropicError } from './errors.js';
import type { AnthropicRequest, AnthropicResponse, AnthropicStreamEvent } from './wire-types.js';

type AnthropicClass = typeof Anthropic;

/**
 * Loads the SDK's client class, or fails with an error naming the package to install.
 *
 * @example
 * ```ts
 * const AnthropicClient = await loadAnthropicSdk('anthropic');
 * ```
 */
export async function loadAnthropicSdk(
  provider: string,
  load: () => Promise<{ default: AnthropicClass }> = () => import('@anthropic-ai/sdk'),
): Promise<AnthropicClass> {
  return (await importSdk('@anthropic-ai/sdk', provider, load)).default;
}

/** The SDK appends `/v1/messages` itself; a base URL copied with `/v1` on the end would double it. */
function sdkBaseUrl(apiBase: string | undefined): string | undefined {
  return apiBase?.replace(/\/v1\/?$/, '');
}

/** The largest `max_tokens` the SDK sends without streaming: 10 minutes at its 128k tokens an hour. */
const NON_STREAMING_MAX_TOKENS = Math.floor((10 * 128_000) / 60);

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * The Anthropic provider: OpenAI-shaped params in, Anthropic Messages API through the SDK, OpenAI
 * shapes out. Thinking comes back as `reasoning`, its signed blocks as `provider_data`.
 *
 * @example
 * ```ts
 * const llm = await AnyLLM.create('anthropic'); // ANTHROPIC_API_KEY
 * const res = await llm.completion({ model: 'claude-haiku-4-5', messages, reasoning_effort: 'low' });
 * ```
 */
export default class AnthropicProvider extends Provider<AnthropicRequest, AnthropicResponse, AnthropicStreamEvent, StreamState> {
  protected client!: Anthropic;

  protected async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const AnthropicClient = await loadAnthropicSdk(this.name);
    this.client = new AnthropicClient({ ...options, apiKey: apiKey ?? null, baseURL: sdkBaseUrl(apiBase) });
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const body = this.convertCompletionParams(params, { stream: false });
    try {
      // The SDK refuses a non-streaming request that may outlast 10 minutes (by max_tokens), as
      // idle connections get dropped; such a request is streamed and assembled, as Anthropic advises.
      const response =
        body.max_tokens > NON_STREAMING_MAX_TOKENS
          ? await this.client.messages.stream(body as never, { signal: ctx.signal }).finalMessage()
          : await this.client.messages.create(body as never, { signal: ctx.signal });
      return this.convertCompletionResponse(response as unknown as AnthropicResponse, usesJsonTool(params) ? JSON_TOOL_NAME : undefined);
    } catch (error) {
      throw mapAnthropicError(error, this.name);
    }
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const body = this.convertCompletionParams(params, { stream: true });
    const state = this.createStreamState(params);
    try {
      const stream = (await this.client.messages.create(body as never, { signal: ctx.signal })) as unknown as AsyncIterable<AnthropicStreamEvent>;
      // Per event: convert and yield each chunk (a `yield*` over the array costs more in an async generator).
      for await (const event of stream) for (const chunk of convertStreamEvent(event, state)) yield chunk;
    } catch (error) {
      throw mapAnthropicError(error, this.name);
    }
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    const entries: unknown[] = [];
    try {
      for await (const model of this.client.models.list({}, { signal: ctx.signal })) entries.push(model);
    } catch (error) {
      throw mapAnthropicError(error, this.name);
    }
    // Anthropic's entries (`id`, `created_at` as a date) are what the shared normaliser reads.
    return normaliseModels(entries, this.name);
  }

  convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): AnthropicRequest {
    return convertRequest(params, { ...extra, provider: this.name });
  }

  /** `jsonTool`: the JSON tool's name when the request asked for `json_object`. */
  convertCompletionResponse(response: AnthropicResponse, jsonTool?: string): ChatCompletion {
    return convertResponse(response, { created: now(), jsonTool });
  }

  override createStreamState(params: CompletionParams): StreamState {
    return createStreamState({
      created: now(),
      jsonTool: usesJsonTool(params) ? JSON_TOOL_NAME : undefined,
      includeUsage: params.stream_options?.include_usage !== false,
    });
  }

  convertCompletionChunkResponse(chunk: AnthropicStreamEvent, state: StreamState): ChatCompletionChunk[] {
    return convertStreamEvent(chunk, state);
  }
}
