/**
 * Google Gemini (the Gemini Developer API), on the official `@google/genai` SDK, imported only here
 * inside the plugin. The conversions both ways are pure modules beside this one.
 *
 * Client options (the extra options of `AnyLLM.create('gemini', ...)`): `timeout` (ms per
 * request), `maxRetries` (the SDK's own retries; none by default), `headers` (extra HTTP headers)
 * and `apiVersion` (default `v1beta`, whatever the SDK's own default). An `apiBase` may end in the API version
 * (`https://host/v1beta`) or not (`https://host`). Any other option raises `UnsupportedParameterError`.
 *
 * @module
 */
import type { GenerateContentParameters, GoogleGenAI, GoogleGenAIOptions, HttpOptions } from '@google/genai';
import {
  UnsupportedParameterError,
  Provider,
  embedInBatches,
  embeddingItems,
  importSdk,
  rejectTokenInput,
  rejectUnsupported,
  type Base64EmbeddingResponse,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type CreateEmbeddingResponse,
  type EmbeddingParams,
  type Model,
} from '../../src/plugins/index.js';
import { embedRequest, GEMINI_MAX_EMBED_INPUTS, readEmbedResponse } from './embedding.js';
import { mapGeminiError } from './errors.js';
import { convertModel } from './models.js';
import { convertParams } from './request.js';
import { convertResponse } from './response.js';
import { convertStreamEvent, createStreamState, finishStream, type GeminiStreamState } from './stream.js';
import type { GeminiModel, GeminiResponse } from './wire.js';

const CLIENT_OPTIONS = new Set(['timeout', 'maxRetries', 'headers', 'apiVersion']);
/** The API version the conversions target: v1beta carries thinking, thought signatures and JSON Schema. */
const DEFAULT_API_VERSION = 'v1beta';

/**
 * Splits a base URL that ends in an API version (`…/v1beta`) into the SDK's `baseUrl` and `apiVersion`.
 *
 * @example
 * ```ts
 * splitApiBase('http://127.0.0.1:8080/v1beta'); // { baseUrl: 'http://127.0.0.1:8080', apiVersion: 'v1beta' }
 * ```
 */
export function splitApiBase(apiBase: string): { baseUrl: string; apiVersion?: string } {
  const trimmed = apiBase.replace(/\/+$/, '');
  const match = /^(.*)\/(v\d+(?:alpha|beta)?\d*)$/.exec(trimmed);
  return match ? { baseUrl: match[1], apiVersion: match[2] } : { baseUrl: trimmed };
}

export default class GeminiProvider extends Provider<GenerateContentParameters, GeminiResponse, GeminiResponse, GeminiStreamState> {
  protected client!: GoogleGenAI;
  #timeoutMs: number | undefined;

