/**
 * Checks embedding params in the host, before any plugin is started or anything is sent upstream.
 *
 * @module
 */
import { InvalidRequestError, UnsupportedParameterError } from '../errors.js';
import type { Capabilities, EmbeddingParams } from '../types.js';

const KNOWN = ['model', 'input', 'dimensions', 'encoding_format', 'user'];

const isTokenId = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Whether `input` is one of OpenAI's input shapes: a non-empty text, a non-empty array of non-empty
 * texts, a non-empty array of token ids, or a non-empty array of non-empty arrays of token ids.
 * Returns what is wrong, or undefined.
 */
function inputProblem(input: unknown): string | undefined {
  const shapes = 'must be a non-empty string, or a non-empty array of non-empty strings or of token ids (non-negative integers) or of arrays of token ids';
  if (typeof input === 'string') return input === '' ? 'must not be an empty string' : undefined;
  if (!Array.isArray(input) || input.length === 0) return shapes;
  const first: unknown = input[0];
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    if (typeof first === 'string') {
      if (typeof item !== 'string') return `must be all strings or all token ids (item ${i} is not a string)`;
      if (item === '') return `must not hold an empty string (item ${i})`;
    } else if (typeof first === 'number') {
      if (!isTokenId(item)) return `must be all token ids, non-negative integers (item ${i} is not one)`;
    } else if (!Array.isArray(item) || item.length === 0 || !item.every(isTokenId)) {
      return Array.isArray(first) ? `must be all non-empty arrays of token ids (item ${i} is not one)` : shapes;
    }
  }
  return undefined;
}

/**
 * Checks `llm.embedding()` params and returns them without unset (`null` or `undefined`) optionals.
 *
 * @throws InvalidRequestError naming the field: a missing model, empty or mistyped input,
 *   `dimensions` that is not a positive integer, an `encoding_format` other than 'float' or
 *   'base64', or a field that is not an embedding parameter.
 * @example
 * ```ts
 * validateEmbeddingParams({ model: 'text-embedding-3-small', input: [] }, 'openai');
 * // throws: Invalid request: 'input' must be a non-empty string, or a non-empty array ...
 * ```
 */
export function validateEmbeddingParams(params: unknown, provider?: string): EmbeddingParams {
  const fail = (field: string, problem: string): never => {
    throw new InvalidRequestError(`Invalid request: '${field}' ${problem}.`, { provider, code: 'invalid_request' });
  };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return fail('params', 'must be an object');
  const p = params as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!KNOWN.includes(key)) fail(key, `is not an embedding parameter (they are ${KNOWN.join(', ')})`);
  }
  if (typeof p.model !== 'string' || p.model.trim() === '') fail('model', 'must be a non-empty string');
  const problem = inputProblem(p.input);
  if (problem) fail('input', problem);
  const checked: Record<string, unknown> = { model: p.model, input: p.input };
  if (p.dimensions !== undefined && p.dimensions !== null) {
    if (!Number.isSafeInteger(p.dimensions) || (p.dimensions as number) <= 0) fail('dimensions', 'must be a positive integer');
    checked.dimensions = p.dimensions;
  }
  if (p.encoding_format !== undefined && p.encoding_format !== null) {
    if (p.encoding_format !== 'float' && p.encoding_format !== 'base64') fail('encoding_format', "must be 'float' or 'base64'");
    checked.encoding_format = p.encoding_format;
  }
  if (p.user !== undefined && p.user !== null) {
    if (typeof p.user !== 'string') fail('user', 'must be a string');
    checked.user = p.user;
  }
  return checked as unknown as EmbeddingParams;
}

/**
 * Throws `UnsupportedParameterError` when the manifest claims no embeddings endpoint.
 *
 * @example
 * ```ts
 * checkEmbeddingCapability({ completion: true }, 'groq'); // throws: ... does not support the parameter 'embedding' ...
 * ```
 */
export function checkEmbeddingCapability(capabilities: Capabilities, provider: string): void {
  if (!capabilities.embedding) {
    throw new UnsupportedParameterError('embedding', provider, 'this provider has no embeddings endpoint.');
  }
}
