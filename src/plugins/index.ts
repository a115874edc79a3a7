/**
 * `anyllm/plugin`: what provider authors import.
 *
 * @module
 */
// First: refuses an unsupported runtime before anything else is evaluated.
import './runtime-check.js';
export { Provider, type AuthorizeRequest, type AuthorizeResult, type CallContext, type ProviderInit } from './provider.js';
export { OpenAICompatibleProvider, type CompatOptions, type OpenAIModule, type OpenAIRequest } from './openai-compatible.js';
export { sseEvents } from './sse.js';
export { mapSdkError } from './http-errors.js';
export { importSdk } from './sdk.js';
export {
  AnyLLMError,
  AuthenticationError,
  ConnectionError,
  ContentFilterError,
  ContextLengthExceededError,
  InvalidRequestError,
  MissingSdkError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  UnsupportedParameterError,
} from '../errors.js';
export type * from '../types.js';
