/**
 * vLLM's OpenAI-compatible server, no key. With `--reasoning-parser` reasoning arrives as
 * `reasoning_content`/`reasoning`; without one the `<think>` tags stay in the content.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class VLLMProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    // vLLM's /v1/embeddings is OpenAI's (dimensions for Matryoshka models, token ids, base64).
    embedding: { base64Floats: true },
  };
}
