/**
 * Which provider replays each recorded fixture, and how (test/recorded-replay.test.ts asserts the results).
 */
import {
  anthropicChunks,
  cassetteResponses,
  geminiChunks,
  genaiResponses,
  jsonBody,
  openaiChunks,
  rawSse,
  type Recorded,
} from './replay.js';

export interface ReplayCase {
  /** The fixture, under test/fixtures/recorded/. */
  file: string;
  provider: string;
  model: string;
  stream: boolean;
  /** One recorded response per call. */
  responses: Recorded[];
  /** Extra request parameters the recording was made with (they change how the answer is read). */
  params?: Record<string, unknown>;
}

const v = (file: string) => `vercel-ai/${file}`;

function vercel(file: string, provider: string, model: string): ReplayCase {
  const path = v(file);
  const stream = file.endsWith('.chunks.txt');
  const family = provider === 'anthropic' ? 'anthropic' : provider === 'gemini' ? 'gemini' : 'openai';
  const responses = !stream ? [jsonBody(path)] : family === 'anthropic' ? [anthropicChunks(path)] : family === 'gemini' ? [geminiChunks(path)] : [openaiChunks(path)];
  return { file: path, provider, model, stream, responses };
}

function pydantic(file: string, provider: string, model: string, stream = false, params?: Record<string, unknown>): ReplayCase {
  const path = `pydantic-ai/${file}`;
  return { file: path, provider, model, stream, responses: cassetteResponses(path), params };
}

