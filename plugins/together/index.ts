/**
 * Together AI. Open reasoning models (DeepSeek-R1, Qwen3) leave `<think>` tags in the content; its
 * models endpoint answers a bare array (the base reads it).
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class TogetherProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    // Together's /v1/embeddings documents only model and input (text).
    embedding: { unsupported: ['dimensions', 'user'], encodingFormat: false, tokens: false },
  };
}
