/**
 * The parts of Gemini's `generateContent` response the conversions read. The SDK hands these over
 * as parsed from the wire (camelCase JSON), so they are typed here rather than imported: the
 * conversions stay pure and need no SDK at run time.
 *
 * @module
 */

/** One streamed piece of a function call's arguments (Vertex `streamFunctionCallArguments`). */
export interface GeminiPartialArg {
  jsonPath?: string;
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  nullValue?: string;
  willContinue?: boolean;
}

export interface GeminiFunctionCall {
  id?: string;
  name?: string;
  args?: Record<string, unknown>;
  partialArgs?: GeminiPartialArg[];
  willContinue?: boolean;
}

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: GeminiFunctionCall;
  inlineData?: { mimeType?: string; data?: string };
  fileData?: { mimeType?: string; fileUri?: string };
}

export interface GeminiContent {
  role?: string;
  parts?: GeminiPart[];
}

export interface GeminiLogprobCandidate {
  token?: string;
  logProbability?: number;
}

export interface GeminiLogprobsResult {
  chosenCandidates?: GeminiLogprobCandidate[];
  topCandidates?: { candidates?: GeminiLogprobCandidate[] }[];
}

export interface GeminiCandidate {
  index?: number;
  content?: GeminiContent;
  finishReason?: string;
  finishMessage?: string;
  logprobsResult?: GeminiLogprobsResult;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/** A `generateContent` response, or one event of `streamGenerateContent`. */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  createTime?: string;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
}

/** One model of `GET /v1beta/models`. */
export interface GeminiModel {
  name?: string;
  displayName?: string;
}
