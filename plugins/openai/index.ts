/**
 * OpenAI, on the official `openai` SDK. Params and results are already OpenAI's: the base passes
 * them through.
 *
 * @module
 */
import { OpenAICompatibleProvider } from '../../src/plugins/openai-compatible.js';

export default class OpenAIProvider extends OpenAICompatibleProvider {}
