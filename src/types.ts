/**
 * OpenAI-shaped request and response types, shared by the host and every plugin.
 *
 * Field names and shapes follow OpenAI's Chat Completions API so OpenAI code can be pasted in.
 * Two additions carry what OpenAI has no field for:
 * - `reasoning` on messages and deltas: the model's thinking text, as a string;
 * - `provider_data` on assistant messages: opaque provider state (thinking signatures) that must be
 *   sent back unchanged when the caller passes the assistant message into the next turn.
 *
 * @module
 */

/** A JSON value: what crosses the plugin boundary. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Marks the end of a prompt prefix to cache (OpenAI). Providers without explicit cache breakpoints
 * refuse it with `UnsupportedParameterError`.
 */
export interface PromptCacheBreakpoint {
  mode: 'explicit';
  ttl?: '30m' | '12h';
}

/**
 * Marks the end of a prompt prefix to cache, in Anthropic's shape (`cache_control`): on a content
 * part of a system, user, assistant or tool message, or on a function tool. Anthropic (and
 * OpenRouter, which passes it on) take it; every other provider refuses it with
 * `UnsupportedParameterError` rather than drop it. `ttl` defaults to Anthropic's 5 minutes.
 */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextContentPart {
  type: 'text';
  text: string;
  prompt_cache_breakpoint?: PromptCacheBreakpoint;
  cache_control?: CacheControl;
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' | 'original' };
  prompt_cache_breakpoint?: PromptCacheBreakpoint;
  cache_control?: CacheControl;
}

export interface FileContentPart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
  prompt_cache_breakpoint?: PromptCacheBreakpoint;
  cache_control?: CacheControl;
}

export interface InputAudioContentPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
  prompt_cache_breakpoint?: PromptCacheBreakpoint;
}

/** A refusal the model gave on an earlier turn, as an assistant content part. */
export interface RefusalContentPart {
  type: 'refusal';
  refusal: string;
}

/** What a user message may hold (OpenAI's `ChatCompletionContentPart`). */
export type ContentPart = TextContentPart | ImageContentPart | FileContentPart | InputAudioContentPart;

/** A call of a function tool: `arguments` is a JSON string. */
export interface FunctionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A call of a custom (free-form input) tool. */
export interface CustomToolCall {
  id: string;
  type: 'custom';
  custom: { name: string; input: string };
}

/** A tool call on an assistant message (OpenAI's `ChatCompletionMessageToolCall`). */
export type ToolCall = FunctionToolCall | CustomToolCall;

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content?: string | (TextContentPart | RefusalContentPart)[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  /** A reference to earlier audio output (OpenAI). */
  audio?: { id: string } | null;
  /** @deprecated OpenAI's predecessor of `tool_calls`. */
  function_call?: { name: string; arguments: string } | null;
  /** The model's reasoning text, when the provider exposes it. */
  reasoning?: string | null;
  /** Opaque provider state (e.g. thinking signatures) to send back on the next turn. */
  provider_data?: JsonObject;
}

export interface ToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

/** @deprecated OpenAI's predecessor of `tool` messages: the result of a `function_call`. */
export interface FunctionMessage {
  role: 'function';
  content: string | null;
  name: string;
}

/** One message of the conversation (OpenAI's `ChatCompletionMessageParam`). */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage;

/** A function the model may call. `parameters` is a JSON Schema object. */
export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: { [key: string]: unknown };
  strict?: boolean | null;
}

export interface FunctionTool {
  type: 'function';
  function: FunctionDefinition;
  /** Caches the prompt up to and including this tool's definition (Anthropic; see `CacheControl`). */
  cache_control?: CacheControl;
}

/** A tool whose input is free text, optionally held to a grammar (OpenAI). */
export interface CustomTool {
  type: 'custom';
  custom: {
    name: string;
    description?: string;
    format?: { type: 'text' } | { type: 'grammar'; grammar: { definition: string; syntax: 'lark' | 'regex' } };
  };
}

/** A tool offered to the model (OpenAI's `ChatCompletionTool`). */
export type Tool = FunctionTool | CustomTool;

/** Limits the model to some of `tools` without changing the list (keeps a cached prompt). */
export interface AllowedToolsChoice {
  type: 'allowed_tools';
  allowed_tools: {
    mode: 'auto' | 'required';
    /** Each one `{ type: 'function', function: { name } }` or `{ type: 'custom', custom: { name } }`. */
    tools: { [key: string]: unknown }[];
  };
}

/** Which tool the model calls (OpenAI's `ChatCompletionToolChoiceOption`). */
export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } }
  | { type: 'custom'; custom: { name: string } }
  | AllowedToolsChoice;

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: { [key: string]: unknown }; strict?: boolean | null };
    };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/** Parameters of a chat completion, in OpenAI's shape. */
