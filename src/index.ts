/**
 * `anyllm`: one OpenAI-shaped interface to every LLM provider, each provider running as a lazily
 * started plugin in a worker thread or child process.
 *
 * @module
 */
// First: refuses an unsupported runtime before anything else is evaluated.
import './runtime-check.js';
export { AnyLLM } from './host/anyllm.js';
export { completion, completionStream, embedding, type CompletionStream, type TopLevelOptions } from './host/functions.js';
export { accumulateChunks, ChunkAccumulator } from './host/accumulate.js';
export type { CompletionStreamHelpers, ReadableStreamOptions } from './host/stream-helpers.js';
export { registerPlugin, knownProviders, type RegisterPluginOptions } from './host/registry.js';
export { LLMProvider } from './host/providers.js';
export type { AnyLLMOptions } from './host/options.js';
export type { CredentialOptions } from './host/credentials/types.js';
export type { SupervisionOptions } from './host/supervision.js';
export type { ClientStats as AnyLLMStats } from './host/plugin-client.js';
export type { RetryOptions } from './types.js';
export { DIAGNOSTICS_CHANNELS } from './host/events.js';
export type {
  AnyLLMEvent,
  AnyLLMEvents,
  AnyLLMEventType,
  CallEndEvent,
  CallFallbackEvent,
  CallMethod,
  CallOutcome,
  CallRetryEvent,
  CallStartEvent,
  PluginExitCause,
  PluginExitEvent,
  PluginReadyEvent,
  PluginRestartEvent,
  PluginStderrEvent,
  PluginStartEvent,
} from './host/events.js';
export type { PluginManifest } from './host/manifest.js';
export type { ChunkStream } from './host/chunk-stream.js';
export {
  AnyLLMError,
  AuthenticationError,
  ConnectionError,
  ContentFilterError,
  ContextLengthExceededError,
  FallbackError,
  InvalidRequestError,
  MissingSdkError,
  MissingApiKeyError,
  ModelNotFoundError,
  PluginCrashedError,
  PluginProtocolError,
  PluginUnavailableError,
  ProviderError,
  RateLimitError,
  StructuredOutputError,
  type StructuredOutputFailure,
  TimeoutError,
  UnsupportedParameterError,
  UnsupportedProviderError,
} from './errors.js';
export type {
  AllowedToolsChoice,
  AssistantMessage,
  Base64EmbeddingResponse,
  CallOptions,
  Capabilities,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionContentPart,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionDelta,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTokenLogprob,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
  ChatMessage,
  ChoiceLogprobs,
  CompletionParams,
  CompletionUsage,
  ContentPart,
  CreateEmbeddingResponse,
  CustomTool,
  CustomToolCall,
  Embedding,
  EmbeddingInput,
  EmbeddingParams,
  EmbeddingUsage,
  FileContentPart,
  FinishReason,
  FunctionDefinition,
  FunctionMessage,
  FunctionTool,
  FunctionToolCall,
  ImageContentPart,
  InputAudioContentPart,
  Isolation,
  JsonObject,
  JsonValue,
  Model,
  ParsedChatCompletion,
  ParsedChatCompletionChoice,
  ParsedChatCompletionMessage,
  PromptCacheBreakpoint,
  CacheControl,
  ReasoningEffort,
  RefusalContentPart,
  ResponseFormat,
  SchemaOutput,
  SchemaResponseFormat,
  ServiceTier,
  StandardSchemaIssue,
  StandardSchemaResult,
  StructuredCompletionParams,
  StructuredOutputSchema,
  SystemMessage,
  TextContentPart,
  TokenLogprob,
  Tool,
  ToolCall,
  ToolCallDelta,
  ToolChoice,
  ToolMessage,
  UrlCitationAnnotation,
  UserMessage,
} from './types.js';
