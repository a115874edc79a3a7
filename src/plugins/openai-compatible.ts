/**
 * The base of every provider that speaks OpenAI's Chat Completions wire format (OpenAI itself,
 * Groq, Mistral, DeepSeek, Ollama ...): the `openai` SDK with a base URL. A subclass overrides only
 * what its provider does differently.
 *
 * @module
 */
import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  CompletionParams,
  Model,
} from '../types.js';
import { Provider, type CallContext } from './provider.js';
import { importSdk } from './sdk.js';

/** The request body the `openai` SDK takes. */
export type OpenAIRequest = Record<string, unknown> & { model: string; messages: unknown[]; stream: boolean };

/**
 * A provider on the `openai` SDK. Params pass through unchanged: they are already OpenAI's.
 *
 * @example
 * ```ts
 * export default class Groq extends OpenAICompatibleProvider {}
 * ```
 */
export class OpenAICompatibleProvider extends Provider {
  protected client!: OpenAI;

  protected async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const OpenAIClient = await importOpenAI(this.name);
    // Local servers (Ollama, vLLM ...) take no key, but the SDK insists on one.
    this.client = new OpenAIClient({ ...options, apiKey: apiKey ?? 'no-key', baseURL: apiBase });
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const body = this.convertCompletionParams(params, { stream: false });
    const response = await this.client.chat.completions.create(body as never, { signal: ctx.signal });
    return this.convertCompletionResponse(response);
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const body = this.convertCompletionParams(params, { stream: true });
    const stream = (await this.client.chat.completions.create(body as never, {
      signal: ctx.signal,
    })) as unknown as AsyncIterable<unknown>;
    const state: Record<string, unknown> = {};
    for await (const event of stream) {
      yield* this.convertCompletionChunkResponse(event, state);
    }
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    const models: Model[] = [];
    for await (const model of this.client.models.list({ signal: ctx.signal })) {
      models.push({
        id: model.id,
        object: 'model',
        created: model.created ?? 0,
        owned_by: model.owned_by ?? this.name,
      });
    }
    return models;
  }

  /** Passes OpenAI params through; streams ask for the usage chunk unless the caller said otherwise. */
  convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): OpenAIRequest {
    const body: OpenAIRequest = { ...params, stream: extra.stream };
    if (extra.stream && params.stream_options === undefined) body.stream_options = { include_usage: true };
    if (!extra.stream) delete body.stream_options;
    return body;
  }

  convertCompletionResponse(response: unknown): ChatCompletion {
    return response as ChatCompletion;
  }

  convertCompletionChunkResponse(chunk: unknown, _state: Record<string, unknown>): ChatCompletionChunk[] {
    return [chunk as ChatCompletionChunk];
  }
}

async function importOpenAI(provider: string): Promise<typeof OpenAI> {
  return (await importSdk('openai', provider, () => import('openai'))).default;
}