export interface CompletionParams {
  model: string;
  messages: ChatMessage[];
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  response_format?: ResponseFormat;
  reasoning_effort?: ReasoningEffort | null;
  user?: string;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean } | null;
  /** OpenAI: groups requests that share a prompt prefix, for better cache hits. Sent as it is. */
  prompt_cache_key?: string | null;
  /** OpenAI: how long a cached prefix is kept. Sent as it is. */
  prompt_cache_retention?: 'in_memory' | '24h' | null;
  /** Anthropic: cache the whole prompt, the mark moving to the last block as the conversation grows. */
  cache_control?: CacheControl;
  /**
   * Gemini: the name of a context cache made with Gemini's caches API (`cachedContents/…`), whose
   * content prefixes this request (Gemini's `cachedContent`). Other providers refuse it.
   */
  cached_content?: string;
  /**
   * Any other field goes to the provider unchanged; a provider that cannot honour it must say so.
   * `any`, not `unknown`: only a string index signature of type `any` lets TypeScript accept an
   * interface without one, such as openai-node's `ChatCompletionCreateParamsNonStreaming`.
   */
  [extra: string]: any;
}

/**
 * Token counts. Detail objects are left out rather than `null` (openai-node's `CompletionUsage`
 * has no `null` there).
 */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_write_tokens?: number;
    audio_tokens?: number;
    image_tokens?: number;
    text_tokens?: number;
  };
  completion_tokens_details?: {
    reasoning_tokens?: number;
    audio_tokens?: number;
    text_tokens?: number;
    accepted_prediction_tokens?: number;
    rejected_prediction_tokens?: number;
  };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** OpenAI's processing tiers; a provider's other tier names are left out of results. */
export type ServiceTier = 'auto' | 'default' | 'flex' | 'scale' | 'priority' | 'fast';

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: TokenLogprob[] | null;
}

/** A URL the model cited (OpenAI web search). */
export interface UrlCitationAnnotation {
  type: 'url_citation';
  url_citation: { start_index: number; end_index: number; title: string; url: string };
}

/**
 * The model's reply. `refusal` is always there (`null` when the model did not refuse), as in
 * openai-node, so the message can be pushed back into `messages` for the next turn.
 */
export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: ToolCall[];
  annotations?: UrlCitationAnnotation[];
  audio?: { id: string; data: string; expires_at: number; transcript: string } | null;
  /** @deprecated OpenAI's predecessor of `tool_calls`. */
  function_call?: { name: string; arguments: string } | null;
  reasoning?: string | null;
  provider_data?: JsonObject;
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason;
  logprobs: ChoiceLogprobs | null;
}

/** A non-streaming chat completion, in OpenAI's shape. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function' | 'custom';
  function?: { name?: string; arguments?: string };
  custom?: { name?: string; input?: string };
}

export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ToolCallDelta[];
  reasoning?: string | null;
  /**
   * Provider state to send back next turn. Each one a stream carries holds everything so far, so
   * the last one is the assistant message's `provider_data`; nothing needs merging.
   */
  provider_data?: JsonObject;
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: FinishReason | null;
  logprobs?: ChoiceLogprobs | null;
}

/** One streamed chunk, in OpenAI's shape. The last one may carry only `usage`. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: CompletionUsage | null;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
  obfuscation?: string;
}

/*
 * openai-node's names for the same types, so code written against `openai` compiles with its
 * type imports pointed at `anyllm`.
 */
export type ChatCompletionMessageParam = ChatMessage;
export type ChatCompletionContentPart = ContentPart;
export type ChatCompletionTool = Tool;
export type ChatCompletionToolChoiceOption = ToolChoice;
export type ChatCompletionMessageToolCall = ToolCall;
export type ChatCompletionTokenLogprob = TokenLogprob;
export type ChatCompletionCreateParams = CompletionParams;
export type ChatCompletionCreateParamsNonStreaming = CompletionParams;
export type ChatCompletionCreateParamsStreaming = CompletionParams;

/** One model, in OpenAI's model-list shape. */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * What to embed: one text, several texts, or token ids (one array of ids, or one per input),
 * as OpenAI's `input`. Token ids are sent only to providers that take them.
 */
export type EmbeddingInput = string | string[] | number[] | number[][];

/** The params of `llm.embedding()`, as OpenAI's `EmbeddingCreateParams`. */
export interface EmbeddingParams {
  model: string;
  input: EmbeddingInput;
  /** The length of each vector, for models that can shorten theirs (a positive integer). */
  dimensions?: number;
  /**
   * `'float'` (default): each `embedding` is a `number[]`. `'base64'`: each is the base64 text of
   * the vector as little-endian float32s, OpenAI's own encoding, whatever the provider sends.
   */
  encoding_format?: 'float' | 'base64';
  /** An end-user id, for providers that take one. */
  user?: string;
}

/** One vector, at the position of its input (`index`). */
export interface Embedding {
  object: 'embedding';
  embedding: number[];
  index: number;
}

/** Tokens an embedding call used: there is no completion, so `total_tokens` is `prompt_tokens`. */
export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

