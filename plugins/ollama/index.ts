/**
 * Ollama's OpenAI-compatible endpoint (`/v1`), no key. Recent versions send `reasoning`; models run
 * without a reasoning parser leave `<think>` tags in the content.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class OllamaProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    unsupported: ['logit_bias', 'user', 'n'],
    // Ollama's /v1/embeddings takes model, input (text only), encoding_format and dimensions.
    embedding: { unsupported: ['user'], tokens: false },
  };
}
