/**
 * OpenRouter: OpenAI's wire format, with reasoning already in a `reasoning` field. The signed
 * reasoning of the models behind it (Anthropic's thinking signatures, Gemini's thought signatures)
 * comes in `reasoning_details`, which the shared normaliser moves to
 * `provider_data.reasoning_details`; it goes back as `reasoning_details` on the next turn, as
 * OpenRouter asks for reasoning to continue across tool calls. Anthropic-style `cache_control` marks
 * pass through: OpenRouter hands them to the models that cache.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class OpenRouterProvider extends OpenAICompatibleProvider {
  protected override readonly compat: CompatOptions = { reasoningDetailsEcho: true, cacheControl: true };
}
