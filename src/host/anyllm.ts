/**
 * `AnyLLM`: one provider behind an OpenAI-shaped API. The provider's plugin starts on the first
 * call, in a worker thread or child process, and nothing of its SDK is loaded in the host.
 *
 * @module
 */
import { InvalidRequestError, PluginUnavailableError, UnsupportedParameterError } from '../errors.js';
import { checkCapabilities } from '../protocol/capabilities.js';
import { Method, type InitializeResult, type ListModelsResult } from '../protocol/methods.js';
import type {
  Base64EmbeddingResponse,
  CallOptions,
  Capabilities,
  ChatCompletion,
  CompletionParams,
  CreateEmbeddingResponse,
  EmbeddingParams,
  Isolation,
  Model,
  ParsedChatCompletion,
  SchemaOutput,
  StructuredCompletionParams,
  StructuredOutputSchema,
} from '../types.js';
import type { ChunkStream } from './chunk-stream.js';
import { CONFIGURE_STREAM } from './stream-helpers.js';
import { validateCallOptions } from './call-guard.js';
import type { AnyLLMEvents, AnyLLMEventType } from './events.js';
import type { OsBoundary } from './launchers/os-boundary/index.js';
import { resolveOptions, type AnyLLMOptions } from './options.js';
import { lookupProvider, withOpenAICompatible } from './registry.js';
import { attachDebugLog } from './debug-log.js';
import type { ClientStats, FallbackSource, PluginClient } from './plugin-client.js';
import { checkFallbacks } from './fallbacks.js';
import { prepareStructuredOutput } from './structured-output.js';
import { validateCompletionParams } from './validate.js';
import { checkEmbeddingCapability, validateEmbeddingParams } from './validate-embedding.js';

/** Options a fallback provider's client inherits: how plugins run, not whose key or which SDK options. */
const INHERITED = ['idleTimeoutMs', 'memoryLimitMb', 'supervision', 'proxy', 'noProxy', 'ca', 'runtime', 'pluginStderr', 'logLevel', 'retry'] as const;

const ISOLATION_ORDER: readonly Isolation[] = ['worker', 'process', 'sandbox'];

/** The stricter of two tiers (worker < process < sandbox). */
function stricterIsolation(a: Isolation, b: Isolation): Isolation {
  return ISOLATION_ORDER.indexOf(a) >= ISOLATION_ORDER.indexOf(b) ? a : b;
}

function hostOptionsOf(options: AnyLLMOptions): AnyLLMOptions {
  const inherited: AnyLLMOptions = {};
  for (const name of INHERITED) if (options[name] !== undefined) inherited[name] = options[name] as never;
  return inherited;
}

/**
 * A client for one provider.
 *
 * @example
 * ```ts
 * const llm = await AnyLLM.create('openai', { apiKey: process.env.OPENAI_API_KEY });
 * const res = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * console.log(res.choices[0].message.content);
 * await llm.close();
 * ```
 */
export class AnyLLM {
  /** The provider's name. */
  readonly provider: string;
  /** Where the plugin runs. */
  readonly isolation: Isolation;
  /** What the provider's manifest declares. */
  readonly capabilities: Readonly<Capabilities>;
  readonly #supervisor: PluginClient;
  /** The host-level options a fallback provider's client is made with (not this provider's key or SDK options). */
  readonly #fallbackOptions: AnyLLMOptions;
  /** Clients of the fallback providers this client's calls named, made on first use, closed with it. */
  readonly #fallbackClients = new Map<string, Promise<AnyLLM>>();
  #closing = false;

  private constructor(provider: string, isolation: Isolation, capabilities: Capabilities, supervisor: PluginClient, fallbackOptions: AnyLLMOptions) {
    this.provider = provider;
    this.isolation = isolation;
    this.capabilities = capabilities;
    this.#supervisor = supervisor;
    this.#fallbackOptions = fallbackOptions;
  }

