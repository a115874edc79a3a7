/**
 * Azure OpenAI, on the `openai` SDK's `AzureOpenAI` client: the key goes in an `api-key` header,
 * the model names the deployment (`/openai/deployments/{model}/chat/completions`), and every
 * request carries `api-version` (option `apiVersion`, else OPENAI_API_VERSION, else a GA default).
 * The answers are OpenAI's, plus content-filter fields that pass through.
 *
 * @module
 */
import type OpenAI from 'openai';
import { InvalidRequestError, OpenAICompatibleProvider, type CompatOptions, type OpenAIModule } from '../../src/plugins/index.js';

const DEFAULT_API_VERSION = '2024-10-21';

export default class AzureOpenAIProvider extends OpenAICompatibleProvider {
  /** Embeddings go to the deployment (`/openai/deployments/{model}/embeddings`), at most 2048 inputs each. */
  protected override readonly compat: CompatOptions = { embedding: { maxInputs: 2048, base64Floats: true } };

  protected override createClient(
    sdk: OpenAIModule,
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): OpenAI {
    if (!apiBase) {
      throw new InvalidRequestError(
        "Provider 'azureopenai' needs your resource's endpoint: pass { apiBase: 'https://<resource>.openai.azure.com' } or set AZURE_OPENAI_ENDPOINT.",
        { provider: this.name, code: 'missing_endpoint' },
      );
    }
    const { apiVersion, ...rest } = options;
    // An endpoint that already names the /openai path is a base URL; a bare resource endpoint is not.
    const hasOpenAIPath = new URL(apiBase).pathname.split('/').includes('openai');
    return new sdk.AzureOpenAI({
      ...rest,
      apiKey,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : (process.env.OPENAI_API_VERSION ?? DEFAULT_API_VERSION),
      ...(hasOpenAIPath ? { baseURL: apiBase } : { endpoint: apiBase }),
    }) as OpenAI;
  }
}
