/**
 * llama.cpp's `llama-server`, no key. `--reasoning-format deepseek` sends `reasoning_content`; with
 * `none` the `<think>` tags stay in the content.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class LlamaCppProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    maxTokensOnly: true,
    // llama-server's /v1/embeddings takes text or token ids and encoding_format; no dimensions, no user.
    embedding: { unsupported: ['dimensions', 'user'] },
  };
}
