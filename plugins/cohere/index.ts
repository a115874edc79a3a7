/**
 * Cohere, on its v2 Chat API (`POST /v2/chat`, `GET /v1/models`) through `fetch` and the shared
 * SSE reader: no SDK to install. The conversions to and from OpenAI's shapes are the pure modules
 * beside this one.
 *
 * Embeddings on its v2 Embed API (`POST /v2/embed`).
 *
 * Client options: `maxRetries` (the plugin's own retries; the host sets 0, since it retries itself, unless the caller sets it), `defaultHeaders` (e.g. Cohere's `X-Client-Name`) and `embeddingInputType` (Cohere's `input_type` for embeddings: `'search_document'` by default, or `'search_query'`, `'classification'`, `'clustering'`).
 *
 * @module
 */
import {
  embedInBatches,
  embeddingItems,
  Provider,
  rejectTokenInput,
  rejectUnsupported,
  sseEvents,
  type Base64EmbeddingResponse,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type CreateEmbeddingResponse,
  type EmbeddingParams,
  type Model,
} from '../../src/plugins/index.js';
import { convertRequest } from './convert-request.js';
import { convertResponse } from './convert-response.js';
import { convertStreamEvent, createStreamState, type StreamState } from './convert-stream.js';
import { COHERE_MAX_EMBED_INPUTS, cohereInputType, embedRequest, readEmbedResponse, type CohereInputType } from './embedding.js';
import { cohereFetch, type CohereHttpOptions } from './http.js';
import type { CohereModelList, CohereRequest, CohereResponse, CohereStreamEvent } from './wire-types.js';

const DEFAULT_BASE_URL = 'https://api.cohere.com';

const now = (): number => Math.floor(Date.now() / 1000);

/** The paths carry their version (`/v2/chat`, `/v1/models`): a base copied with one on the end loses it. */
function baseUrlOf(apiBase: string | undefined): string {
  return (apiBase ?? DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v[12]$/, '');
}

/**
 * @example
 * ```ts
 * const llm = await AnyLLM.create('cohere'); // COHERE_API_KEY
 * const res = await llm.completion({ model: 'command-a-03-2025', messages, tools });
 * ```
 */
export default class CohereProvider extends Provider<CohereRequest, CohereResponse, CohereStreamEvent, StreamState> {
  #http!: CohereHttpOptions;
  #inputType: CohereInputType = 'search_document';

  protected initClient(apiKey: string | undefined, apiBase: string | undefined, options: Record<string, unknown>): void {
    const { maxRetries, defaultHeaders, embeddingInputType } = options;
    this.#inputType = cohereInputType(embeddingInputType, this.name);
    this.#http = {
      provider: this.name,
      apiKey,
      baseUrl: baseUrlOf(apiBase),
      maxRetries: typeof maxRetries === 'number' && maxRetries >= 0 ? maxRetries : 2,
      headers: { ...(defaultHeaders as Record<string, string> | undefined) },
    };
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const body = this.convertCompletionParams(params, { stream: false });
    const response = await cohereFetch(this.#http, 'POST', '/v2/chat', body, ctx.signal);
    return this.convertCompletionResponse((await response.json()) as CohereResponse, params.model);
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const body = this.convertCompletionParams(params, { stream: true });
    const state = this.createStreamState(params);
    const response = await cohereFetch(this.#http, 'POST', '/v2/chat', body, ctx.signal);
    for await (const event of sseEvents(response, this.name)) {
      for (const chunk of this.convertCompletionChunkResponse(event as CohereStreamEvent, state)) yield chunk;
    }
  }

  /** `POST /v2/embed` per batch of 96 texts; `dimensions` is `output_dimension`. Text only, no `user`. */
  override async embedding(params: EmbeddingParams, ctx: CallContext): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    rejectUnsupported(params, ['user'], this.name);
    rejectTokenInput(params, this.name);
    return embedInBatches(params, COHERE_MAX_EMBED_INPUTS, this.name, async (input) => {
      const body = embedRequest(params, embeddingItems(input) as string[], this.#inputType);
      return readEmbedResponse(await (await cohereFetch(this.#http, 'POST', '/v2/embed', body, ctx.signal)).json(), this.name);
    });
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    const models: Model[] = [];
    let token: string | null | undefined;
    do {
      const query = token ? `?page_token=${encodeURIComponent(token)}` : '';
      const page = (await (await cohereFetch(this.#http, 'GET', `/v1/models${query}`, undefined, ctx.signal)).json()) as CohereModelList;
      // Cohere lists no creation time.
      for (const model of page.models ?? []) models.push({ id: model.name, object: 'model', created: 0, owned_by: 'cohere' });
      token = page.next_page_token;
    } while (token);
    return models;
  }

  convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): CohereRequest {
    return convertRequest(params, { ...extra, provider: this.name });
  }

  /** `model`: what was asked for (Cohere's answer does not name it). */
  convertCompletionResponse(response: CohereResponse, model = ''): ChatCompletion {
    return convertResponse(response, { model, created: now(), provider: this.name });
  }

  override createStreamState(params: CompletionParams): StreamState {
    return createStreamState({ provider: this.name, model: params.model, created: now(), includeUsage: params.stream_options?.include_usage !== false });
  }

  convertCompletionChunkResponse(chunk: CohereStreamEvent, state: StreamState): ChatCompletionChunk[] {
    return convertStreamEvent(chunk, state);
  }
}
