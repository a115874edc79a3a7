/**
 * Perplexity (Sonar). `sonar-reasoning` models leave `<think>` tags in the content; no tool calling
 * (its manifest says so) and no models endpoint.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class PerplexityProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    unsupported: ['logit_bias', 'logprobs', 'top_logprobs', 'n'],
  };
}