  /**
   * Validates the provider name and options and resolves the key. Starts nothing: the plugin starts
   * on the first call (or `start()`).
   *
   * @throws UnsupportedProviderError for an unknown provider, MissingApiKeyError when no key is found,
   *   InvalidRequestError for a bad option.
   * @example
   * ```ts
   * const llm = await AnyLLM.create('openai', { apiBase: 'http://127.0.0.1:8080/v1', maxRetries: 0 });
   * ```
   */
  static async create(provider: string, options: AnyLLMOptions = {}): Promise<AnyLLM> {
    const plugin = lookupProvider(provider);
    const resolved = resolveOptions(plugin, options);
    // Loaded here, not at import: see runtime.ts.
    const { loadLauncher, PluginClient, sharedSession } = await import('./runtime.js');
    const launch = await loadLauncher(resolved.isolation);
    if (!launch) {
      throw new InvalidRequestError(`Isolation '${resolved.isolation}' is not available in this build.`, { provider });
    }
    let osBoundary: OsBoundary | undefined;
    const execPath = resolved.runtime?.execPath;
    if (resolved.isolation !== 'worker') {
      // A named Node binary (runtime.execPath) is probed once; the sandbox judges its flags, not the host's.
      const { assertElectronSandboxRuntime, probeNodeRuntime } = await import('./launchers/node-runtime.js');
      const probe = execPath === undefined ? undefined : await probeNodeRuntime(execPath, provider);
      if (resolved.isolation === 'sandbox') {
        assertElectronSandboxRuntime(provider, resolved.runtime);
        const { assertSandboxSupported } = await import('./launchers/sandbox.js');
        assertSandboxSupported(provider, { allowUnrestrictedNetwork: options.allowUnrestrictedNetwork === true, ...probe });
        const { resolveOsBoundary, probeOsBoundaryFor } = await import('./launchers/os-boundary/index.js');
        osBoundary = await resolveOsBoundary(resolved.sandbox.os, provider, execPath === undefined ? undefined : () => probeOsBoundaryFor(execPath));
      }
    }
    // Every client of these settings shares one plugin; the key and options are this client's own.
    const session = sharedSession({
      spec: {
        provider,
        manifest: plugin.manifest,
        dir: plugin.dir,
        entryPath: plugin.entryPath,
        env: resolved.env,
        memoryLimitMb: resolved.memoryLimitMb,
        capabilities: plugin.manifest.capabilities,
        osBoundary,
        network: resolved.network,
        execPath,
        stderr: { forward: resolved.pluginStderr === 'inherit' },
      },
      launch,
      isolation: resolved.isolation,
      supervision: resolved.supervision,
      idleTimeoutMs: resolved.idleTimeoutMs,
    });
    const supervisor = new PluginClient({
      session,
      open: { apiKey: resolved.apiKey, apiBase: resolved.apiBase, clientOptions: resolved.clientOptions },
      retry: resolved.retry,
      credentials: resolved.credentials,
    });
    if (resolved.logLevel === 'debug') attachDebugLog(supervisor.events);
    return new AnyLLM(provider, resolved.isolation, plugin.manifest.capabilities, supervisor, hostOptionsOf(options));
  }

  /**
   * A client for any server that speaks OpenAI's Chat Completions API (a local llama-server, a
   * gateway, a provider anyllm has no name for), under a name of the caller's choosing, which it
   * reports in errors, events and `stats()`. Keyless unless `apiKey` is given; the server decides
   * what it can do. Afterwards `AnyLLM.create(name)` and `'name:model'` reach the same server.
   *
   * @throws InvalidRequestError for a bad or taken name, or a missing or non-http(s) `apiBase`.
   * @example
   * ```ts
   * const local = await AnyLLM.createOpenAICompatible('mylocal', { apiBase: 'http://127.0.0.1:8080/v1' });
   * await local.completion({ model: 'qwen3-8b', messages });
   * ```
   */
  static async createOpenAICompatible(name: string, options: AnyLLMOptions & { apiBase: string }): Promise<AnyLLM> {
    const apiBase = (options as { apiBase?: unknown } | undefined)?.apiBase;
    return withOpenAICompatible(name, apiBase, (provider) => AnyLLM.create(provider, options));
  }

  /** Whether the plugin is running now. */
  get running(): boolean {
    return this.#supervisor.running;
  }

  /**
   * Listens for lifecycle and call events; returns the function that stops listening. The same
   * events go to `node:diagnostics_channel` as `anyllm:<type>` (e.g. `anyllm:call:end`).
   *
   * @example
   * ```ts
   * const off = llm.on('call:end', (e) => console.log(e.method, e.outcome, e.latencyMs, e.usage));
   * llm.on('plugin:exit', (e) => console.warn(`${e.provider} ended (${e.cause}): ${e.reason}`));
   * off();
   * ```
   */
  on<T extends AnyLLMEventType>(type: T, listener: (event: AnyLLMEvents[T]) => void): () => void {
    return this.#supervisor.events.on(type, listener);
  }

  /**
   * Counters since the client was created: plugin starts and crashes, calls by outcome, chunks,
   * tokens, and how the last plugin ended.
   *
   * @example
   * ```ts
   * const { calls, crashes, usage } = llm.stats();
   * ```
   */
  stats(): ClientStats {
    return this.#supervisor.stats();
  }

