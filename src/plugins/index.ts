/**
 * `anyllm/plugin`: what provider authors import.
 *
 * @module
 */
// First: refuses an unsupported runtime before anything else is evaluated.
import './runtime-check.js';
// Everything a built-in provider uses comes from here, so a community plugin can do what a built-in
// does (test/plugin-kit.test.ts holds plugins/ to it).
export { Provider, rejectUnsupported, type AuthorizeRequest, type AuthorizeResult, type CallContext, type ProviderInit } from './provider.js';
export {
  OpenAICompatibleProvider,
  type CompatOptions,
  type EmbeddingCompat,
  type OpenAIModule,
  type OpenAIRequest,
} from './openai-compatible.js';
export { createStreamState, normaliseChunk, normaliseCompletion, normaliseModels, type StreamState } from './openai-normalise.js';
export { rejectOpenAIOnly, type OpenAIOnlyShape } from './openai-only.js';
export { alphanumericId } from './tool-call-ids.js';
export { findCacheControl, rejectCacheControl } from './cache-control.js';
export {
  embedInBatches,
  embeddingItems,
  isTokenInput,
  readOpenAIEmbeddings,
  rejectTokenInput,
  toBase64,
  toFloats,
  type EmbeddedBatch,
  type RawVector,
} from './embeddings.js';
export { SseParser, sseEvents, openSseBatches, type SseBatchReader } from './sse.js';
export { batchedStream, type BatchedStream } from './chunk-batches.js';
export { mapSdkError } from './http-errors.js';
export { importSdk } from './sdk.js';
export {
  AnyLLMError,
  AuthenticationError,
  ConnectionError,
  ContentFilterError,
  ContextLengthExceededError,
  createAbortError,
  errorForStatus,
  InvalidRequestError,
  isAbortError,
  MissingSdkError,
  ModelNotFoundError,
  parseRetryAfter,
  ProviderError,
  RateLimitError,
  TimeoutError,
  UnsupportedParameterError,
} from '../errors.js';
export type * from '../types.js';
