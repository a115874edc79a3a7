/**
 * Gemini's model list → OpenAI's model-list shape. Pure.
 *
 * @module
 */
import type { Model } from '../../src/plugins/index.js';
import type { GeminiModel } from './wire.js';

/**
 * One Gemini model → an OpenAI model entry. The id drops the `models/` prefix, so it is what
 * `completion({ model })` takes.
 *
 * @example
 * ```ts
 * convertModel({ name: 'models/gemini-2.5-flash' }); // { id: 'gemini-2.5-flash', object: 'model', created: 0, owned_by: 'google' }
 * ```
 */
export function convertModel(model: GeminiModel): Model {
  // Gemini reports no creation time; 0 says "unknown" in OpenAI's shape.
  return { id: (model.name ?? '').replace(/^models\//, ''), object: 'model', created: 0, owned_by: 'google' };
}
