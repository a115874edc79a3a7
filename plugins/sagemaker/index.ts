/**
 * Amazon SageMaker real-time endpoints (`InvokeEndpoint`, `InvokeEndpointWithResponseStream`) on
 * `fetch`, signed with SigV4 in the host. The model is the endpoint's name. What an endpoint accepts
 * depends on its container: this plugin sends OpenAI's chat body, as the Messages APIs of Hugging
 * Face TGI and AWS LMI/vLLM containers take it, and reads back OpenAI completions and chunks (or
 * TGI's `generated_text` / `token` shapes). A stream's payload parts come in AWS's event-stream
 * framing (decoded as for Bedrock) and carry the container's SSE bytes, split anywhere.
 *
 * Client options: `headers`. The region is `credentials.region` (else `AWS_REGION` ...).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  InvalidRequestError,
  Provider,
  SseParser,
  UnsupportedParameterError,
  createStreamState,
  mapSdkError,
  normaliseChunk,
  normaliseCompletion,
  rejectUnsupported,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type StreamState,
} from '../../src/plugins/index.js';
import { bedrockError } from '../bedrock/errors.js';
import { decodeEventStream } from '../bedrock/event-stream.js';

const CLIENT_OPTIONS = new Set(['headers']);
/** What any-llm refuses for SageMaker too: the container decides, and none of these is portable. */
const UNSUPPORTED = ['response_format', 'reasoning_effort'] as const;
const decoder = new TextDecoder();

export default class SagemakerProvider extends Provider {
  #base = '';
  #headers: [string, string][] = [];

  protected initClient(_apiKey: string | undefined, apiBase: string | undefined, options: Record<string, unknown>): void {
    for (const name of Object.keys(options)) {
      if (!CLIENT_OPTIONS.has(name)) throw new UnsupportedParameterError(name, this.name, `the SageMaker client takes only ${[...CLIENT_OPTIONS].join(', ')}.`);
    }
    if (!apiBase) throw new InvalidRequestError('SageMaker needs a base URL (the host derives it from the region).', { provider: this.name });
    this.#base = apiBase.replace(/\/+$/, '');
    if (typeof options.headers === 'object' && options.headers !== null) {
      this.#headers = Object.entries(options.headers as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    }
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const response = await this.#invoke(params.model, 'invocations', this.convertCompletionParams(params, { stream: false }), ctx.signal);
    return this.convertCompletionResponse({ model: params.model, ...((await response.json()) as object) });
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const upstream = new AbortController();
    const forward = (): void => upstream.abort(ctx.signal.reason);
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
    const state: Record<string, unknown> = { model: params.model };
    const parser = new SseParser();
    // The container's bytes, one decoder for the whole stream: a part may end inside a character.
    const text = new TextDecoder();
    try {
      const response = await this.#invoke(params.model, 'invocations-response-stream', this.convertCompletionParams(params, { stream: true }), upstream.signal);
      if (!response.body) return;
      for await (const message of decodeEventStream(response.body)) {
        const payload = decoder.decode(message.payload);
        if (message.headers[':message-type'] === 'exception') {
          const body = parseJson(payload) as { Message?: unknown; message?: unknown; OriginalStatusCode?: unknown };
          const text = String(body.Message ?? body.message ?? message.headers[':exception-type']);
          throw bedrockError(String(message.headers[':exception-type']), text, this.name, typeof body.OriginalStatusCode === 'number' ? body.OriginalStatusCode : undefined);
        }
        if (message.headers[':event-type'] !== 'PayloadPart') continue;
        const bytes = (parseJson(payload) as { Bytes?: unknown }).Bytes;
        if (typeof bytes !== 'string') continue;
        parser.push(text.decode(Buffer.from(bytes, 'base64'), { stream: true }));
        for (const event of parser.take()) {
          // The end marker (`[DONE]`) is not an object.
          if (typeof event !== 'object' || event === null || typeof event.data !== 'object' || event.data === null) continue;
          const data = event.data as { error?: { message?: unknown } | string };
          if (data.error !== undefined) {
            const text = typeof data.error === 'string' ? data.error : String(data.error.message ?? 'the model failed mid-stream');
            throw bedrockError('ModelStreamErrorException', text, this.name);
          }
          for (const chunk of this.convertCompletionChunkResponse(data, state)) yield chunk;
        }
      }
    } catch (error) {
      throw mapSdkError(error, this.name);
    } finally {
      ctx.signal.removeEventListener('abort', forward);
      upstream.abort();
    }
  }

  convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): Record<string, unknown> {
    rejectUnsupported(params, UNSUPPORTED, this.name);
    const { stream_options: _options, ...body } = params;
    return { ...body, stream: extra.stream, ...(extra.stream && params.stream_options?.include_usage !== false ? { stream_options: { include_usage: true } } : {}) };
  }

