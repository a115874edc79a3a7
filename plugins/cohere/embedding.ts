/**
 * Cohere embeddings: OpenAI's params → Cohere's v2 Embed body (`POST /v2/embed`), and its answer
 * (`embeddings.float`, `meta.billed_units.input_tokens`) → the vectors in order.
 *
 * @module
 */
import { InvalidRequestError, ProviderError, type EmbeddedBatch, type EmbeddingParams } from '../../src/plugins/index.js';

/** Cohere's Embed API takes at most 96 texts a request. */
export const COHERE_MAX_EMBED_INPUTS = 96;

/** What Cohere's v3+ embed models are told the texts are for; the v2 API requires one. */
export const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'] as const;
export type CohereInputType = (typeof COHERE_INPUT_TYPES)[number];

/**
 * The client option `embeddingInputType`, or Cohere's documents default `'search_document'` (what a
 * store of embeddings is made of; queries against it are embedded with `'search_query'`).
 *
 * @throws InvalidRequestError for a value that is not one of Cohere's text input types.
 * @example
 * ```ts
 * cohereInputType(undefined, 'cohere'); // 'search_document'
 * cohereInputType('search_query', 'cohere'); // 'search_query'
 * ```
 */
export function cohereInputType(value: unknown, provider: string): CohereInputType {
  if (value === undefined) return 'search_document';
  if (typeof value === 'string' && (COHERE_INPUT_TYPES as readonly string[]).includes(value)) return value as CohereInputType;
  throw new InvalidRequestError(
    `Option 'embeddingInputType' must be one of ${COHERE_INPUT_TYPES.map((t) => `'${t}'`).join(', ')} (got ${JSON.stringify(value)}).`,
    { provider, code: 'invalid_option' },
  );
}

/** Cohere's v2 Embed request body. */
export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: CohereInputType;
  embedding_types: ['float'];
  output_dimension?: number;
}

/**
 * The body for `texts`: floats are always asked for (base64, when wanted, is made by the caller of this).
 *
 * @example
 * ```ts
 * embedRequest({ model: 'embed-v4.0', input: 'hi', dimensions: 256 }, ['hi'], 'search_document');
 * // { model: 'embed-v4.0', texts: ['hi'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 }
 * ```
 */
export function embedRequest(params: EmbeddingParams, texts: string[], inputType: CohereInputType): CohereEmbedRequest {
  const body: CohereEmbedRequest = { model: params.model, texts, input_type: inputType, embedding_types: ['float'] };
  if (params.dimensions !== undefined) body.output_dimension = params.dimensions;
  return body;
}

/**
 * The vectors of a v2 Embed answer and its billed input tokens. Cohere's answer does not name the model.
 *
 * @throws ProviderError when the answer has no `embeddings.float` array.
 * @example
 * ```ts
 * readEmbedResponse({ embeddings: { float: [[0.1]] }, meta: { billed_units: { input_tokens: 2 } } }, 'cohere');
 * // { vectors: [[0.1]], promptTokens: 2 }
 * ```
 */
export function readEmbedResponse(body: unknown, provider: string): EmbeddedBatch {
  const { embeddings, meta } = (body ?? {}) as { embeddings?: { float?: unknown }; meta?: { billed_units?: { input_tokens?: unknown } } };
  const vectors = embeddings?.float;
  if (!Array.isArray(vectors) || !vectors.every((v) => Array.isArray(v))) {
    throw new ProviderError(`Provider '${provider}' answered an embed body without embeddings.float.`, { provider, code: 'invalid_response' });
  }
  const tokens = meta?.billed_units?.input_tokens;
  return { vectors: vectors as number[][], promptTokens: typeof tokens === 'number' && Number.isFinite(tokens) ? tokens : undefined };
}
