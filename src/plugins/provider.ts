/**
 * The base class every provider plugin extends, built-in or community.
 *
 * @module
 */
import { AuthenticationError, UnsupportedParameterError } from '../errors.js';
import type {
  Base64EmbeddingResponse,
  Capabilities,
  ChatCompletion,
  ChatCompletionChunk,
  CompletionParams,
  CreateEmbeddingResponse,
  EmbeddingParams,
  Model,
} from '../types.js';

/** What a provider call gets besides its params. */
export interface CallContext {
  /** Aborted when the host cancels the call; pass it to the SDK so the upstream request closes. */
  signal: AbortSignal;
}

/** What `initialize` hands the provider. */
export interface ProviderInit {
  /** The provider's name as the host knows it (e.g. 'openai', 'groq'). */
  provider: string;
  apiKey: string | undefined;
  apiBase: string | undefined;
  /** SDK client options the host passed through (e.g. `maxRetries`, `timeout`). */
  clientOptions: Record<string, unknown>;
  /** The capabilities the manifest declares. */
  capabilities: Capabilities;
  /**
   * Asks the host for the headers that authorise one upstream request, for providers whose
   * manifest declares `credentials` (AWS, Google, IBM): see {@link Provider.authorize}.
   */
  authorize?: (request: AuthorizeRequest) => Promise<AuthorizeResult>;
}

/** A request to authorise: its URL and method, the headers a signature covers, the body's SHA-256 (hex). */
export interface AuthorizeRequest {
  url: string;
  method: string;
  headers?: [string, string][];
  bodySha256?: string;
}

/** Headers to add to the request, and until when they hold (ms since the epoch). */
export interface AuthorizeResult {
  headers: [string, string][];
  expiresAt?: number;
}

/**
 * A provider: converts OpenAI-shaped params to its SDK's shape and the SDK's results back.
 * Runs inside a plugin (worker or child process), never in the host.
 *
 * The type parameters are the provider's own wire types, so its conversion hooks are typed end to
 * end: `Request` (what `convertCompletionParams` builds), `Response` (what
 * `convertCompletionResponse` reads), `Chunk` (one stream event) and `State` (what one stream
 * remembers, made by `createStreamState`). Each defaults to an untyped shape for providers that do
 * not name them.
 *
 * @example
 * ```ts
 * import { Provider, type CallContext } from 'anyllm/plugin';
 * export default class Acme extends Provider<AcmeRequest, AcmeResponse, AcmeEvent, AcmeStreamState> {
 *   protected initClient(apiKey) { this.client = new AcmeClient({ apiKey }); }
 *   async completion(params, ctx) { return this.convertCompletionResponse(await this.client.chat(this.convertCompletionParams(params), { signal: ctx.signal })); }
 *   async *completionStream(params, ctx) { ... }
 *   ...
 * }
 * ```
 */
export abstract class Provider<Request = unknown, Response = unknown, Chunk = unknown, State = Record<string, unknown>> {
  /** The provider's name (set by `init`). */
  name = 'unknown';
  /** What the manifest declares (set by `init`). */
  capabilities: Capabilities = {};
  #authorize: ProviderInit['authorize'];

  /** Called once by the plugin runtime with the resolved key, base URL and client options. */
  async init(init: ProviderInit): Promise<void> {
    this.name = init.provider;
    this.capabilities = init.capabilities;
    this.#authorize = init.authorize;
    await this.initClient(init.apiKey, init.apiBase, init.clientOptions);
  }

  /**
   * The headers that authorise one upstream request, from the credentials the host resolved for
   * this client (the manifest's `credentials`). The secret stays in the host: the plugin gets a
   * short-lived bearer token, or a SigV4 signature of exactly this request. Ask per request: the
   * host caches tokens and refreshes them before they expire.
   *
   * @throws AuthenticationError when the host holds no credentials for this plugin or the URL is not the client's.
   * @example
   * ```ts
   * const { headers } = await this.authorize({ url, method: 'POST', bodySha256 });
   * await fetch(url, { method: 'POST', headers: [...headers, ['content-type', 'application/json']], body });
   * ```
   */
  protected async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    if (!this.#authorize) {
      throw new AuthenticationError(`Provider '${this.name}' asked for credentials, but the host gave it none.`, { provider: this.name });
    }
    return this.#authorize(request);
  }

  /** Creates the SDK client. */
  protected abstract initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): void | Promise<void>;

  /** A non-streaming completion. */
  abstract completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion>;

  /** A streaming completion: OpenAI-shaped chunks, the usage chunk last when there is one. */
  abstract completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk>;

  /** The provider's models; providers without a models endpoint leave this as is. */
  listModels(_ctx: CallContext): Promise<Model[]> {
    return Promise.reject(new UnsupportedParameterError('listModels', this.name, 'this provider has no models endpoint.'));
  }

  /**
   * Embeddings of `params.input`, one vector per input in input order, as OpenAI's
   * `CreateEmbeddingResponse` (`encoding_format: 'base64'`: base64 vectors, see `embeddings.ts`).
   * Providers without an embeddings endpoint leave this as is. `embedInBatches` splits inputs over
   * the provider's batch limit and joins the answers.
   */
  embedding(_params: EmbeddingParams, _ctx: CallContext): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    return Promise.reject(new UnsupportedParameterError('embedding', this.name, 'this provider has no embeddings endpoint.'));
  }

  /** OpenAI-shaped params → the provider's request. Pure. */
  abstract convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): Request;

  /** The provider's response → an OpenAI-shaped completion. Pure. */
  abstract convertCompletionResponse(response: Response): ChatCompletion;

  /**
   * A fresh `State` for one stream of `params`. The default is an empty object, for providers
   * whose `State` is the untyped default; a provider with its own `State` type overrides it.
   */
  createStreamState(_params: CompletionParams): State {
    return {} as State;
  }

  /** One stream event → zero or more OpenAI-shaped chunks. `state` (from `createStreamState`) persists across one stream. */
  abstract convertCompletionChunkResponse(chunk: Chunk, state: State): ChatCompletionChunk[];

  /** Throws `UnsupportedParameterError` for the first listed parameter that is set in `params`. */
  protected rejectUnsupported(params: CompletionParams, names: readonly string[]): void {
    rejectUnsupported(params, names, this.name);
  }
}

/**
 * Throws `UnsupportedParameterError` for the first of `names` that is set (not null) in `params`.
 *
 * @example
 * ```ts
 * rejectUnsupported({ model: 'm', messages, seed: 7 }, ['seed'], 'anthropic'); // throws, naming 'seed'
 * ```
 */
export function rejectUnsupported(params: CompletionParams | EmbeddingParams, names: readonly string[], provider: string): void {
  for (const name of names) {
    const value = (params as unknown as Record<string, unknown>)[name];
    if (value !== undefined && value !== null) throw new UnsupportedParameterError(name, provider);
  }
}
