/**
 * Fireworks AI. Open reasoning models leave `<think>` tags in the content.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class FireworksProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    // Fireworks' /v1/embeddings takes model, input (text) and dimensions (Matryoshka models).
    embedding: { unsupported: ['user'], encodingFormat: false, tokens: false },
  };
}