  protected async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const known = this.clientOptionNames();
    for (const name of Object.keys(options)) {
      if (!known.has(name)) {
        throw new UnsupportedParameterError(name, this.name, `the client takes only ${[...known].join(', ')}.`);
      }
    }
    const { GoogleGenAI: Client } = await importSdk('@google/genai', this.name, () => import('@google/genai'));
    const httpOptions: HttpOptions = {};
    let apiVersion = typeof options.apiVersion === 'string' ? options.apiVersion : undefined;
    if (apiBase) {
      const split = splitApiBase(apiBase);
      httpOptions.baseUrl = split.baseUrl;
      apiVersion ??= split.apiVersion;
    }
    apiVersion ??= this.defaultApiVersion();
    httpOptions.apiVersion = apiVersion;
    if (typeof options.timeout === 'number' && options.timeout > 0) {
      this.#timeoutMs = options.timeout;
      httpOptions.timeout = options.timeout;
    }
    if (typeof options.maxRetries === 'number' && options.maxRetries > 0) {
      httpOptions.retryOptions = { attempts: options.maxRetries + 1 };
    }
    if (typeof options.headers === 'object' && options.headers !== null) {
      httpOptions.headers = options.headers as Record<string, string>;
    }
    this.client = new Client({ ...this.clientAuth(apiKey, options), apiVersion, httpOptions });
  }

  /** The client options this provider takes (Vertex AI adds `project` and `location`). */
  protected clientOptionNames(): ReadonlySet<string> {
    return CLIENT_OPTIONS;
  }

  /** The API version when neither the options nor the base URL name one. */
  protected defaultApiVersion(): string {
    return DEFAULT_API_VERSION;
  }

  /** How the SDK client authenticates: the Gemini Developer API takes the key. */
  protected clientAuth(apiKey: string | undefined, _options: Record<string, unknown>): GoogleGenAIOptions {
    return { apiKey, vertexai: false };
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const request = this.#withSignal(this.convertCompletionParams(params), ctx.signal);
    try {
      const response = await this.client.models.generateContent(request);
      return convertResponse(response as GeminiResponse, params.model, this.name);
    } catch (error) {
      throw this.#mapError(error, ctx.signal);
    }
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    // Our own controller, so that a consumer who stops early also closes the upstream request.
    const upstream = new AbortController();
    const forward = (): void => upstream.abort(ctx.signal.reason);
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
    const request = this.#withSignal(this.convertCompletionParams(params), upstream.signal);
    const state = this.createStreamState(params);
    try {
      const stream = await this.client.models.generateContentStream(request);
      for await (const event of stream) for (const chunk of convertStreamEvent(event as GeminiResponse, state)) yield chunk;
      for (const chunk of finishStream(state)) yield chunk;
    } catch (error) {
      throw this.#mapError(error, ctx.signal);
    } finally {
      ctx.signal.removeEventListener('abort', forward);
      upstream.abort();
    }
  }

  /** `embedContent` per batch of 100 texts; `dimensions` is `outputDimensionality`. Text only, no `user`. */
  override async embedding(params: EmbeddingParams, ctx: CallContext): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    rejectUnsupported(params, ['user'], this.name);
    rejectTokenInput(params, this.name);
    return embedInBatches(params, GEMINI_MAX_EMBED_INPUTS, this.name, async (input) => {
      try {
        const response = await this.client.models.embedContent(embedRequest(params, embeddingItems(input) as string[], ctx.signal));
        return readEmbedResponse(response);
      } catch (error) {
        throw this.#mapError(error, ctx.signal);
      }
    });
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    try {
      const pager = await this.client.models.list({ config: { pageSize: 1000, abortSignal: ctx.signal } });
      const models: Model[] = [];
      for await (const model of pager) models.push(convertModel(model as GeminiModel));
      return models;
    } catch (error) {
      throw this.#mapError(error, ctx.signal);
    }
  }

  convertCompletionParams(params: CompletionParams): GenerateContentParameters {
    return convertParams(params, this.name);
  }

  convertCompletionResponse(response: GeminiResponse): ChatCompletion {
    return convertResponse(response, response.modelVersion ?? 'gemini', this.name);
  }

  override createStreamState(params: CompletionParams): GeminiStreamState {
    return createStreamState(params.model, this.name, params.stream_options?.include_usage !== false);
  }

  /** One streamed `GenerateContentResponse` (Gemini streams whole responses, each a delta). */
  convertCompletionChunkResponse(chunk: GeminiResponse, state: GeminiStreamState): ChatCompletionChunk[] {
    return convertStreamEvent(chunk, state);
  }

  #withSignal(request: GenerateContentParameters, signal: AbortSignal): GenerateContentParameters {
    return { ...request, config: { ...request.config, abortSignal: signal } };
  }

  /** An abort the caller did not ask for can only be the SDK's `timeout`. */
  #mapError(error: unknown, signal: AbortSignal): Error {
    return mapGeminiError(error, this.name, this.#timeoutMs !== undefined && !signal.aborted);
  }
}
