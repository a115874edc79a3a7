/**
 * Cerebras. Qwen3 models leave `<think>` tags in the content; the API refuses the penalties, logit_bias
 * and parallel_tool_calls.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class CerebrasProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = {
    thinkTags: true,
    unsupported: ['frequency_penalty', 'presence_penalty', 'logit_bias', 'parallel_tool_calls'],
  };
}
