/**
 * OpenAI, on the official `openai` SDK. Params and results are already OpenAI's: the base passes
 * them through.
 *
 * @module
 */
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

export default class OpenAIProvider extends OpenAICompatibleProvider {
  /** Custom tools, allowed_tools, cache breakpoints ... are OpenAI's own: they pass through. */
  protected override readonly compat: CompatOptions = {
    openaiShapes: true,
    // OpenAI's documented cap: at most 2048 inputs per request.
    embedding: { maxInputs: 2048, base64Floats: true },
  };
}
