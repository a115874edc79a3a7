/**
 * OpenRouter: OpenAI's wire format, with reasoning already in a `reasoning` field; no override is
 * needed.
 *
 * @module
 */
export { OpenAICompatibleProvider as default } from '../../src/plugins/index.js';
