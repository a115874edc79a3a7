/**
 * Azure AI Inference (Foundry Models, serverless and managed-compute endpoints): the Azure AI Model
 * Inference API, whose chat route takes and returns OpenAI's Chat Completions shapes, at
 * `<endpoint>/chat/completions?api-version=...` with the key in an `api-key` header. So it runs on
 * the OpenAI-compatible base with another client: the endpoint from `apiBase` /
 * AZURE_AI_CHAT_ENDPOINT (e.g. `https://<resource>.services.ai.azure.com/models`), the version
 * from the `apiVersion` option, else AZURE_API_VERSION, else the version the API reference documents.
 *
 * The API's request body is a fixed list (messages, tools, tool_choice, temperature, top_p,
 * max_tokens, stop, seed, the penalties, response_format, modalities, model, stream); OpenAI
 * parameters outside it are refused here, as the service would refuse them (its
 * `extra-parameters` header defaults to `error`). It has no `stream_options`: usage comes as the
 * service sends it.
 *
 * @module
 */
import type OpenAI from 'openai';
import { InvalidRequestError, OpenAICompatibleProvider, type CompatOptions, type OpenAIModule } from '../../src/plugins/index.js';

/** The API version of the Azure AI Model Inference API's reference. */
export const DEFAULT_API_VERSION = '2024-05-01-preview';

/**
 * @example
 * ```ts
 * const llm = await AnyLLM.create('azure', { apiBase: 'https://my-res.services.ai.azure.com/models' }); // AZURE_API_KEY
 * await llm.completion({ model: 'Phi-4', messages });
 * ```
 */
export default class AzureProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    // OpenAI parameters the Model Inference API's chat request does not list.
    unsupported: ['n', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'prediction'],
    maxTokensOnly: true,
    streamOptions: false,
  };

  protected override createClient(
    sdk: OpenAIModule,
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): OpenAI {
    if (!apiBase) {
      throw new InvalidRequestError(
        `Provider '${this.name}' needs your endpoint: pass { apiBase: 'https://<resource>.services.ai.azure.com/models' } (or a serverless endpoint's URL) or set AZURE_AI_CHAT_ENDPOINT.`,
        { provider: this.name, code: 'missing_endpoint' },
      );
    }
    const { apiVersion, defaultQuery, defaultHeaders, ...rest } = options;
    const version = typeof apiVersion === 'string' ? apiVersion : (process.env.AZURE_API_VERSION ?? DEFAULT_API_VERSION);
    return new sdk.default({
      ...rest,
      apiKey: apiKey ?? 'no-key',
      baseURL: apiBase,
      defaultQuery: { ...(defaultQuery as Record<string, string> | undefined), 'api-version': version },
      // The key goes in api-key; a bearer header (the SDK's default) is read as an Entra ID token.
      defaultHeaders: { ...(defaultHeaders as Record<string, string> | undefined), 'api-key': apiKey ?? null, Authorization: null },
    }) as OpenAI;
  }
}
