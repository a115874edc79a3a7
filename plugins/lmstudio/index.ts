/**
 * LM Studio's local server, no key. Reasoning arrives as `reasoning_content` or, for models without a
 * reasoning parser, as `<think>` tags in the content.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class LMStudioProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    // LM Studio's /v1/embeddings documents only model and input (text).
    embedding: { unsupported: ['dimensions', 'user'], encodingFormat: false, tokens: false },
  };
}