/** The result of `llm.embedding()`, as OpenAI's `CreateEmbeddingResponse`: one vector per input, in input order. */
export interface CreateEmbeddingResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: EmbeddingUsage;
}

/** The result for `encoding_format: 'base64'`: each `embedding` is base64 of little-endian float32s. */
export type Base64EmbeddingResponse = Omit<CreateEmbeddingResponse, 'data'> & {
  data: (Omit<Embedding, 'embedding'> & { embedding: string })[];
};

/** Per-call options. */
export interface CallOptions {
  /** Aborting rejects the call with an `AbortError` and closes the upstream request. */
  signal?: AbortSignal;
  /**
   * Rejects with `TimeoutError` when the call has not finished in this many milliseconds: the
   * overall cap, for streams too (a stream that is still producing is cut at this point).
   */
  timeoutMs?: number;
  /**
   * Rejects with `TimeoutError` (`code: 'idle_timeout'`) when no data has come from the provider
   * for this many milliseconds, counted from when the request reaches the plugin (a cold start does
   * not count). Every stream chunk resets it, so a long stream that keeps producing
   * runs on; time the consumer holds the stream paused does not count. For a non-streaming call
   * the whole response is the first data, so it acts as a timeout.
   */
  idleTimeoutMs?: number;
  /** This call's retries, field by field over the client's `retry` option; `false`: none. */
  retry?: RetryOptions | false;
  /**
   * Where to go when the call still fails with a retryable error after its retries: each
   * `'provider:model'` is tried in turn with the same params. The result's `model` and the
   * `call:fallback` event say which one served.
   */
  fallbacks?: readonly string[];
}

/** The `retry` option, on `AnyLLM.create` and per call. Every field is optional. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3; 1 = no retries. */
  maxAttempts?: number;
  /** The wait before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** The longest wait; a provider's `retry-after` beyond it is not waited for (the call fails, or falls back). Default 30 000 ms. */
  maxDelayMs?: number;
  /** Each wait is the previous one times this. Default 2. */
  factor?: number;
  /** The share of each backoff wait taken at random (0 = exact, 1 = anywhere from 0 to the wait). Default 0.2. */
  jitter?: number;
}

/** What a provider plugin declares it can do. */
export interface Capabilities {
  completion?: boolean;
  streaming?: boolean;
  tools?: boolean;
  reasoning?: boolean;
  images?: boolean;
  pdf?: boolean;
  listModels?: boolean;
  responseFormat?: boolean;
  /** An embeddings endpoint (`llm.embedding()`). */
  embedding?: boolean;
}

/** Where a plugin runs. */
export type Isolation = 'worker' | 'process' | 'sandbox';

/*
 * Structured output. anyllm depends on no schema library: these are the parts of Standard Schema
 * (validation) and Standard JSON Schema (conversion) it calls, from standardschema.dev, written out
 * so that zod 4.2+, arktype and valibot (through `@valibot/to-json-schema`) fit them structurally.
 */

/** One problem a Standard Schema found (its `message`, and where: `path`). */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a Standard Schema's `validate` returns: the (possibly transformed) value, or the issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/**
 * A schema that validates (Standard Schema's `~standard.validate`) and converts itself to JSON
 * Schema (Standard JSON Schema's `~standard.jsonSchema`): a zod 4.2+ or arktype schema as it is,
 * a valibot schema wrapped in `toStandardJsonSchema()` from `@valibot/to-json-schema`.
 */
export interface StructuredOutputSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly jsonSchema: { readonly input: (options: { readonly target: string }) => Record<string, unknown> };
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** The type a schema's `validate` produces (what `message.parsed` holds). */
export type SchemaOutput<S extends StructuredOutputSchema> = NonNullable<S['~standard']['types']>['output'];

/**
 * A schema as `response_format`: the schema itself (named `response`, strict), or OpenAI's
 * `json_schema` format with the schema in place of the JSON Schema, to choose the name and `strict`.
 */
export type SchemaResponseFormat<S extends StructuredOutputSchema = StructuredOutputSchema> =
  | S
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema: S; strict?: boolean | null };
    };

/** `CompletionParams` without its index signature: the named fields only. */
type NamedFields<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** Parameters of a chat completion whose `response_format` is a schema: the reply comes back parsed. */
export type StructuredCompletionParams<S extends StructuredOutputSchema> = Omit<NamedFields<CompletionParams>, 'response_format'> & {
  response_format: SchemaResponseFormat<S>;
  [extra: string]: any;
};

/** The reply, with `parsed`: the validated value, or `null` when the model called tools instead. */
export interface ParsedChatCompletionMessage<T> extends ChatCompletionMessage {
  parsed: T | null;
}

export interface ParsedChatCompletionChoice<T> extends ChatCompletionChoice {
  message: ParsedChatCompletionMessage<T>;
}

/** A chat completion whose `response_format` was a schema (openai-node's name). */
export interface ParsedChatCompletion<T> extends ChatCompletion {
  choices: ParsedChatCompletionChoice<T>[];
}
