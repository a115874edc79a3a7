/**
 * Gemini embeddings: OpenAI's params → `models.embedContent` (which the SDK sends to
 * `batchEmbedContents`, one request per text), and its answer → the vectors in order.
 *
 * @module
 */
import type { EmbedContentParameters, EmbedContentResponse } from '@google/genai';
import type { EmbeddedBatch, EmbeddingParams } from '../../src/plugins/index.js';

/** `batchEmbedContents` takes at most 100 requests. */
export const GEMINI_MAX_EMBED_INPUTS = 100;

/**
 * The SDK request for `texts`. Each text is its own `Content`: the SDK would merge bare strings
 * into one content (one vector) for some models.
 *
 * @example
 * ```ts
 * embedRequest({ model: 'gemini-embedding-001', input: 'hi', dimensions: 768 }, ['hi'], signal);
 * // { model, contents: [{ parts: [{ text: 'hi' }] }], config: { outputDimensionality: 768, abortSignal } }
 * ```
 */
export function embedRequest(params: EmbeddingParams, texts: readonly string[], signal: AbortSignal): EmbedContentParameters {
  const config: EmbedContentParameters['config'] = { abortSignal: signal };
  if (params.dimensions !== undefined) config.outputDimensionality = params.dimensions;
  return { model: params.model, contents: texts.map((text) => ({ parts: [{ text }] })), config };
}

/**
 * The vectors of an `embedContent` answer, and its input tokens when Google counts them
 * (`usageMetadata`, or Vertex's per-embedding `statistics`); the Gemini API often reports none.
 *
 * @example
 * ```ts
 * readEmbedResponse({ embeddings: [{ values: [0.1, 0.2] }] }); // { vectors: [[0.1, 0.2]], promptTokens: undefined }
 * ```
 */
export function readEmbedResponse(response: EmbedContentResponse): EmbeddedBatch {
  const embeddings = response.embeddings ?? [];
  let promptTokens = response.usageMetadata?.promptTokenCount;
  if (promptTokens === undefined && embeddings.some((e) => e.statistics?.tokenCount !== undefined)) {
    promptTokens = embeddings.reduce((sum, e) => sum + (e.statistics?.tokenCount ?? 0), 0);
  }
  return { vectors: embeddings.map((e) => e.values ?? []), promptTokens };
}