  /** An OpenAI completion from a Messages API container, or TGI's `generated_text`. */
  convertCompletionResponse(response: unknown): ChatCompletion {
    const body = response as Record<string, unknown>;
    if (Array.isArray(body.choices)) return normaliseCompletion(body);
    const first = Array.isArray(response) ? (response[0] as Record<string, unknown>) : body;
    const text = typeof first?.generated_text === 'string' ? first.generated_text : JSON.stringify(response);
    return normaliseCompletion({ id: `chatcmpl-${crypto.randomUUID()}`, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] });
  }

  /** An OpenAI chunk, or a TGI token event; usage goes on a chunk of its own, with empty `choices`. */
  convertCompletionChunkResponse(chunk: unknown, state: Record<string, unknown>): ChatCompletionChunk[] {
    state.openai ??= createStreamState();
    const raw = chunk as Record<string, unknown>;
    const token = raw.token as { text?: unknown; special?: unknown } | undefined;
    const openai = Array.isArray(raw.choices) || raw.usage
      ? raw
      : token && typeof token.text === 'string'
        ? { id: 'chatcmpl-tgi', model: state.model, choices: [{ index: 0, delta: { content: token.special ? '' : token.text }, finish_reason: raw.generated_text != null ? 'stop' : null }] }
        : undefined;
    if (!openai) return [];
    const normalised = normaliseChunk(openai, state.openai as StreamState);
    if (!normalised) return [];
    const usage = normalised.usage;
    if (!usage || normalised.choices.length === 0) return [normalised];
    delete normalised.usage;
    return [normalised, { id: normalised.id, object: 'chat.completion.chunk', created: normalised.created, model: normalised.model, choices: [], usage }];
  }

  async #invoke(endpoint: string, action: 'invocations' | 'invocations-response-stream', body: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    const url = `${this.#base}/endpoints/${encodeURIComponent(endpoint)}/${action}`;
    const text = JSON.stringify(body);
    const headers: [string, string][] = [['content-type', 'application/json'], ['accept', 'application/json'], ...this.#headers];
    const auth = await this.authorize({ url, method: 'POST', headers, bodySha256: createHash('sha256').update(text).digest('hex') });
    const response = await fetch(url, { method: 'POST', headers: [...headers, ...auth.headers], body: text, signal });
    if (!response.ok) {
      const answer = await response.text();
      const error = parseJson(answer) as { Message?: unknown; message?: unknown; OriginalStatusCode?: unknown; OriginalMessage?: unknown };
      // A container's own error comes wrapped as ModelError (424) with the status it answered.
      const status = typeof error.OriginalStatusCode === 'number' ? error.OriginalStatusCode : response.status;
      const message = String(error.OriginalMessage ?? error.Message ?? error.message ?? (answer.slice(0, 500) || response.statusText));
      throw bedrockError(response.headers.get('x-amzn-errortype') ?? undefined, message, this.name, status, response.headers);
    }
    return response;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
