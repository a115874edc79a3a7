/**
 * The Bedrock Converse API's JSON shapes (what `Converse` and `ConverseStream` send and return),
 * as far as the conversions read or write them.
 *
 * @module
 */

export interface BedrockImageBlock {
  image: { format: 'png' | 'jpeg' | 'gif' | 'webp'; source: { bytes: string } };
}
export interface BedrockDocumentBlock {
  document: { format: 'pdf'; name: string; source: { bytes: string } };
}
export interface BedrockToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}
export interface BedrockToolResultBlock {
  toolResult: { toolUseId: string; content: ({ text: string } | { json: unknown })[]; status?: 'success' | 'error' };
}
export interface BedrockReasoningBlock {
  reasoningContent: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
}
export type BedrockContentBlock =
  | { text: string }
  | BedrockImageBlock
  | BedrockDocumentBlock
  | BedrockToolUseBlock
  | BedrockToolResultBlock
  | BedrockReasoningBlock
  | { cachePoint: { type: 'default' } };

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolConfig {
  tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[];
  toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
}

/** The body of `POST /model/{modelId}/converse` (the model id is in the path). */
export interface ConverseRequest {
  messages: BedrockMessage[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: BedrockToolConfig;
  additionalModelRequestFields?: Record<string, unknown>;
}

export interface BedrockUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export type BedrockStopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened' | 'content_filtered';

export interface ConverseResponse {
  output: { message?: BedrockMessage };
  stopReason: BedrockStopReason | string;
  usage?: BedrockUsage;
  metrics?: { latencyMs: number };
}

/** One ConverseStream event, keyed by its `:event-type` header. */
export type ConverseStreamEvent =
  | { messageStart: { role: 'assistant' } }
  | { contentBlockStart: { contentBlockIndex: number; start: { toolUse?: { toolUseId: string; name: string } } } }
  | {
      contentBlockDelta: {
        contentBlockIndex: number;
        delta: { text?: string; toolUse?: { input: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
      };
    }
  | { contentBlockStop: { contentBlockIndex: number } }
  | { messageStop: { stopReason: string } }
  | { metadata: { usage?: BedrockUsage; metrics?: { latencyMs: number } } };
