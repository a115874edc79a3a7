/**
 * DeepSeek. Reasoning arrives as `reasoning_content` (mapped by the shared base) and must go back
 * in that field on later turns, which DeepSeek requires after a tool call. `deepseek-reasoner`
 * ignores the sampling parameters and refuses logprobs, so they are refused here by name.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions, type OpenAIRequest, type CompletionParams } from '../../src/plugins/index.js';

const REASONER_IGNORES = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs'];

export default class DeepSeekProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = { reasoningEcho: 'reasoning_content', maxTokensOnly: true };

  override convertCompletionParams(params: CompletionParams, extra: { stream: boolean }): OpenAIRequest {
    if (params.model.includes('reasoner')) this.rejectUnsupported(params, REASONER_IGNORES);
    return super.convertCompletionParams(params, extra);
  }
}
