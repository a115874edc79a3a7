/**
 * Groq. Reasoning models answer with inline `<think>` tags unless `reasoning_format` is 'parsed';
 * usage arrives in `x_groq.usage` (the base reads both). Groq rejects logprobs and logit_bias.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class GroqProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    unsupported: ['logprobs', 'top_logprobs', 'logit_bias'],
  };
}
