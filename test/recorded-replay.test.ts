// Every recorded provider response in test/fixtures/recorded/ (SOURCES.md there), replayed byte for
// byte through the real provider plugin and its real SDK, and the OpenAI-shaped result asserted:
// content, reasoning, tool calls, finish reason, provider_data, and usage as the fixture reports
// it, made to add up (protocol/usage.ts). Usage literals are the fixture's numbers; where the
// normalised numbers differ from the wire, the comment says why.
import { readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyLLM,
  InvalidRequestError,
  ModelNotFoundError,
  ProviderError,
  RateLimitError,
  type ChatCompletionChunk,
  type CompletionUsage,
} from 'anyllm';
import { accumulate } from './support/accumulate.js';
import { ReplayServer } from './support/replay.js';
import { CASES, type ReplayCase } from './support/recorded-cases.js';

/** What a content or reasoning text must start with (long recorded texts). */
interface Prefix {
  starts: string;
}
const starts = (text: string): Prefix => ({ starts: text });

interface Expected {
  content?: string | null | Prefix;
  reasoning?: Prefix | string;
  /** [name, arguments] of each tool call, in order. */
  tools?: [string, string][];
  finish?: string;
  usage?: CompletionUsage | null;
  /** The keys of the message's provider_data. */
  providerData?: string[];
  error?: new (...args: never[]) => Error;
  status?: number;
}

/** A usage literal: the totals, then the detail counts the fixture reports. */
function u(prompt: number, completion: number, total: number, details: { cached?: number; written?: number; reasoning?: number } = {}): CompletionUsage {
  const usage: CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
  if (details.cached !== undefined || details.written !== undefined) {
    usage.prompt_tokens_details = {};
    if (details.cached !== undefined) usage.prompt_tokens_details.cached_tokens = details.cached;
    if (details.written !== undefined) usage.prompt_tokens_details.cache_write_tokens = details.written;
  }
  if (details.reasoning !== undefined) usage.completion_tokens_details = { reasoning_tokens: details.reasoning };
  return usage;
}

