/**
 * What every provider's `embedding()` shares: splitting inputs over the provider's batch limit and
 * joining the answers in input order (usage summed), reading an OpenAI-shaped embeddings body, and
 * the one meaning of `encoding_format: 'base64'` (little-endian float32s, OpenAI's encoding),
 * produced here when the provider answered floats and decoded here when it answered base64.
 *
 * @module
 */
import { InvalidRequestError, ProviderError, UnsupportedParameterError } from '../errors.js';
import type { Base64EmbeddingResponse, CreateEmbeddingResponse, EmbeddingInput, EmbeddingParams } from '../types.js';

/** One vector as a provider sent it: floats, or base64 of little-endian float32s. */
export type RawVector = readonly number[] | string;

/** What one upstream request gave: one vector per input of the batch, in the batch's order. */
export interface EmbeddedBatch {
  vectors: readonly RawVector[];
  /** The model the provider names in its answer, when it names one. */
  model?: string;
  /** Input tokens, when the provider reports them. */
  promptTokens?: number;
}

/**
 * The inputs as one item per vector: a text, or an array of token ids.
 *
 * @example
 * ```ts
 * embeddingItems('hi');       // ['hi']
 * embeddingItems([1, 2, 3]);  // [[1, 2, 3]]: one token array is one input
 * ```
 */
export function embeddingItems(input: EmbeddingInput): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as (string | number[])[];
}

/** Whether the inputs are token ids rather than text. */
export function isTokenInput(input: EmbeddingInput): boolean {
  return typeof input !== 'string' && input.length > 0 && typeof input[0] !== 'string';
}

/**
 * Throws `UnsupportedParameterError` when the inputs are token ids and the provider embeds text only.
 *
 * @example
 * ```ts
 * rejectTokenInput({ model: 'm', input: [1, 2] }, 'gemini'); // throws, naming 'input'
 * ```
 */
export function rejectTokenInput(params: EmbeddingParams, provider: string): void {
  if (isTokenInput(params.input)) {
    throw new UnsupportedParameterError('input', provider, 'this provider embeds text only, not token ids.');
  }
}

/**
 * Embeds `params.input` in upstream requests of at most `maxInputs` inputs each (all at once when
 * unset), one after the other, and joins the answers: vectors in input order with their `index`,
 * usage summed, each vector in the `encoding_format` asked for. A single request gets the caller's
 * `input` as given; split requests get a slice of it.
 *
 * @throws ProviderError when a request answers another number of vectors than it was sent inputs.
 * @example
 * ```ts
 * return embedInBatches(params, 2048, this.name, async (input) => readOpenAIEmbeddings(await post({ ...params, input }), this.name));
 * ```
 */
export async function embedInBatches(
  params: EmbeddingParams,
  maxInputs: number | undefined,
  provider: string,
  embed: (input: EmbeddingInput, count: number) => Promise<EmbeddedBatch>,
): Promise<CreateEmbeddingResponse | Base64EmbeddingResponse> {
  const items = embeddingItems(params.input);
  const size = maxInputs !== undefined && maxInputs > 0 ? maxInputs : items.length;
  const base64 = params.encoding_format === 'base64';
  const data: { object: 'embedding'; index: number; embedding: number[] | string }[] = [];
  let model: string | undefined;
  let promptTokens = 0;
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    const input = batch.length === items.length ? params.input : (batch as string[] | number[][]);
    const answer = await embed(input, batch.length);
    if (answer.vectors.length !== batch.length) {
      throw new ProviderError(
        `Provider '${provider}' answered ${answer.vectors.length} embeddings for ${batch.length} inputs.`,
        { provider, code: 'invalid_response' },
      );
    }
    model ??= answer.model;
    promptTokens += answer.promptTokens ?? 0;
    for (const vector of answer.vectors) {
      data.push({ object: 'embedding', index: data.length, embedding: base64 ? toBase64(vector) : toFloats(vector, provider) });
    }
  }
  const result = { object: 'list' as const, data, model: model ?? params.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
  return result as CreateEmbeddingResponse | Base64EmbeddingResponse;
}

/**
 * The vectors of an OpenAI-shaped embeddings body (`{ data: [{ index, embedding }], model, usage }`),
 * put in `index` order (a server may answer out of order). Input tokens are `usage.prompt_tokens`,
 * or `usage.total_tokens` when that is all the server reports.
 *
 * @throws ProviderError when the body is not that shape.
 * @example
 * ```ts
 * readOpenAIEmbeddings({ data: [{ index: 0, embedding: [0.1] }], model: 'm', usage: { prompt_tokens: 1 } }, 'vllm');
 * // { vectors: [[0.1]], model: 'm', promptTokens: 1 }
 * ```
 */
