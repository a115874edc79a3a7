/**
 * Amazon Bedrock, through the Converse and ConverseStream APIs on `fetch`: no SDK. The AWS
 * credentials stay in the host: each request is described to it (`authorize`) and comes back
 * signed with SigV4, or with the bearer key of `AWS_BEARER_TOKEN_BEDROCK`. The stream is AWS's
 * binary event-stream framing, decoded in `event-stream.ts`.
 *
 * Embeddings go through InvokeModel (`embedding.ts`): Amazon Titan Text Embeddings and Cohere Embed.
 *
 * Client options: `headers` (extra HTTP headers) and `embeddingInputType` (Cohere Embed's
 * `input_type`: `'search_document'` by default). The region is the host's `credentials.region`
 * option (else `AWS_REGION` ...), which also picks the base URL.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  InvalidRequestError,
  Provider,
  UnsupportedParameterError,
  embedInBatches,
  embeddingItems,
  mapSdkError,
  rejectTokenInput,
  rejectUnsupported,
  type Base64EmbeddingResponse,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type CreateEmbeddingResponse,
  type EmbeddingParams,
} from '../../src/plugins/index.js';
import { cohereInputType, type CohereInputType } from '../cohere/embedding.js';
import { embedFamily } from './embedding.js';
import { bedrockError } from './errors.js';
import { decodeEventStream } from './event-stream.js';
import { convertParams } from './request.js';
import { convertResponse } from './response.js';
import { convertStreamEvent, createStreamState, type BedrockStreamState } from './stream.js';
import type { ConverseRequest, ConverseResponse, ConverseStreamEvent } from './wire.js';

const CLIENT_OPTIONS = new Set(['headers', 'embeddingInputType']);
const decoder = new TextDecoder();

export default class BedrockProvider extends Provider {
  #base = '';
  #headers: [string, string][] = [];
  #inputType: CohereInputType = 'search_document';

  protected initClient(_apiKey: string | undefined, apiBase: string | undefined, options: Record<string, unknown>): void {
    for (const name of Object.keys(options)) {
      if (!CLIENT_OPTIONS.has(name)) throw new UnsupportedParameterError(name, this.name, `the Bedrock client takes only ${[...CLIENT_OPTIONS].join(', ')}.`);
    }
    if (!apiBase) throw new InvalidRequestError('Bedrock needs a base URL (the host derives it from the region).', { provider: this.name });
    this.#base = apiBase.replace(/\/+$/, '');
    this.#inputType = cohereInputType(options.embeddingInputType, this.name);
    if (typeof options.headers === 'object' && options.headers !== null) {
      this.#headers = Object.entries(options.headers as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    }
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const { modelId, body } = this.convertCompletionParams(params);
    const response = await this.#send(modelId, 'converse', body, 'application/json', ctx.signal);
    return convertResponse((await response.json()) as ConverseResponse, params.model);
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const { modelId, body } = this.convertCompletionParams(params);
    // Our own controller, so that a consumer who stops early also closes the upstream request.
    const upstream = new AbortController();
    const forward = (): void => upstream.abort(ctx.signal.reason);
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
    const state = createStreamState(params.model, params.stream_options?.include_usage !== false);
    try {
      const response = await this.#send(modelId, 'converse-stream', body, 'application/vnd.amazon.eventstream', upstream.signal);
      if (!response.body) return;
      for await (const message of decodeEventStream(response.body)) {
        const kind = message.headers[':message-type'];
        const text = decoder.decode(message.payload);
        if (kind === 'exception' || kind === 'error') {
          const type = String(message.headers[':exception-type'] ?? message.headers[':error-code'] ?? 'InternalServerException');
          throw bedrockError(type, errorText(text) ?? String(message.headers[':error-message'] ?? type), this.name);
        }
        const eventType = message.headers[':event-type'];
        if (typeof eventType !== 'string') continue;
        const event = { [eventType]: text === '' ? {} : JSON.parse(text) } as ConverseStreamEvent;
        for (const chunk of convertStreamEvent(event, state)) yield chunk;
      }
    } catch (error) {
      throw mapSdkError(error, this.name);
    } finally {
      ctx.signal.removeEventListener('abort', forward);
      upstream.abort();
    }
  }

  /** InvokeModel per batch, in the body of the model's family (`embedding.ts`). Text only, no `user`. */
  override async embedding(params: EmbeddingParams, ctx: CallContext): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    rejectUnsupported(params, ['user'], this.name);
    rejectTokenInput(params, this.name);
    const family = embedFamily(params, this.#inputType, this.name);
    return embedInBatches(params, family.maxInputs, this.name, async (input) => {
      const response = await this.#send(params.model, 'invoke', family.body(embeddingItems(input) as string[]), 'application/json', ctx.signal);
      const tokens = Number(response.headers.get('x-amzn-bedrock-input-token-count') ?? Number.NaN);
      return family.read(await response.json(), Number.isFinite(tokens) ? tokens : undefined);
    });
  }

  convertCompletionParams(params: CompletionParams): { modelId: string; body: ConverseRequest } {
    return convertParams(params, this.name);
  }

  convertCompletionResponse(response: unknown): ChatCompletion {
    return convertResponse(response as ConverseResponse, 'bedrock');
  }

  convertCompletionChunkResponse(chunk: unknown, state: Record<string, unknown>): ChatCompletionChunk[] {
    state.bedrock ??= createStreamState('bedrock', true);
    return convertStreamEvent(chunk as ConverseStreamEvent, state.bedrock as BedrockStreamState);
  }

  /** Signs (in the host) and sends one Converse or InvokeModel request; an error answer becomes an AnyLLM error. */
  async #send(modelId: string, action: 'converse' | 'converse-stream' | 'invoke', body: ConverseRequest | Record<string, unknown>, accept: string, signal: AbortSignal): Promise<Response> {
    const url = `${this.#base}/model/${encodeURIComponent(modelId)}/${action}`;
    const text = JSON.stringify(body);
    const headers: [string, string][] = [['content-type', 'application/json'], ['accept', accept], ...this.#headers];
    const bodySha256 = createHash('sha256').update(text).digest('hex');
    const auth = await this.authorize({ url, method: 'POST', headers, bodySha256 });
    const response = await fetch(url, { method: 'POST', headers: [...headers, ...auth.headers], body: text, signal });
    if (!response.ok) {
      const answer = await response.text();
      const type = response.headers.get('x-amzn-errortype') ?? undefined;
      throw bedrockError(type, errorText(answer) ?? (answer.slice(0, 500) || response.statusText), this.name, response.status, response.headers);
    }
    return response;
  }
}

/** The message of a Bedrock error body (`{ "message" }`, or `{ "Message" }` from some services). */
function errorText(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown; Message?: unknown };
    const message = body.message ?? body.Message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