/** Per fixture, what each recorded response must come back as. */
const EXPECTED: Record<string, Expected[]> = {
  'vercel-ai/openai-text.chunks.txt': [
    { content: starts("**Holiday Name:** Harmony Day\n\n**Date:**"), finish: 'stop', usage: u(16, 300, 316, { cached: 0, reasoning: 0 }) },
  ],
  'vercel-ai/openai-text.json': [
    { content: starts("**Holiday Name:** Galaxy Day  \n\n**Date:*"), finish: 'stop', usage: u(16, 363, 379, { cached: 0, reasoning: 0 }) },
  ],
  'vercel-ai/reasoning-model-legacy-parameter-error.json': [
    { error: InvalidRequestError, status: 400 },
  ],
  'vercel-ai/azure-model-router.1.chunks.txt': [
    { content: "Capital of Denmark.", finish: 'stop', usage: u(15, 78, 93, { cached: 0, reasoning: 64 }) },
  ],
  // DeepSeek, Groq and Mistral put usage on the finish chunk; it comes on a final empty-choices chunk.
  'vercel-ai/deepseek-tool-call.chunks.txt': [
    { content: null, reasoning: starts("The user is asking for the wea"), tools: [["weather", "{\"location\": \"San Francisco\"}"]], finish: 'tool_calls', usage: u(339, 83, 422, { cached: 320, reasoning: 39 }) },
  ],
  'vercel-ai/deepseek-tool-call.json': [
    { content: "", reasoning: starts("The user is asking for the wea"), tools: [["weather", "{\"location\": \"San Francisco\"}"]], finish: 'tool_calls', usage: u(339, 92, 431, { cached: 320, reasoning: 48 }) },
  ],
  'vercel-ai/deepseek-reasoning.chunks.txt': [
    { content: "The word \"strawberry\" contains three \"r\"s.", reasoning: starts("We need to count the number of"), finish: 'stop', usage: u(18, 219, 237, { cached: 0, reasoning: 205 }) },
  ],
  'vercel-ai/deepseek-reasoning.json': [
    { content: starts("The word \"strawberry\" contains three ins"), reasoning: starts("We are asked: \"How many 'r's a"), finish: 'stop', usage: u(18, 345, 363, { cached: 0, reasoning: 315 }) },
  ],
  // Wire: 307 + 26 (+ 227 reasoning) = 560, on a usage-only chunk.
  'vercel-ai/xai-tool-call.chunks.txt': [
    { content: null, reasoning: starts("First, the user is asking abou"), tools: [["weather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(307, 253, 560, { cached: 306, reasoning: 227 }) },
  ],
  // xAI counts reasoning beside completion_tokens: the wire says 291 + 26 (+ 189 reasoning) = 506.
  'vercel-ai/xai-tool-call.json': [
    { content: "", reasoning: starts("First, the user is asking abou"), tools: [["weather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(291, 215, 506, { cached: 244, reasoning: 189 }) },
  ],
  'vercel-ai/groq-tool-call.chunks.txt': [
    { content: null, tools: [["weather", "{}"]], finish: 'tool_calls', usage: u(210, 15, 225) },
  ],
  'vercel-ai/groq-tool-call.json': [
    { content: null, tools: [["weather", "{}"]], finish: 'tool_calls', usage: u(218, 15, 233) },
  ],
  'vercel-ai/mistral-tool-call.chunks.txt': [
    { content: null, tools: [["weather", "{\"location\": \"San Francisco\"}"]], finish: 'tool_calls', usage: u(124, 22, 146) },
  ],
  'vercel-ai/mistral-tool-call.json': [
    { content: null, tools: [["weather", "{\"location\": \"San Francisco\"}"]], finish: 'tool_calls', usage: u(124, 22, 146) },
  ],
  'vercel-ai/mistral-reasoning.chunks.txt': [
    { content: "2 + 2 = 4", reasoning: starts("The user is asking for 2+2. Th"), finish: 'stop', usage: u(10, 46, 56) },
  ],
  'vercel-ai/mistral-reasoning.json': [
    { content: "2 + 2 = 4", reasoning: starts("The user is asking for 2+2. Th"), finish: 'stop', usage: u(10, 46, 56) },
  ],
  // Later fragments restate type and an empty name; they are dropped, so the call accumulates once.
  'vercel-ai/mistral-incremental-tool-call.chunks.txt': [
    { content: null, tools: [["webSearchTool", "{\"query\": \"current Berlin weather\"}"]], finish: 'tool_calls', usage: u(171, 14, 185, { cached: 128 }) },
  ],
  // A running usage on each of 8 chunks (11 prompt tokens each time); only the last, once.
  'vercel-ai/perplexity-text.chunks.txt': [
    { content: "**EcoVista Day**[1][5]", finish: 'stop', usage: u(11, 434, 445) },
  ],
  'vercel-ai/anthropic-text.chunks.txt': [
    { content: starts("Hello! I'm doing well, thank you for ask"), finish: 'stop', usage: u(12, 30, 42, { cached: 0, written: 0 }) },
  ],
  'vercel-ai/anthropic-text.json': [
    { content: starts("Hello! I'm doing well, thanks for asking"), finish: 'stop', usage: u(12, 29, 41, { cached: 0, written: 0 }) },
  ],
  'vercel-ai/anthropic-clear-thinking.1.chunks.txt': [
    { content: "925 ÷ 5 = 185", reasoning: starts("The previous result was 925. N"), finish: 'stop', usage: u(69, 53, 122, { cached: 0, written: 0 }), providerData: ["anthropic"] },
  ],
  'vercel-ai/anthropic-json-tool.2.chunks.txt': [
    { content: starts("{\"elements\": [{\"location\": \"San Francisc"), finish: 'stop', usage: u(849, 47, 896, { cached: 0, written: 0 }) },
  ],
  'vercel-ai/anthropic-message-delta-input-tokens.chunks.txt': [
    { content: "pong", finish: 'stop', usage: u(61, 2, 63, { cached: 0 }) },
  ],
  'vercel-ai/anthropic-tool-no-args.chunks.txt': [
    { content: "I'll update the issue list for you.", tools: [["updateIssueList", "{}"]], finish: 'tool_calls', usage: u(565, 48, 613, { cached: 0, written: 0 }) },
  ],
  'vercel-ai/anthropic-tool-no-args.json': [
    { content: starts("<thinking>\nThe updateIssueList tool was "), tools: [["updateIssueList", "{}"]], finish: 'tool_calls', usage: u(602, 93, 695, { cached: 0, written: 0 }) },
  ],
  'vercel-ai/anthropic-claude-opus-5-reasoning-high.1.json': [
    { content: starts("## Step 1: Set up the problem\n\nWe want a"), reasoning: starts("I need to find all roots of th"), finish: 'stop', usage: u(51, 1699, 1750, { cached: 0, written: 0, reasoning: 139 }), providerData: ["anthropic"] },
  ],
  'vercel-ai/google-text.chunks.txt': [
    { content: "There are **3** \"r\"s in strawberry.\n\nst**r**awbe**rr**y", finish: 'stop', usage: u(9, 208, 217, { cached: 0, reasoning: 185 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-text.json': [
    { content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.", finish: 'stop', usage: u(9, 272, 281, { cached: 0, reasoning: 244 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-reasoning.chunks.txt': [
    { content: "There are **3** \"r\"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.", finish: 'stop', usage: u(9, 285, 294, { cached: 0, reasoning: 256 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-reasoning-gemini3.chunks.txt': [
    { content: "There are **3** \"r\"s in strawberry.\n\nSt**r**awbe**rr**y", finish: 'stop', usage: u(9, 325, 334, { cached: 0, reasoning: 302 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-reasoning-gemini3.json': [
    { content: "There are **3** \"r\"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.", finish: 'stop', usage: u(9, 287, 296, { cached: 0, reasoning: 258 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-tool-call.chunks.txt': [
    { content: null, tools: [["weather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(29, 60, 89, { cached: 0, reasoning: 45 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-tool-call.json': [
    { content: null, tools: [["weather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(29, 908, 937, { cached: 0, reasoning: 893 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-tool-call-gemini3.chunks.txt': [
    { content: null, tools: [["weather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(29, 819, 848, { cached: 0, reasoning: 804 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-stream-no-args-tool-call.chunks.txt': [
    { content: null, reasoning: starts("**Processing User Requests**\n\n"), tools: [["read_theme", "{}"], ["read_screen", "{\"id\":\"A\"}"], ["read_screen", "{\"id\":\"B\"}"], ["read_screen", "{\"id\":\"C\"}"]], finish: 'tool_calls', usage: u(249, 241, 490, { cached: 0, reasoning: 183 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-stream-tool-call-arguments.chunks.txt': [
    { content: null, tools: [["getWeather", "{\"location\":\"Boston\"}"], ["getWeather", "{\"location\":\"San Francisco\"}"]], finish: 'tool_calls', usage: u(26, 155, 181, { cached: 0, reasoning: 132 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt': [
    { content: null, tools: [["writeItems", "{\"operations\":[{\"action\":\"add\",\"description\":\"Fresh red apple\",\"itemid\":\"apple_001\",\"price\":0.5},{\"action\":\"add\",\"description\":\"Ripe yellow banana\",\"itemid\":\"banana_001\",\"price\":0.3}]}"]], finish: 'tool_calls', usage: u(54, 195, 249, { cached: 0, reasoning: 121 }), providerData: ["gemini"] },
  ],
  'vercel-ai/google-429-retry-info.json': [
    { error: RateLimitError, status: 429 },
  ],
  'openai-python/c6aa7e397b71.sse.txt': [
    { content: null, tools: [["GetWeatherArgs", "{\"city\":\"Edinburgh\",\"country\":\"UK\",\"units\":\"c\"}"]], finish: 'tool_calls', usage: u(76, 24, 100, { reasoning: 0 }) },
  ],
  'openai-python/f82268f2fefd.sse.txt': [
    { content: null, tools: [["GetWeatherArgs", "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"], ["get_stock_price", "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}"]], finish: 'tool_calls', usage: u(149, 60, 209, { reasoning: 0 }) },
  ],
  'openai-python/e2aad469b71d.sse.txt': [
    { content: starts("I'm unable to provide real-time weather "), finish: 'stop', usage: u(14, 30, 44, { reasoning: 0 }) },
  ],
  'openai-python/4cc50a6135d2.sse.txt': [
    { content: "{\"", finish: 'length', usage: u(79, 1, 80, { reasoning: 0 }) },
  ],
  'openai-python/173417d55340.sse.txt': [
    { content: null, finish: 'stop', usage: u(79, 11, 90, { reasoning: 0 }) },
  ],
  'openai-python/a491adda08c3.sse.txt': [
    { content: "{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}", finish: 'stop', usage: u(79, 42, 121, { reasoning: 0 }) },
  ],
  'openai-python/83b060bae42e.sse.txt': [
    { content: "Foo!", finish: 'stop', usage: u(9, 2, 11, { reasoning: 0 }) },
  ],
  'anthropic-sdk-python/basic_response.txt': [
    { content: "Hello there!", finish: 'stop', usage: u(11, 6, 17, { cached: 0 }) },
  ],
  'anthropic-sdk-python/tool_use_response.txt': [
    { content: "I'll check the current weather in Paris for you.", tools: [["get_weather", "{\"location\": \"Paris\"}"]], finish: 'tool_calls', usage: u(377, 65, 442, { cached: 0, written: 0 }) },
  ],
  'anthropic-sdk-python/incomplete_partial_json_response.txt': [
    { content: starts("I'll create a comprehensive tax guide fo"), tools: [["make_file", "{\"filename\": \"taxes.txt\", \"lines_of_text\": [\n\"# COMPREHENSIVE TAX GUIDE FOR INDIVIDUALS WITH MULTIPLE W-2s\",\n\"\",\n\"## INTRODUCTION\",\n\"\",\n\"Filing taxes"]], finish: 'length', usage: u(450, 124, 574, { cached: 0, written: 0 }) },
  ],
  'js-genai/Chats_Tests_chats_function_calling_Google_AI_with_function_calling_stream.json': [
    { content: null, tools: [["customDivide", "{\"denominator\":2,\"numerator\":100}"]], finish: 'tool_calls', usage: u(21, 6, 27, { cached: 0, reasoning: 0 }) },
    { content: null, tools: [["customDivide", "{\"denominator\":2,\"numerator\":50}"]], finish: 'tool_calls', usage: u(38, 6, 44, { cached: 0, reasoning: 0 }) },
  ],
  'js-genai/Chats_Tests_sendMessage_Google_AI_with_text_stream.json': [
    { content: starts("The sky is blue due to a phenomenon call"), finish: 'stop', usage: u(6, 377, 383, { cached: 0, reasoning: 0 }) },
  ],
  'js-genai/Chats_Tests_sendMessage_Send_message_stream_with_error.json': [
    { error: ModelNotFoundError, status: 404 },
  ],
  'js-genai/Client_Tests_generateContentStream_partial_function_calling_Vertex_AI_should_stream_generate_content_enabled_streamFunctionCallArguments.json': [
    { content: null, tools: [["getCurrentWeather", "{\"country\":\"USA\",\"location\":\"NewYorkCity\",\"purpose\":\"to know what to wear today\",\"unit\":\"C\"}"]], finish: 'tool_calls', usage: u(36, 126, 162, { cached: 0, reasoning: 93 }), providerData: ["gemini"] },
  ],
  'js-genai/Client_Tests_generateContent_ML_Dev_should_generate_content_with_given_valid_json_schema_in_responseJsonSchema.json': [
    { content: starts("{\"simpleString\":\"Hello\",\"stringDatatime\""), finish: 'stop', usage: u(5, 508, 513, { cached: 0, reasoning: 331 }) },
  ],
  'js-genai/Client_Tests_test_thinking_generate_content_should_return_thought_field.json': [
    { content: null, reasoning: starts("**Breaking Down the Sum of Nat"), finish: 'length', usage: u(17, 19, 36, { cached: 0, reasoning: 19 }) },
  ],
  // Anthropic: input 3 + cache read 1111 (+ cache write 418 on the second call) = prompt_tokens.
  'pydantic-ai/test_anthropic/test_anthropic_cache_real_api.yaml': [
    { content: starts("# What is Python?\n\nPython is a high-leve"), finish: 'stop', usage: u(1114, 406, 1520, { cached: 1111, written: 0 }) },
    { content: starts("Python is a beginner-friendly, versatile"), finish: 'stop', usage: u(1532, 33, 1565, { cached: 1111, written: 418 }) },
  ],
  'pydantic-ai/test_anthropic/test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml': [
    { error: InvalidRequestError, status: 400 },
  ],
  'pydantic-ai/test_anthropic/test_anthropic_model_thinking_part_redacted_stream.yaml': [
    { content: starts("I notice that you've sent what appears t"), finish: 'stop', usage: u(92, 189, 281, { cached: 0, written: 0 }), providerData: ["anthropic"] },
  ],
  'pydantic-ai/test_anthropic/test_multiple_parallel_tool_calls.yaml': [
    { content: starts("I'll help you find out who is the younge"), tools: [["retrieve_entity_info", "{\"name\":\"Alice\"}"], ["retrieve_entity_info", "{\"name\":\"Bob\"}"], ["retrieve_entity_info", "{\"name\":\"Charlie\"}"], ["retrieve_entity_info", "{\"name\":\"Daisy\"}"]], finish: 'tool_calls', usage: u(423, 202, 625, { cached: 0, written: 0 }) },
    { content: starts("Based on the retrieved information, we c"), finish: 'stop', usage: u(771, 77, 848, { cached: 0, written: 0 }) },
  ],
  'pydantic-ai/test_azure/test_azure_provider_call.yaml': [
    { content: "The capital of France is **Paris**.", finish: 'stop', usage: u(14, 9, 23, { cached: 0, reasoning: 0 }) },
  ],
  'pydantic-ai/test_cerebras/test_cerebras_zai_reasoning_replayed_as_think_tags.yaml': [
    { content: "25 * 4 = 100.", reasoning: starts("The user wants me to solve the"), finish: 'stop', usage: u(17, 415, 432, { cached: 0, reasoning: 406 }) },
    { content: "100 / 2 = 50.", reasoning: starts("1.  **Identify the Core Task:*"), finish: 'stop', usage: u(35, 106, 141, { cached: 0, reasoning: 97 }) },
  ],
  'pydantic-ai/test_crusoe/test_crusoe_tool_calling.yaml': [
    { content: null, reasoning: starts("The user wants to know the wea"), tools: [["get_weather", "{\"city\": \"Paris\"}"]], finish: 'tool_calls', usage: u(167, 37, 204, { cached: 0, reasoning: 25 }) },
    { content: starts("The weather in Paris is currently **sunn"), reasoning: starts("The weather in Paris is sunny "), finish: 'stop', usage: u(214, 54, 268, { cached: 64, reasoning: 20 }) },
  ],
  'pydantic-ai/test_google/test_google_instructions_only_with_tool_calls.yaml': [
    { content: null, tools: [["generate_topic", "{}"], ["generate_topic", "{}"], ["generate_topic", "{}"]], finish: 'tool_calls', usage: u(83, 220, 303, { cached: 0, reasoning: 190 }), providerData: ["gemini"] },
    { content: null, tools: [["generate_topic", "{}"]], finish: 'tool_calls', usage: u(348, 50, 398, { cached: 0, reasoning: 40 }), providerData: ["gemini"] },
    { content: null, tools: [["generate_topic", "{}"]], finish: 'tool_calls', usage: u(415, 115, 530, { cached: 0, reasoning: 105 }), providerData: ["gemini"] },
    { content: null, tools: [["generate_topic", "{}"]], finish: 'tool_calls', usage: u(546, 116, 662, { cached: 0, reasoning: 106 }), providerData: ["gemini"] },
    { content: null, tools: [["final_result", "{\"response\":[\"What kind of car does a sheep drive? A Lamborghini!\",\"Why don't you see penguins in Great Britain? Because they're afraid of Wales!\",\"What happened when the wheel was invented? It caused a revolution!\"]}"]], finish: 'tool_calls', usage: u(679, 300, 979, { cached: 0, reasoning: 235 }), providerData: ["gemini"] },
  ],
  'pydantic-ai/test_google/test_google_model_max_tokens.yaml': [
    { content: "The capital of France is", finish: 'length', usage: u(15, 5, 20, { cached: 0, reasoning: 0 }) },
  ],
  'pydantic-ai/test_groq/test_tool_regular_error.yaml': [
    { error: ModelNotFoundError, status: 404 },
  ],
  'pydantic-ai/test_huggingface/test_hf_model_thinking_part.yaml': [
    { content: starts("Crossing the street safely requires **aw"), reasoning: starts("Okay, the user asked \"How do I"), finish: 'stop', usage: u(10, 995, 1005, { cached: 0 }) },
    { content: starts("Crossing a river is **far more dangerous"), reasoning: starts("Okay, the user is asking how t"), finish: 'stop', usage: u(32, 1425, 1457, { cached: 0 }) },
  ],
  // Together reports its cache reads as a top-level `cached_tokens`.
  'pydantic-ai/test_huggingface/test_max_completion_tokens.yaml': [
    { content: "", reasoning: starts("Hmm, the user just said \"hello"), finish: 'length', usage: u(4, 100, 104, { cached: 0 }) },
  ],
  'pydantic-ai/test_ollama/test_ollama_local_native_output_uses_json_schema.yaml': [
    { content: "{ \"city\": \"Paris\", \"country\": \"France\" }", reasoning: starts("Okay, the user is asking for t"), finish: 'stop', usage: u(136, 15, 151) },
  ],
  'pydantic-ai/test_openai/test_max_completion_tokens[o3-mini].yaml': [
    { content: "Hello there! How can I help you today?", finish: 'stop', usage: u(7, 87, 94, { cached: 0, reasoning: 64 }) },
  ],
  'pydantic-ai/test_openai/test_run_stream_sync_streams_real_model.yaml': [
    { content: null, tools: [["get_capital", "{\"country\":\"UK\"}"]], finish: 'tool_calls', usage: u(53, 15, 68, { cached: 0, reasoning: 0 }) },
    { content: "The capital of the UK is London.", finish: 'stop', usage: u(78, 9, 87, { cached: 0, reasoning: 0 }) },
  ],
  'pydantic-ai/test_openai_prompt_cache/test_openai_chat_prompt_cache_e2e.yaml': [
    { content: "OK", finish: 'stop', usage: u(4020, 4, 4024, { cached: 0, written: 4012, reasoning: 0 }) },
    { content: "OK", finish: 'stop', usage: u(4020, 4, 4024, { cached: 4012, written: 0, reasoning: 0 }) },
  ],
  'pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml': [
    { error: RateLimitError, status: 429 },
    { error: RateLimitError, status: 429 },
    { error: RateLimitError, status: 429 },
  ],
  'pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml': [
    { error: ProviderError },
  ],
  // The signed reasoning of the Anthropic model behind OpenRouter, in provider_data (reasoning-details.test.ts).
  'pydantic-ai/test_openrouter/test_openrouter_streaming_reasoning.yaml': [
    { content: "2 + 2 = 4", reasoning: starts("This is a simple arithmetic qu"), finish: 'stop', usage: u(43, 36, 79, { cached: 0, reasoning: 13 }), providerData: ["reasoning_details"] },
  ],

};

const root = new URL('./fixtures/recorded/', import.meta.url);

/** Every recording on disk (not the LICENSE files or SOURCES.md). */
function recordings(dir = ''): string[] {
  return readdirSync(new URL(dir, root)).flatMap((name) => {
    const path = `${dir}${name}`;
    if (statSync(new URL(path, root)).isDirectory()) return recordings(`${path}/`);
    return name === 'LICENSE' || name === 'SOURCES.md' ? [] : [path];
  });
}

let server: ReplayServer;
const clients = new Map<string, AnyLLM>();

beforeAll(async () => {
  server = await ReplayServer.start();
});
afterAll(async () => {
  await Promise.all([...clients.values()].map((llm) => llm.close()));
  await server.close();
});

async function client(provider: string): Promise<AnyLLM> {
  let llm = clients.get(provider);
  if (!llm) {
    const azure = provider === 'azureopenai';
    llm = await AnyLLM.create(provider, {
      apiKey: 'test-key',
      apiBase: azure ? server.origin : `${server.origin}/v1`,
      // Each recording is one exchange: what one attempt gets.
      retry: false,
      ...(azure ? { apiVersion: '2025-04-01-preview' } : {}),
    });
    clients.set(provider, llm);
  }
  return llm;
}

function expectText(actual: string | null | undefined, expected: string | null | Prefix | undefined): void {
  if (expected === undefined) return;
  if (expected !== null && typeof expected === 'object') expect(actual?.startsWith(expected.starts), `starts with ${JSON.stringify(expected.starts)}`).toBe(true);
  else expect(actual ?? null).toBe(expected);
}

/** The usage fields this suite asserts (the totals and the details named in CompletionUsage). */
function usageOf(usage: CompletionUsage | null | undefined): CompletionUsage | null {
  if (!usage) return null;
  const details = { cached: usage.prompt_tokens_details?.cached_tokens, written: usage.prompt_tokens_details?.cache_write_tokens, reasoning: usage.completion_tokens_details?.reasoning_tokens };
  return u(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, details);
}

interface Outcome {
  content: string | null;
  reasoning: string;
  tools: [string, string][];
  finish: string | null;
  usage: CompletionUsage | null;
  providerData?: string[];
  chunks?: ChatCompletionChunk[];
}

async function call(c: ReplayCase): Promise<Outcome> {
  const llm = await client(c.provider);
  const params = { model: c.model, messages: [{ role: 'user' as const, content: 'Replay.' }], ...c.params };
  if (c.stream) {
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of llm.completionStream(params)) chunks.push(chunk);
    // accumulate() refuses a stream that breaks OpenAI's rules (usage once, on a final chunk with empty choices).
    const result = accumulate(chunks);
    return {
      content: result.message.content,
      reasoning: result.reasoning,
      tools: result.toolCalls.map((t) => [t.function.name, t.function.arguments]),
      finish: result.finishReason,
      usage: result.usage ?? null,
      providerData: result.providerData ? Object.keys(result.providerData) : undefined,
      chunks,
    };
  }
  const response = await llm.completion(params);
  const message = response.choices[0].message;
  return {
    content: message.content,
    reasoning: message.reasoning ?? '',
    tools: (message.tool_calls ?? []).map((t) => (t.type === 'function' ? [t.function.name, t.function.arguments] : [t.custom.name, t.custom.input])),
    finish: response.choices[0].finish_reason,
    usage: response.usage ?? null,
    providerData: message.provider_data ? Object.keys(message.provider_data) : undefined,
  };
}

describe('every recorded response, replayed through its provider plugin', () => {
  it('covers every recording in test/fixtures/recorded, each once', () => {
    const replayed = CASES.map((c) => c.file);
    expect(new Set(replayed).size).toBe(replayed.length);
    expect([...replayed].sort()).toEqual(recordings().sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...replayed].sort());
  });

  it.each(CASES.map((c) => [c.file, c] as const))('%s', async (_file, c) => {
    const expected = EXPECTED[c.file];
    expect(expected, 'an expectation per recorded response').toHaveLength(c.responses.length);
    server.queue(c.responses);
    for (const [at, want] of expected.entries()) {
      if (want.error) {
        const error = await call(c).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `response ${at}`).toBeInstanceOf(want.error);
        if (want.status !== undefined) expect(error).toMatchObject({ status: want.status, provider: c.provider });
        continue;
      }
      const got = await call(c);
      expectText(got.content, want.content);
      if (want.reasoning !== undefined) expectText(got.reasoning, want.reasoning);
      else expect(got.reasoning, `response ${at} has no reasoning`).toBe('');
      expect(got.tools).toEqual(want.tools ?? []);
      expect(got.finish).toBe(want.finish);
      expect(usageOf(got.usage)).toEqual(want.usage ?? null);
      if (got.usage) expect(got.usage.prompt_tokens + got.usage.completion_tokens).toBe(got.usage.total_tokens);
      expect(got.providerData).toEqual(want.providerData);
      if (got.chunks && got.usage) {
        // Exactly one chunk carries usage: the last, with empty choices.
        expect(got.chunks.filter((chunk) => chunk.usage).length).toBe(1);
        expect(got.chunks.at(-1)).toMatchObject({ choices: [], usage: got.usage });
      }
    }
  });
});
