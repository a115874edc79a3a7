/**
 * `AnyLLM`: one provider behind an OpenAI-shaped API. The provider's plugin starts on the first
 * call, in a worker thread or child process, and nothing of its SDK is loaded in the host.
 *
 * @module
 */
import { InvalidRequestError, UnsupportedParameterError } from '../errors.js';
import { checkCapabilities } from '../protocol/capabilities.js';
import { Method, type InitializeResult, type ListModelsResult } from '../protocol/methods.js';
import type {
  CallOptions,
  Capabilities,
  ChatCompletion,
  CompletionParams,
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
import { lookupProvider } from './registry.js';
import { attachDebugLog } from './debug-log.js';
import type { Supervisor, SupervisorStats } from './supervisor.js';
import { prepareStructuredOutput } from './structured-output.js';
import { validateCompletionParams } from './validate.js';

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
  readonly #supervisor: Supervisor;

  private constructor(provider: string, isolation: Isolation, capabilities: Capabilities, supervisor: Supervisor) {
    this.provider = provider;
    this.isolation = isolation;
    this.capabilities = capabilities;
    this.#supervisor = supervisor;
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
    const { loadLauncher, Supervisor } = await import('./runtime.js');
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
    const supervisor = new Supervisor({
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
      apiKey: resolved.apiKey,
      apiBase: resolved.apiBase,
      credentials: resolved.credentials,
      clientOptions: resolved.clientOptions,
      idleTimeoutMs: resolved.idleTimeoutMs,
      isolation: resolved.isolation,
      supervision: resolved.supervision,
    });
    if (resolved.logLevel === 'debug') attachDebugLog(supervisor.events);
    return new AnyLLM(provider, resolved.isolation, plugin.manifest.capabilities, supervisor);
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
  stats(): SupervisorStats {
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
    const { params: wire, parse } = prepareStructuredOutput(params, this.provider);
    const checked = validateCompletionParams(wire, this.provider);
    checkCapabilities(checked, this.capabilities, this.provider, { stream: false });
    const callOptions = validateCallOptions(options, this.provider);
    const completion = await this.#supervisor.request<ChatCompletion>(Method.completion, { params: checked }, callOptions);
    return parse ? parse(completion) : completion;
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
    try {
      const prepared = prepareStructuredOutput(params, this.provider);
      parse = prepared.parse;
      checked = validateCompletionParams(prepared.params, this.provider, { stream: true });
      checkCapabilities(checked, this.capabilities, this.provider, { stream: true });
      callOptions = validateCallOptions(options, this.provider);
    } catch (error) {
      invalid = error;
    }
    const stream = this.#supervisor.stream(checked as CompletionParams, callOptions)[CONFIGURE_STREAM]({ finish: parse, provider: this.provider });
    if (invalid !== undefined) stream.fail(invalid);
    return stream;
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
    const result = await this.#supervisor.request<ListModelsResult>(Method.listModels, {}, callOptions);
    return result.data;
  }

  /** Shuts the plugin down (a clean exit, or a kill after a grace period). Later calls fail. */
  async close(): Promise<void> {
    await this.#supervisor.close();
  }
}