  /**
   * Starts the plugin now instead of on the first call, and resolves once its handshake is done
   * (the process stays alive until then). Once ready and idle, it no longer holds the process open.
   *
   * @example
   * ```ts
   * const llm = await AnyLLM.create('openai');
   * await llm.start(); // pay the cold start before the user's first message
   * ```
   */
  async start(): Promise<InitializeResult> {
    return this.#supervisor.start();
  }

  /**
   * A chat completion. With a schema as `response_format` (zod 4.2+, arktype, valibot wrapped in
   * `toStandardJsonSchema()`), the provider gets its JSON Schema and the reply comes back parsed and
   * validated as `choices[0].message.parsed`, typed by the schema.
   *
   * @throws StructuredOutputError when a schema reply is not JSON, does not match, was cut off
   *   (`length`) or refused.
   * @example
   * ```ts
   * const res = await llm.completion({ model: 'gpt-4o-mini', messages }, { timeoutMs: 30_000 });
   *
   * const Weather = z.object({ city: z.string(), temperature_c: z.number() });
   * const { choices } = await llm.completion({ model: 'gpt-4o-mini', messages, response_format: Weather });
   * choices[0].message.parsed?.temperature_c; // number
   * ```
   */
  completion<S extends StructuredOutputSchema>(params: StructuredCompletionParams<S>, options?: CallOptions): Promise<ParsedChatCompletion<SchemaOutput<S>>>;
  completion(params: CompletionParams, options?: CallOptions): Promise<ChatCompletion>;
  async completion(params: CompletionParams, options?: CallOptions): Promise<ChatCompletion> {
    const { checked, parse } = this.#prepare(params, false);
    const callOptions = validateCallOptions(options, this.provider);
    const fallback = this.#fallbackSource(callOptions, (client, model) => ({ params: client.#prepare({ ...params, model }, false).checked }));
    const completion = await this.#supervisor.request<ChatCompletion>('completion', { params: checked }, callOptions, fallback);
    return parse ? parse(completion) : completion;
  }

