/**
 * IBM watsonx.ai chat (`/ml/v1/text/chat`, `/ml/v1/text/chat_stream`) on `fetch`. The IBM Cloud API
 * key stays in the host, which exchanges it at IAM for a bearer token of about an hour and hands
 * the plugin only that (refreshed before it expires). Answers are OpenAI-shaped already; the
 * shared normaliser conforms them.
 *
 * Client options: `projectId` or `spaceId` (else `WATSONX_PROJECT_ID` / `WATSONX_SPACE_ID`),
 * `version` (the API's dated `version` query, default `2024-10-08`) and `headers`.
 *
 * @module
 */
import {
  InvalidRequestError,
  Provider,
  UnsupportedParameterError,
  createStreamState,
  mapSdkError,
  normaliseChunk,
  normaliseCompletion,
  sseEvents,
  type CallContext,
  type ChatCompletion,
  type ChatCompletionChunk,
  type CompletionParams,
  type Model,
  type StreamState,
} from '../../src/plugins/index.js';
import { convertParams, type WatsonxScope } from './request.js';

const CLIENT_OPTIONS = new Set(['projectId', 'spaceId', 'version', 'headers']);
const DEFAULT_VERSION = '2024-10-08';

export default class WatsonxProvider extends Provider {
  #base = '';
  #version = DEFAULT_VERSION;
  #scope: WatsonxScope = {};
  #headers: [string, string][] = [];

  protected initClient(_apiKey: string | undefined, apiBase: string | undefined, options: Record<string, unknown>): void {
    for (const name of Object.keys(options)) {
      if (!CLIENT_OPTIONS.has(name)) throw new UnsupportedParameterError(name, this.name, `the watsonx.ai client takes only ${[...CLIENT_OPTIONS].join(', ')}.`);
    }
    this.#base = (apiBase ?? 'https://us-south.ml.cloud.ibm.com').replace(/\/+$/, '');
    if (typeof options.version === 'string') this.#version = options.version;
    const projectId = typeof options.projectId === 'string' ? options.projectId : process.env.WATSONX_PROJECT_ID;
    const spaceId = typeof options.spaceId === 'string' ? options.spaceId : process.env.WATSONX_SPACE_ID;
    if (projectId) this.#scope = { project_id: projectId };
    else if (spaceId) this.#scope = { space_id: spaceId };
    else throw new InvalidRequestError('watsonx.ai needs a project or a space: pass { projectId } or set WATSONX_PROJECT_ID (or WATSONX_SPACE_ID).', { provider: this.name });
    if (typeof options.headers === 'object' && options.headers !== null) {
      this.#headers = Object.entries(options.headers as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    }
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const response = await this.#request('POST', '/ml/v1/text/chat', this.convertCompletionParams(params), ctx.signal);
    return this.convertCompletionResponse(await response.json());
  }

  async *completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const upstream = new AbortController();
    const forward = (): void => upstream.abort(ctx.signal.reason);
    if (ctx.signal.aborted) forward();
    else ctx.signal.addEventListener('abort', forward, { once: true });
    const state: Record<string, unknown> = { includeUsage: params.stream_options?.include_usage !== false };
    try {
      const response = await this.#request('POST', '/ml/v1/text/chat_stream', this.convertCompletionParams(params), upstream.signal);
      for await (const event of sseEvents(response, this.name)) for (const chunk of this.convertCompletionChunkResponse(event, state)) yield chunk;
    } catch (error) {
      throw mapSdkError(error, this.name);
    } finally {
      ctx.signal.removeEventListener('abort', forward);
      upstream.abort();
    }
  }

  override async listModels(ctx: CallContext): Promise<Model[]> {
    const response = await this.#request('GET', '/ml/v1/foundation_model_specs', undefined, ctx.signal);
    const body = (await response.json()) as { resources?: { model_id?: unknown; provider?: unknown }[] };
    return (body.resources ?? [])
      .filter((model): model is { model_id: string; provider?: unknown } => typeof model.model_id === 'string')
      .map((model) => ({ id: model.model_id, object: 'model', created: 0, owned_by: typeof model.provider === 'string' ? model.provider : model.model_id.split('/')[0] }));
  }

  convertCompletionParams(params: CompletionParams): Record<string, unknown> {
    return convertParams(params, this.#scope, this.name);
  }

  convertCompletionResponse(response: unknown): ChatCompletion {
    return normaliseCompletion(response);
  }

  /** watsonx sends usage on the finish chunk; it goes on a chunk of its own, with empty `choices`, as OpenAI does. */
  convertCompletionChunkResponse(chunk: unknown, state: Record<string, unknown>): ChatCompletionChunk[] {
    state.openai ??= createStreamState();
    const normalised = normaliseChunk(chunk, state.openai as StreamState);
    if (!normalised) return [];
    const usage = normalised.usage;
    if (!usage) return [normalised];
    delete normalised.usage;
    const tail: ChatCompletionChunk = { id: normalised.id, object: 'chat.completion.chunk', created: normalised.created, model: normalised.model, choices: [], usage };
    const out = normalised.choices.length > 0 ? [normalised] : [];
    return state.includeUsage === false ? out : [...out, tail];
  }

  async #request(method: 'GET' | 'POST', path: string, body: Record<string, unknown> | undefined, signal: AbortSignal): Promise<Response> {
    const url = `${this.#base}${path}?version=${encodeURIComponent(this.#version)}`;
    const auth = await this.authorize({ url, method });
    const headers: [string, string][] = [['accept', path.endsWith('_stream') ? 'text/event-stream' : 'application/json'], ...this.#headers, ...auth.headers];
    if (body) headers.push(['content-type', 'application/json']);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body && JSON.stringify(body), signal });
    } catch (error) {
      throw mapSdkError(error, this.name);
    }
    if (!response.ok) {
      const text = await response.text();
      throw mapSdkError({ status: response.status, headers: response.headers, message: errorText(text) ?? (text.slice(0, 500) || response.statusText) }, this.name);
    }
    return response;
  }
}

/** The message of a watsonx.ai error body (`{ errors: [{ code, message }], status_code }`). */
function errorText(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errors?: { message?: unknown }[]; message?: unknown };
    const message = body.errors?.[0]?.message ?? body.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
