/**
 * xAI (Grok): OpenAI's wire format; its `reasoning_content` is mapped to `reasoning` by the shared
 * base, so no override is needed.
 *
 * @module
 */
export { OpenAICompatibleProvider as default } from '../../src/plugins/index.js';