  /** Params made ready for this provider: a schema turned into its JSON Schema, checked, its capabilities honoured. */
  #prepare(params: CompletionParams, stream: boolean): { checked: CompletionParams; parse: ((completion: ChatCompletion) => Promise<ChatCompletion>) | undefined } {
    const { params: wire, parse } = prepareStructuredOutput(params, this.provider);
    const checked = validateCompletionParams(wire, this.provider, stream ? { stream: true } : undefined);
    checkCapabilities(checked, this.capabilities, this.provider, { stream });
    return { checked, parse };
  }

  /**
   * The call's fallback chain, step by step: each step's client (made on first use) and the params
   * checked for its provider; a step whose provider refuses a parameter is skipped with that error.
   */
  #fallbackSource<P>(options: CallOptions, build: (client: AnyLLM, model: string) => P): FallbackSource<P> | undefined {
    if (!options.fallbacks || options.fallbacks.length === 0) return undefined;
    const steps = checkFallbacks(options.fallbacks, this.provider);
    let index = 0;
    return async () => {
      const skipped: { name: string; error: unknown }[] = [];
      while (index < steps.length) {
        const step = steps[index++];
        try {
          const client = step.provider === this.provider ? this : await this.#fallbackClient(step.provider);
          return { next: { client: client.#supervisor, params: build(client, step.model), name: step.name }, skipped };
        } catch (error) {
          skipped.push({ name: step.name, error });
        }
      }
      return { next: undefined, skipped };
    };
  }

  #fallbackClient(provider: string): Promise<AnyLLM> {
    // Once the close has begun, a chain still looking for its next step makes no client: the
    // close has already taken the list of clients it closes.
    if (this.#closing) {
      return Promise.reject(new PluginUnavailableError(`The '${this.provider}' client is closed; its fallback '${provider}' is not started.`, { provider: this.provider }));
    }
    let client = this.#fallbackClients.get(provider);
    if (!client) {
      client = (async () => {
        // At least as isolated as this client, and never less than the fallback's own default: a
        // `process` client's fallback runs in a process too, an unreviewed plugin stays sandboxed.
        const isolation = stricterIsolation(this.isolation, lookupProvider(provider).defaultIsolation);
        return AnyLLM.create(provider, { ...this.#fallbackOptions, isolation });
      })();
      this.#fallbackClients.set(provider, client);
      // A client that could not be made is tried again by the next call that names it.
      client.catch(() => this.#fallbackClients.delete(provider));
    }
    return client;
  }

  /**
   * A streamed chat completion. Nothing is sent until the stream is read; leaving the loop early
   * cancels the upstream request. The stream also has `finalChatCompletion()` (the assembled
   * result, `parsed` included for a schema `response_format`) and `toReadableStream()`.
   *
   * @example
   * ```ts
   * for await (const chunk of llm.completionStream({ model: 'gpt-4o-mini', messages }, { signal })) {
   *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
   * }
   * const { choices, usage } = await llm.completionStream({ model: 'gpt-4o-mini', messages }).finalChatCompletion();
   * ```
   */
  completionStream<S extends StructuredOutputSchema>(params: StructuredCompletionParams<S>, options?: CallOptions): ChunkStream<ParsedChatCompletion<SchemaOutput<S>>>;
  completionStream(params: CompletionParams, options?: CallOptions): ChunkStream;
  completionStream(params: CompletionParams, options?: CallOptions): ChunkStream<ChatCompletion> {
    let checked: CompletionParams | undefined;
    let callOptions: CallOptions = {};
    let invalid: unknown;
    let parse: ((completion: ChatCompletion) => Promise<ChatCompletion>) | undefined;
    let fallback: FallbackSource<CompletionParams> | undefined;
    try {
      ({ checked, parse } = this.#prepare(params, true));
      callOptions = validateCallOptions(options, this.provider);
      fallback = this.#fallbackSource(callOptions, (client, model) => client.#prepare({ ...params, model }, true).checked);
    } catch (error) {
      invalid = error;
    }
    const stream = this.#supervisor.stream(checked as CompletionParams, callOptions, fallback)[CONFIGURE_STREAM]({ finish: parse, provider: this.provider });
    if (invalid !== undefined) stream.fail(invalid);
    return stream;
  }

  /**
   * Embeddings of `input`, as OpenAI's `CreateEmbeddingResponse`: one vector per input, in input
   * order (`data[i].index === i`), with `usage.prompt_tokens`. Inputs over the provider's batch
   * limit go upstream in several requests, joined here as one answer. With `encoding_format:
   * 'base64'` each vector is base64 of little-endian float32s, for every provider.
   *
   * @throws InvalidRequestError for bad params (before anything is sent), UnsupportedParameterError
   *   when the provider has no embeddings or cannot honour a parameter (`dimensions`, `user`, token ids).
   * @example
   * ```ts
   * const { data, usage } = await llm.embedding({ model: 'text-embedding-3-small', input: ['a cat', 'a dog'] });
   * data[1].embedding; // number[], the vector of 'a dog'
   * ```
   */
  embedding(params: EmbeddingParams & { encoding_format: 'base64' }, options?: CallOptions): Promise<Base64EmbeddingResponse>;
  embedding(params: EmbeddingParams, options?: CallOptions): Promise<CreateEmbeddingResponse>;
  async embedding(params: EmbeddingParams, options?: CallOptions): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
    const checked = validateEmbeddingParams(params, this.provider);
    checkEmbeddingCapability(this.capabilities, this.provider);
    const callOptions = validateCallOptions(options, this.provider);
    // A fallback step whose provider has no embeddings (or refuses a parameter) is skipped with that error.
    const fallback = this.#fallbackSource(callOptions, (client, model) => {
      checkEmbeddingCapability(client.capabilities, client.provider);
      return { params: validateEmbeddingParams({ ...params, model }, client.provider) };
    });
    return this.#supervisor.request<CreateEmbeddingResponse>(Method.embedding, { params: checked }, callOptions, fallback);
  }

  /**
   * The provider's models, in OpenAI's model-list shape.
   *
   * @example
   * ```ts
   * const ids = (await llm.listModels()).map((m) => m.id);
   * ```
   */
  async listModels(options?: CallOptions): Promise<Model[]> {
    if (!this.capabilities.listModels) {
      throw new UnsupportedParameterError('listModels', this.provider, 'this provider has no models endpoint.');
    }
    const callOptions = validateCallOptions(options, this.provider);
    // Another provider's models are not this one's: refused, not silently ignored.
    if (callOptions.fallbacks !== undefined && callOptions.fallbacks.length > 0) {
      throw new InvalidRequestError(`Call option 'fallbacks' applies to completions and embeddings, not to listModels().`, { provider: this.provider, code: 'invalid_request' });
    }
    const result = await this.#supervisor.request<ListModelsResult>('listModels', {}, callOptions);
    return result.data;
  }

  /**
   * Ends this client: its calls get the grace period to finish, then it leaves its plugin (which
   * exits when no other client uses it). Later calls fail. Fallback clients it made close too.
   */
  async close(): Promise<void> {
    this.#closing = true;
    // This client's calls drain first: a fallback step among them runs on a fallback client's
    // plugin, which must not be closed under it. No new step starts once the close has begun.
    await this.#supervisor.close();
    const fallbacks = [...this.#fallbackClients.values()];
    this.#fallbackClients.clear();
    await Promise.all(fallbacks.map((client) => client.then((c) => c.close(), () => undefined)));
  }
}
