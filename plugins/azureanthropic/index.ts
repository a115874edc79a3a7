/**
 * Claude on Microsoft Foundry (Azure): Anthropic's own Messages wire at
 * `https://<resource>.services.ai.azure.com/anthropic/v1/messages`. So this is the Anthropic plugin
 * with another base URL (from `apiBase` / AZURE_ANTHROPIC_API_BASE, else built from the `resource`
 * option / AZURE_ANTHROPIC_RESOURCE) and another auth header: Foundry takes an API key in
 * `x-api-key` and reads `Authorization: Bearer` as an Entra ID token, while the Anthropic SDK sends
 * its key as a bearer token. Foundry has no models endpoint (the manifest says so, and the host
 * refuses `listModels`).
 *
 * @module
 */
import { InvalidRequestError } from '../../src/plugins/index.js';
import AnthropicProvider from '../anthropic/index.js';

/**
 * The Foundry endpoint for a resource name, as Anthropic's Foundry client builds it.
 *
 * @example
 * ```ts
 * foundryEndpoint('my-res'); // 'https://my-res.services.ai.azure.com/anthropic'
 * ```
 */
export function foundryEndpoint(resource: string): string {
  return `https://${resource}.services.ai.azure.com/anthropic`;
}

/**
 * @example
 * ```ts
 * const llm = await AnyLLM.create('azureanthropic', { resource: 'my-foundry' }); // AZURE_ANTHROPIC_API_KEY
 * await llm.completion({ model: 'claude-sonnet-4-5', messages });
 * ```
 */
export default class AzureAnthropicProvider extends AnthropicProvider {
  protected override async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const { resource: option, ...rest } = options;
    const resource = typeof option === 'string' && option !== '' ? option : process.env.AZURE_ANTHROPIC_RESOURCE;
    if (apiBase !== undefined && option !== undefined) {
      throw new InvalidRequestError(`Provider '${this.name}' takes an endpoint (apiBase) or a resource name, not both.`, {
        provider: this.name,
        code: 'invalid_option',
      });
    }
    const endpoint = apiBase ?? (resource ? foundryEndpoint(resource) : undefined);
    if (endpoint === undefined) {
      throw new InvalidRequestError(
        `Provider '${this.name}' needs your Foundry endpoint: pass { apiBase: 'https://<resource>.services.ai.azure.com/anthropic' } or { resource: '<resource>' }, or set AZURE_ANTHROPIC_API_BASE or AZURE_ANTHROPIC_RESOURCE.`,
        { provider: this.name, code: 'missing_endpoint' },
      );
    }
    // The key stays the SDK's apiKey (so it never falls back to a local credential chain), but goes
    // out as x-api-key, and the bearer header it would make is removed (a null header is dropped).
    const headers = apiKey === undefined ? {} : { 'x-api-key': apiKey, Authorization: null };
    const defaultHeaders = { ...(rest.defaultHeaders as Record<string, string> | undefined), ...headers };
    await super.initClient(apiKey, endpoint, { ...rest, defaultHeaders });
  }
}
