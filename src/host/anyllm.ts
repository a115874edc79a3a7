/**
 * `AnyLLM`: one provider behind an OpenAI-shaped API. The provider's plugin starts on the first
 * call, in a worker thread or child process, and nothing of its SDK is loaded in the host.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import { Method, type InitializeResult, type ListModelsResult } from '../protocol/methods.js';
import type { CallOptions, Capabilities, ChatCompletion, CompletionParams, Isolation, Model } from '../types.js';
import type { ChunkStream } from './chunk-stream.js';
import { launchers } from './launchers/index.js';
import { resolveOptions, type AnyLLMOptions } from './options.js';
import { lookupProvider } from './registry.js';
import { Supervisor } from './supervisor.js';
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
    const launch = launchers[resolved.isolation];
    if (!launch) {
      throw new InvalidRequestError(`Isolation '${resolved.isolation}' is not available in this build.`, { provider });
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
      },
      launch,
      apiKey: resolved.apiKey,
      apiBase: resolved.apiBase,
      clientOptions: resolved.clientOptions,
      idleTimeoutMs: resolved.idleTimeoutMs,
    });
    return new AnyLLM(provider, resolved.isolation, plugin.manifest.capabilities, supervisor);
  }

  /** Whether the plugin is running now. */
  get running(): boolean {
    return this.#supervisor.running;
  }

  /** Starts the plugin now instead of on the first call. */
  async start(): Promise<InitializeResult> {
    return this.#supervisor.start();
  }

  /**
   * A chat completion.
   *
   * @example
   * ```ts
   * const res = await llm.completion({ model: 'gpt-4o-mini', messages }, { timeoutMs: 30_000 });
   * ```
   */
  async completion(params: CompletionParams, options?: CallOptions): Promise<ChatCompletion> {
    const checked = validateCompletionParams(params, this.provider);
    return this.#supervisor.request<ChatCompletion>(Method.completion, { params: checked }, options);
  }

  /**
   * A streamed chat completion. Nothing is sent until the stream is read; leaving the loop early
   * cancels the upstream request.
   *
   * @example
   * ```ts
   * for await (const chunk of llm.completionStream({ model: 'gpt-4o-mini', messages }, { signal })) {
   *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
   * }
   * ```
   */
  completionStream(params: CompletionParams, options?: CallOptions): ChunkStream {
    let checked: CompletionParams | undefined;
    let invalid: unknown;
    try {
      checked = validateCompletionParams(params, this.provider, { stream: true });
    } catch (error) {
      invalid = error;
    }
    const stream = this.#supervisor.stream(checked as CompletionParams, options);
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
    const result = await this.#supervisor.request<ListModelsResult>(Method.listModels, {}, options);
    return result.data;
  }

  /** Shuts the plugin down (a clean exit, or a kill after a grace period). Later calls fail. */
  async close(): Promise<void> {
    await this.#supervisor.close();
  }
}
