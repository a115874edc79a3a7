/**
 * Bedrock embeddings through InvokeModel (`POST /model/{modelId}/invoke`), in the body of the model
 * family the id names: Amazon Titan Text Embeddings (one `inputText` a request; V2 takes
 * `dimensions` and `normalize`) and Cohere Embed (`texts` and `input_type`, up to 96 a request).
 *
 * @module
 */
import { ProviderError, UnsupportedParameterError, type EmbeddedBatch, type EmbeddingParams } from '../../src/plugins/index.js';
import { COHERE_MAX_EMBED_INPUTS, type CohereInputType } from '../cohere/embedding.js';

/** How one embedding model family is spoken on InvokeModel. */
export interface EmbedFamily {
  /** The most texts one request carries. */
  maxInputs: number;
  /** The InvokeModel body for `texts` (at most `maxInputs`). */
  body(texts: string[]): Record<string, unknown>;
  /** The vectors of the answer; `headerTokens` is Bedrock's `x-amzn-bedrock-input-token-count`. */
  read(answer: unknown, headerTokens: number | undefined): EmbeddedBatch;
}

/** Region and geography prefixes of cross-region inference profiles (`us.cohere.embed-v4:0`). */
const PROFILE_PREFIX = /^(?:[a-z]{2,6}\.)?/;

/**
 * The family of `params.model`, with the parameters it cannot honour refused.
 *
 * @throws UnsupportedParameterError for a model of another family, or `dimensions` where the model has none.
 * @example
 * ```ts
 * embedFamily({ model: 'amazon.titan-embed-text-v2:0', input: 'hi', dimensions: 256 }, 'search_document', 'bedrock').body(['hi']);
 * // { inputText: 'hi', dimensions: 256, normalize: true }
 * ```
 */
export function embedFamily(params: EmbeddingParams, inputType: CohereInputType, provider: string): EmbedFamily {
  const id = params.model.replace(PROFILE_PREFIX, '');
  const noDimensions = (model: string): void => {
    if (params.dimensions !== undefined) throw new UnsupportedParameterError('dimensions', provider, `${model} embeds at its one size.`);
  };
  if (id.startsWith('amazon.titan-embed-text-v2') || id.startsWith('titan-embed-text-v2')) {
    // normalize: unit vectors, as OpenAI's are (Titan V2's own default, said explicitly).
    return titan((text) => ({ inputText: text, ...(params.dimensions !== undefined ? { dimensions: params.dimensions } : {}), normalize: true }), provider);
  }
  if (params.model.includes('amazon.titan-embed-text') || params.model.includes('amazon.titan-embed-g1-text')) {
    noDimensions('Titan Text Embeddings V1');
    return titan((text) => ({ inputText: text }), provider);
  }
  if (params.model.includes('cohere.embed-')) {
    const v4 = params.model.includes('cohere.embed-v4');
    if (!v4) noDimensions('Cohere Embed v3');
    return {
      maxInputs: COHERE_MAX_EMBED_INPUTS,
      body: (texts) => ({
        texts,
        input_type: inputType,
        embedding_types: ['float'],
        ...(params.dimensions !== undefined ? { output_dimension: params.dimensions } : {}),
      }),
      read: (answer, headerTokens) => ({ vectors: cohereVectors(answer, provider), promptTokens: headerTokens }),
    };
  }
  throw new UnsupportedParameterError(
    'model',
    provider,
    `Bedrock embeddings are spoken for Amazon Titan Text Embeddings (amazon.titan-embed-text-*) and Cohere Embed (cohere.embed-*) models, not '${params.model}'.`,
  );
}

function titan(body: (text: string) => Record<string, unknown>, provider: string): EmbedFamily {
  return {
    maxInputs: 1,
    body: (texts) => body(texts[0]),
    read(answer, headerTokens) {
      const { embedding, inputTextTokenCount } = (answer ?? {}) as { embedding?: unknown; inputTextTokenCount?: unknown };
      if (!Array.isArray(embedding)) throw invalid(provider, 'embedding');
      return { vectors: [embedding as number[]], promptTokens: typeof inputTextTokenCount === 'number' ? inputTextTokenCount : headerTokens };
    },
  };
}

/** Cohere on Bedrock answers `embeddings` as `{ float: [...] }` when types are asked for, else as the bare array. */
function cohereVectors(answer: unknown, provider: string): number[][] {
  const embeddings = (answer as { embeddings?: unknown } | null)?.embeddings;
  const vectors = Array.isArray(embeddings) ? embeddings : (embeddings as { float?: unknown } | undefined)?.float;
  if (!Array.isArray(vectors) || !vectors.every((v) => Array.isArray(v))) throw invalid(provider, 'embeddings.float');
  return vectors as number[][];
}

function invalid(provider: string, field: string): ProviderError {
  return new ProviderError(`Provider '${provider}' answered an InvokeModel embedding body without ${field}.`, { provider, code: 'invalid_response' });
}
