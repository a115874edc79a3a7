/**
 * The contract between the conformance suite and each wire format. A dialect makes a LocalServer
 * answer like one provider's real API for a scripted scenario, and reads back what the provider's
 * SDK sent, in a normalised form, so one test body runs against every provider.
 */
import type { LocalServer } from '../support/local-server.js';

/** Token counts a scenario reports; dialects put them where their wire format carries them. */
export interface ScenarioUsage {
  input: number;
  output: number;
  /** Prompt tokens served from cache (where the wire format has the field). */
  cached?: number;
  /** Output tokens spent on reasoning (where the wire format has the field). */
  reasoning?: number;
}

export interface ScenarioToolCall {
  /** The provider's call id; dialects whose wire has no ids (Gemini) may ignore it. */
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** What the fake upstream answers with. Streaming and non-streaming requests get the same content. */
export type Scenario =
  | { kind: 'text'; text: string; usage: ScenarioUsage; finish?: 'stop' | 'length' | 'content_filter' }
  | { kind: 'tool_calls'; text?: string; calls: ScenarioToolCall[]; usage: ScenarioUsage }
  | { kind: 'reasoning'; reasoning: string; signature: string; text: string; usage: ScenarioUsage }
  | { kind: 'error'; status: number; message: string; retryAfterSeconds?: number }
  /** Streams `text` slowly (one piece every `delayMs`) and may never end: for aborts and timeouts. */
  | { kind: 'slow'; pieces: string[]; delayMs: number; hang?: boolean };

/** One message of the conversation the upstream received, normalised across wire formats. */
export interface ReceivedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** All text parts joined. */
  text?: string;
  toolCalls?: { id?: string; name: string; args: Record<string, unknown> }[];
  /** For tool results: the call id (or the function name where the wire has no ids) and the result text. */
  toolResult?: { id?: string; name?: string; content: string };
  /** Reasoning sent back in an assistant turn (Anthropic thinking blocks, Gemini thought parts). */
  reasoning?: string;
  /** The signature sent back with it (Anthropic `signature`, Gemini `thoughtSignature`). */
  signature?: string;
  /** How many image parts the message carried. */
  images?: number;
}

/** The last request the upstream received, normalised. */
export interface ReceivedRequest {
  model: string;
  stream: boolean;
  messages: ReceivedMessage[];
  /** Names of the tools offered. */
  tools: string[];
  /** The wire's own body, for dialect-specific assertions. */
  raw: unknown;
}

export interface Dialect {
  /** The AnyLLM provider name this dialect serves (e.g. 'anthropic'). */
  provider: string;
  /** A model id to call. */
  model: string;
  /** Installs routes on `server` that answer every request with `scenario`, streamed or not as asked. */
  serve(server: LocalServer, scenario: Scenario): void;
  /** The `apiBase` to give `AnyLLM.create` so the provider's SDK talks to `server`. */
  apiBase(server: LocalServer): string;
  /** The newest request the server received, normalised. */
  lastRequest(server: LocalServer): ReceivedRequest;
  /**
   * Optional. Whether answers carry reasoning text; `false` where the API only counts reasoning
   * tokens (OpenAI, Azure). Default `true`.
   */
  reasoningVisible?: boolean;
  /**
   * Optional. What the wire carries back to the provider in a later turn: the reasoning text and its
   * signature. Default: both (Anthropic thinking blocks, Gemini thought signatures).
   */
  echoes?: { reasoning: boolean; signature: boolean };
  /** Serves the provider's models endpoint listing `ids`. */
  serveModels(server: LocalServer, ids: string[]): void;
  /**
   * Serves the provider's embeddings endpoint for `model`, answering input text `i` with
   * `vectorFor(text, i)`; returns the input tokens the answer reports (0 where the wire has no
   * count). Required of every dialect whose provider's manifest claims `embedding`.
   */
  serveEmbeddings?(server: LocalServer, model: string, vectorFor: (text: string, i: number) => number[]): number;
  /**
   * Serves the embeddings endpoint answering every request with the error `scenario`. Required of
   * every dialect whose provider has no chat (`noChat` in expectations.ts): its errors are checked there.
   */
  serveEmbeddingsError?(server: LocalServer, scenario: Extract<Scenario, { kind: 'error' }>): void;
  /** Optional. The model the embedding scenario asks for, where the wire depends on it (Bedrock's families). Default `'conformance-embed'`. */
  embeddingModel?: string;
  /** Optional. Extra `AnyLLM.create` options (default `{ retry: false }`, so error tests do not wait on retries). */
  clientOptions?: Record<string, unknown>;
}
