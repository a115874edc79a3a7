/**
 * Cohere's v2 Chat API on the wire (https://docs.cohere.com/reference/chat and
 * https://docs.cohere.com/reference/chat-stream), as far as this plugin reads and writes it.
 *
 * @module
 */

export interface CohereTextItem {
  type: 'text';
  text: string;
}
export interface CohereImageItem {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}
export interface CohereThinkingItem {
  type: 'thinking';
  thinking: string;
}

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | (CohereTextItem | CohereImageItem)[] }
  | { role: 'assistant'; content?: (CohereTextItem | CohereThinkingItem)[]; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The body of `POST /v2/chat`. Fields the caller passes beyond OpenAI's go through as they are. */
export interface CohereRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  strict_tools?: boolean;
  tool_choice?: 'REQUIRED' | 'NONE';
  response_format?: { type: 'text' } | { type: 'json_object'; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  p?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  thinking?: { type: 'enabled'; token_budget?: number } | { type: 'disabled' };
  [extra: string]: unknown;
}

export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
}

/** The answer of `POST /v2/chat` without streaming. */
export interface CohereResponse {
  id: string;
  finish_reason: CohereFinishReason;
  message: {
    role: 'assistant';
    content?: (CohereTextItem | CohereThinkingItem | { type: string })[];
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
    citations?: unknown[];
  };
  usage?: CohereUsage;
}

/** One event of the `stream: true` answer (SSE `data:`; its `type` repeats the `event:` name). */
export type CohereStreamEvent =
  | { type: 'message-start'; id?: string }
  | { type: 'content-start'; index: number; delta?: { message?: { content?: { type?: string; text?: string; thinking?: string } } } }
  | { type: 'content-delta'; index: number; delta?: { message?: { content?: { text?: string; thinking?: string } } } }
  | { type: 'content-end'; index: number }
  | { type: 'tool-plan-delta'; delta?: { message?: { tool_plan?: string } } }
  | {
      type: 'tool-call-start';
      index: number;
      delta?: { message?: { tool_calls?: { id?: string; type?: 'function'; function?: { name?: string; arguments?: string } } } };
    }
  | { type: 'tool-call-delta'; index: number; delta?: { message?: { tool_calls?: { function?: { arguments?: string } } } } }
  | { type: 'tool-call-end'; index: number }
  | { type: 'citation-start' | 'citation-end' | 'debug'; [field: string]: unknown }
  | { type: 'message-end'; id?: string; delta?: { finish_reason?: CohereFinishReason; error?: string; usage?: CohereUsage } };

/** `GET /v1/models`: one page. */
export interface CohereModelList {
  models: { name: string; endpoints?: string[] }[];
  next_page_token?: string | null;
}