export const CASES: ReplayCase[] = [
  vercel('openai-text.chunks.txt', 'openai', 'gpt-4.1-nano'),
  vercel('openai-text.json', 'openai', 'gpt-4.1-nano'),
  { ...vercel('reasoning-model-legacy-parameter-error.json', 'openai', 'o3-mini'), responses: [jsonBody(v('reasoning-model-legacy-parameter-error.json'), 400)] },
  vercel('azure-model-router.1.chunks.txt', 'azureopenai', 'model-router'),
  vercel('deepseek-tool-call.chunks.txt', 'deepseek', 'deepseek-reasoner'),
  vercel('deepseek-tool-call.json', 'deepseek', 'deepseek-reasoner'),
  vercel('deepseek-reasoning.chunks.txt', 'deepseek', 'deepseek-reasoner'),
  vercel('deepseek-reasoning.json', 'deepseek', 'deepseek-reasoner'),
  vercel('xai-tool-call.chunks.txt', 'xai', 'grok-3-mini'),
  vercel('xai-tool-call.json', 'xai', 'grok-3-mini'),
  vercel('groq-tool-call.chunks.txt', 'groq', 'llama-3.3-70b-versatile'),
  vercel('groq-tool-call.json', 'groq', 'llama-3.3-70b-versatile'),
  vercel('mistral-tool-call.chunks.txt', 'mistral', 'mistral-small-latest'),
  vercel('mistral-tool-call.json', 'mistral', 'mistral-small-latest'),
  vercel('mistral-reasoning.chunks.txt', 'mistral', 'magistral-medium-2507'),
  vercel('mistral-reasoning.json', 'mistral', 'magistral-medium-2507'),
  vercel('mistral-incremental-tool-call.chunks.txt', 'mistral', 'zai-glm-5-2'),
  vercel('perplexity-text.chunks.txt', 'perplexity', 'sonar'),
  vercel('anthropic-text.chunks.txt', 'anthropic', 'claude-sonnet-4-6'),
  vercel('anthropic-text.json', 'anthropic', 'claude-sonnet-4-6'),
  vercel('anthropic-clear-thinking.1.chunks.txt', 'anthropic', 'claude-sonnet-4-6'),
  { ...vercel('anthropic-json-tool.2.chunks.txt', 'anthropic', 'claude-haiku-4-5'), params: { response_format: { type: 'json_object' } } },
  vercel('anthropic-message-delta-input-tokens.chunks.txt', 'anthropic', 'claude-opus-4-6'),
  vercel('anthropic-tool-no-args.chunks.txt', 'anthropic', 'claude-sonnet-4-6'),
  vercel('anthropic-tool-no-args.json', 'anthropic', 'claude-3-opus'),
  vercel('anthropic-claude-opus-5-reasoning-high.1.json', 'anthropic', 'claude-opus-5'),
  vercel('google-text.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-text.json', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-reasoning.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-reasoning-gemini3.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-reasoning-gemini3.json', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-tool-call.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-tool-call.json', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-tool-call-gemini3.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-stream-no-args-tool-call.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-stream-tool-call-arguments.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  vercel('google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt', 'gemini', 'gemini-3-pro-preview'),
  { ...vercel('google-429-retry-info.json', 'gemini', 'gemini-2.5-flash'), responses: [jsonBody(v('google-429-retry-info.json'), 429)] },
  ...['c6aa7e397b71', 'f82268f2fefd', 'e2aad469b71d', '4cc50a6135d2', '173417d55340', 'a491adda08c3', '83b060bae42e'].map(
    (name): ReplayCase => ({ file: `openai-python/${name}.sse.txt`, provider: 'openai', model: 'gpt-4o', stream: true, responses: [rawSse(`openai-python/${name}.sse.txt`)] }),
  ),
  ...['basic_response', 'tool_use_response', 'incomplete_partial_json_response'].map(
    (name): ReplayCase => ({ file: `anthropic-sdk-python/${name}.txt`, provider: 'anthropic', model: 'claude-3-opus-latest', stream: true, responses: [rawSse(`anthropic-sdk-python/${name}.txt`)] }),
  ),
  ...[
    ['Chats_Tests_chats_function_calling_Google_AI_with_function_calling_stream', true],
    ['Chats_Tests_sendMessage_Google_AI_with_text_stream', true],
    ['Chats_Tests_sendMessage_Send_message_stream_with_error', true],
    ['Client_Tests_generateContentStream_partial_function_calling_Vertex_AI_should_stream_generate_content_enabled_streamFunctionCallArguments', true],
    ['Client_Tests_generateContent_ML_Dev_should_generate_content_with_given_valid_json_schema_in_responseJsonSchema', false],
    ['Client_Tests_test_thinking_generate_content_should_return_thought_field', false],
  ].map(([name, stream]): ReplayCase => ({ file: `js-genai/${name}.json`, provider: 'gemini', model: 'gemini-2.5-flash', stream: stream as boolean, responses: genaiResponses(`js-genai/${name}.json`) })),
  pydantic('test_anthropic/test_anthropic_cache_real_api.yaml', 'anthropic', 'claude-sonnet-4-6'),
  pydantic('test_anthropic/test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml', 'anthropic', 'claude-sonnet-4-6'),
  pydantic('test_anthropic/test_anthropic_model_thinking_part_redacted_stream.yaml', 'anthropic', 'claude-3-7-sonnet', true),
  pydantic('test_anthropic/test_multiple_parallel_tool_calls.yaml', 'anthropic', 'claude-sonnet-4-6'),
  pydantic('test_azure/test_azure_provider_call.yaml', 'azureopenai', 'gpt-4o'),
  pydantic('test_cerebras/test_cerebras_zai_reasoning_replayed_as_think_tags.yaml', 'cerebras', 'zai-glm-4.6'),
  pydantic('test_crusoe/test_crusoe_tool_calling.yaml', 'vllm', 'crusoe-model'),
  pydantic('test_google/test_google_instructions_only_with_tool_calls.yaml', 'gemini', 'gemini-3-flash-preview'),
  pydantic('test_google/test_google_model_max_tokens.yaml', 'gemini', 'gemini-2.5-flash'),
  pydantic('test_groq/test_tool_regular_error.yaml', 'groq', 'llama-3.3-70b-versatile'),
  pydantic('test_huggingface/test_hf_model_thinking_part.yaml', 'together', 'Qwen/Qwen3-235B-A22B'),
  pydantic('test_huggingface/test_max_completion_tokens.yaml', 'together', 'Qwen/Qwen2.5-72B-Instruct'),
  pydantic('test_ollama/test_ollama_local_native_output_uses_json_schema.yaml', 'ollama', 'qwen3'),
  pydantic('test_openai/test_max_completion_tokens[o3-mini].yaml', 'openai', 'o3-mini'),
  pydantic('test_openai/test_run_stream_sync_streams_real_model.yaml', 'openai', 'gpt-4o-mini', true),
  pydantic('test_openai_prompt_cache/test_openai_chat_prompt_cache_e2e.yaml', 'openai', 'gpt-4o-mini'),
  pydantic('test_openrouter/test_openrouter_errors_raised.yaml', 'openrouter', 'google/gemini-2.0-flash-exp:free'),
  pydantic('test_openrouter/test_openrouter_stream_error.yaml', 'openrouter', 'minimax/minimax-m2:free', true),
  pydantic('test_openrouter/test_openrouter_streaming_reasoning.yaml', 'openrouter', 'anthropic/claude-sonnet-4.5', true),
];
