/**
 * Mistral's chat API: OpenAI's wire format, but strict. It refuses unknown fields (so no
 * `stream_options`: it always reports usage), spells `seed` as `random_seed`, and accepts only
 * nine-letter-and-digit tool-call ids, so ids from other providers are rewritten. Its content-part
 * arrays (`thinking` parts from Magistral) are read by the shared base.
 *
 * @module
 */
import { OpenAICompatibleProvider, alphanumericId, type CompatOptions } from '../../src/plugins/index.js';

export default class MistralProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    unsupported: ['logit_bias', 'logprobs', 'top_logprobs', 'user'],
    rename: { seed: 'random_seed' },
    maxTokensOnly: true,
    streamOptions: false,
    toolCallId: (id) => alphanumericId(id, 9),
    // Mistral's EmbeddingRequest: model, input (text only), output_dimension, output_dtype, encoding_format.
    embedding: { unsupported: ['user'], rename: { dimensions: 'output_dimension' }, tokens: false },
  };
}