export function readOpenAIEmbeddings(body: unknown, provider: string): EmbeddedBatch {
  const fail = (problem: string): never => {
    throw new ProviderError(`Provider '${provider}' answered an embeddings body that is not OpenAI's: ${problem}.`, {
      provider,
      code: 'invalid_response',
    });
  };
  if (typeof body !== 'object' || body === null) return fail('it is not an object');
  const { data, model, usage } = body as { data?: unknown; model?: unknown; usage?: { prompt_tokens?: unknown; total_tokens?: unknown } | null };
  if (!Array.isArray(data)) return fail('data is not an array');
  const items = data.map((item: unknown, position) => {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    if (!Array.isArray(embedding) && typeof embedding !== 'string') fail(`data[${position}].embedding is neither numbers nor base64`);
    return { index: typeof index === 'number' ? index : position, embedding: embedding as RawVector };
  });
  items.sort((a, b) => a.index - b.index);
  // An embedding has no completion, so a server that reports only `total_tokens` (Voyage) reports its input tokens.
  const tokens = usage?.prompt_tokens ?? usage?.total_tokens;
  return {
    vectors: items.map((item) => item.embedding),
    model: typeof model === 'string' && model !== '' ? model : undefined,
    promptTokens: typeof tokens === 'number' && Number.isFinite(tokens) ? tokens : undefined,
  };
}

/**
 * The vectors of a Hugging Face feature-extraction answer: one float array per input, in input
 * order. The pipeline reports no model and no usage, so `promptTokens` stays unset (usage 0).
 *
 * @throws ProviderError when the body is not an array of float arrays (a model without pooling
 * answers one vector per token, which is not a sentence embedding).
 * @example
 * ```ts
 * readFeatureExtraction([[0.1, 0.2], [0.3, 0.4]], 'huggingface'); // { vectors: [[0.1, 0.2], [0.3, 0.4]] }
 * ```
 */
export function readFeatureExtraction(body: unknown, provider: string): EmbeddedBatch {
  const fail = (problem: string): never => {
    throw new ProviderError(`Provider '${provider}' answered a feature-extraction body that is not one vector per input: ${problem}.`, {
      provider,
      code: 'invalid_response',
    });
  };
  if (!Array.isArray(body)) return fail('it is not an array');
  body.forEach((vector: unknown, position) => {
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) fail(`item ${position} is not an array of numbers (is the model pooled?)`);
  });
  return { vectors: body as number[][] };
}

/**
 * The embeddings URL of a `compat.embedding.path` template: `{model}` filled in (each segment
 * URL-encoded), then resolved against the base URL as a directory.
 *
 * @throws InvalidRequestError for a model id with an empty, `.` or `..` segment (it would change the path).
 * @example
 * ```ts
 * embeddingUrl('../hf-inference/models/{model}/pipeline/feature-extraction', 'https://router.huggingface.co/v1', 'BAAI/bge-m3', 'huggingface');
 * // 'https://router.huggingface.co/hf-inference/models/BAAI/bge-m3/pipeline/feature-extraction'
 * ```
 */
export function embeddingUrl(template: string, baseUrl: string, model: string, provider: string): string {
  const segments = model.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new InvalidRequestError(`Model '${model}' is not a model id ${provider} can put in its embeddings path.`, { provider, code: 'invalid_model' });
  }
  const path = template.replaceAll('{model}', segments.map(encodeURIComponent).join('/'));
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href;
}

/**
 * A vector as base64 of little-endian float32s (OpenAI's `encoding_format: 'base64'`).
 *
 * @example
 * ```ts
 * toBase64([1]); // 'AACAPw=='
 * ```
 */
export function toBase64(vector: RawVector): string {
  if (typeof vector === 'string') return vector;
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i], true);
  return Buffer.from(view.buffer).toString('base64');
}

/**
 * A vector as numbers: base64 text is decoded as little-endian float32s.
 *
 * @throws ProviderError for base64 that is not a whole number of float32s.
 * @example
 * ```ts
 * toFloats('AACAPw==', 'openai'); // [1]
 * ```
 */
export function toFloats(vector: RawVector, provider: string): number[] {
  if (typeof vector !== 'string') return vector as number[];
  const bytes = Buffer.from(vector, 'base64');
  if (bytes.length % 4 !== 0) {
    throw new ProviderError(`Provider '${provider}' answered a base64 embedding that is not float32s.`, { provider, code: 'invalid_response' });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const floats = new Array<number>(bytes.length / 4);
  for (let i = 0; i < floats.length; i++) floats[i] = view.getFloat32(i * 4, true);
  return floats;
}
