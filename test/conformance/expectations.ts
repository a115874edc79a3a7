/**
 * What each built-in provider must do or refuse, written from the provider's own documentation (one
 * link per row, and per capability where the docs split it), not from its manifest. The conformance
 * suite decides "must work" / "must be refused" from this table, and `expectations.test.ts` checks
 * the manifests and the README's provider table against it.
 *
 * A capability is `true` when the provider documents it on the endpoint the plugin calls, in the
 * shape the plugin sends (OpenAI's content parts for the OpenAI-compatible family): `images` is an
 * `image_url` part, `pdf` a `file` part with inline PDF data, `responseFormat` a `json_schema`
 * response format, `listModels` a models endpoint, `reasoning` reasoning the API exposes or a
 * reasoning control. `false` is documented absence (the parameter reference lists what is accepted
 * and this is not among it). `'silent'` marks docs that say neither: the table has no independent
 * answer there, so the suite checks the manifest's claim for it and `expectations.test.ts` prints the
 * list of such cells as a finding, instead of the table copying the manifest.
 *
 * Checked with the search tool against stored copies of these pages where they were stored
 * (DeepSeek's JSON-output guide, Perplexity's OpenAI-compatibility guide, the OpenAI include_usage
 * text); the rest is written from the providers' published docs at the links given.
 */

import { EXPECTED_COMPAT } from './expectations-compat.js';

export const CAPABILITIES = ['streaming', 'tools', 'reasoning', 'images', 'pdf', 'listModels', 'responseFormat'] as const;
export type Capability = (typeof CAPABILITIES)[number];
export type Documented = boolean | 'silent';

export interface DocumentedProvider {
  /** The API reference of the endpoint the plugin calls. */
  docs: string;
  capabilities: Record<Capability, Documented>;
  /** Per-capability sources and why a cell is what it is. */
  notes: Partial<Record<Capability, string>>;
  /**
   * Set where the docs say the provider has no chat endpoint (embeddings only, e.g. Voyage): the
   * source. The suite then expects every chat call refused, and checks errors on embeddings.
   */
  noChat?: string;
}

export const EXPECTED: Readonly<Record<string, DocumentedProvider>> = {
  anthropic: {
    docs: 'https://docs.anthropic.com/en/api/messages',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'Extended thinking: https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking',
      images: 'https://docs.anthropic.com/en/docs/build-with-claude/vision',
      pdf: 'https://docs.anthropic.com/en/docs/build-with-claude/pdf-support',
      listModels: 'GET /v1/models: https://docs.anthropic.com/en/api/models-list',
      responseFormat: 'JSON output with a forced tool ("JSON mode"): https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/overview',
    },
  },
  azure: {
    docs: 'https://learn.microsoft.com/en-us/azure/ai-foundry/model-inference/reference/reference-model-inference-chat-completions',
    capabilities: { streaming: true, tools: true, reasoning: false, images: true, pdf: false, listModels: false, responseFormat: true },
    notes: {
      reasoning: 'The request body lists no reasoning control (no reasoning_effort) and the response message no reasoning field.',
      images: 'ChatMessageImageContentItem: an image_url part in a user message (Definitions).',
      pdf: 'User content items are text, image_url and input_audio: no file part.',
      listModels:
        'No catalog listing: GET /info (https://learn.microsoft.com/en-us/azure/ai-foundry/model-inference/reference/reference-model-inference-info) describes the one model behind an endpoint.',
      responseFormat: 'ChatCompletionsResponseFormatJsonSchema: response_format with type json_schema (Definitions).',
    },
  },
  azureanthropic: {
    docs: 'https://learn.microsoft.com/en-us/azure/ai-foundry/foundry-models/how-to/use-foundry-models-claude',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: false, responseFormat: true },
    notes: {
      reasoning: 'The docs list extended thinking among the core capabilities Foundry supports.',
      images: '"Image and text input" (Available Claude models); the Messages API takes image blocks.',
      pdf: '"PDF support" among the core capabilities Foundry supports.',
      listModels:
        "The APIs listed are Messages, Token Count, Files and Skills: no models endpoint (Anthropic's Foundry client sets `models` to undefined).",
      responseFormat: 'Done as on Anthropic, with a forced tool on the Messages API (tool use is among the supported features).',
    },
  },
  azureopenai: {
    docs: 'https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'reasoning_effort on o-series models: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/reasoning',
      images: 'https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/gpt-with-vision',
      pdf: "The chat-completions reference lists text, image_url and input_audio parts, no `file` part (openai-python#2300: 'not clearly documented on Azure docs').",
      listModels: 'Models - List: https://learn.microsoft.com/en-us/rest/api/azureopenai/models/list',
      responseFormat: 'https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/structured-outputs',
    },
  },
  bedrock: {
    docs: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: false },
    notes: {
      streaming: 'ConverseStream: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html',
      tools: 'toolConfig: https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use.html',
      reasoning: 'reasoningContent blocks, additionalModelRequestFields.reasoning_config: https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html',
      images: 'ImageBlock (bytes): https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html',
      pdf: 'DocumentBlock (pdf): https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html',
      listModels: 'ListFoundationModels, on the control-plane host bedrock.{region}.amazonaws.com, not bedrock-runtime.',
      responseFormat: 'The Converse request has no response-format field (any-llm raises UnsupportedParameterError for response_format too).',
    },
  },
  cerebras: {
    docs: 'https://inference-docs.cerebras.ai/api-reference/chat-completions',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://inference-docs.cerebras.ai/capabilities/tool-use',
      reasoning: 'reasoning_effort and the reasoning field: https://inference-docs.cerebras.ai/capabilities/reasoning',
      images: 'Message content is text only in the chat-completions reference; no image input documented.',
      pdf: 'Text-only message content, as above.',
      listModels: 'https://inference-docs.cerebras.ai/api-reference/models',
      responseFormat: 'https://inference-docs.cerebras.ai/capabilities/structured-outputs',
    },
  },
  cohere: {
    docs: 'https://docs.cohere.com/reference/chat',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.cohere.com/docs/tool-use-overview; streamed tool calls: https://docs.cohere.com/docs/tool-use-streaming',
      reasoning: 'The thinking parameter and thinking content blocks: https://docs.cohere.com/docs/reasoning',
      images: 'image_url content items in a user message: https://docs.cohere.com/docs/image-inputs',
      pdf: 'User content items are text and image_url; documents (RAG) are text, not a PDF file part.',
      listModels: 'GET /v1/models: https://docs.cohere.com/reference/list-models',
      responseFormat: 'response_format json_object with a json_schema: https://docs.cohere.com/docs/structured-outputs',
    },
  },
  deepseek: {
    docs: 'https://api-docs.deepseek.com/api/create-chat-completion',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: true, responseFormat: false },
    notes: {
      tools: 'https://api-docs.deepseek.com/guides/function_calling',
      reasoning: 'deepseek-reasoner, reasoning_content: https://api-docs.deepseek.com/guides/reasoning_model',
      images: 'Message content is a string in the reference; no image input documented.',
      pdf: 'String message content, as above.',
      listModels: 'https://api-docs.deepseek.com/api/list-models',
      responseFormat:
        "JSON Output is `response_format: {'type': 'json_object'}` only; `json_schema` is not documented: https://api-docs.deepseek.com/guides/json_mode",
    },
  },
  fireworks: {
    docs: 'https://docs.fireworks.ai/api-reference/post-chatcompletions',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: 'silent', responseFormat: true },
    notes: {
      tools: 'https://docs.fireworks.ai/guides/function-calling',
      reasoning: 'reasoning_effort / reasoning_content: https://docs.fireworks.ai/guides/reasoning',
      images: 'https://docs.fireworks.ai/guides/querying-vision-language-models',
      pdf: 'PDFs only through "document inlining", an image_url with #transform=inline, not a `file` part.',
      listModels: 'Only the control-plane List Models (/v1/accounts/{id}/models) is documented, not GET /inference/v1/models.',
      responseFormat: 'https://docs.fireworks.ai/structured-responses/structured-response-formatting',
    },
  },
  gemini: {
    docs: 'https://ai.google.dev/api/generate-content',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://ai.google.dev/gemini-api/docs/function-calling',
      reasoning: 'thinkingConfig, thought parts: https://ai.google.dev/gemini-api/docs/thinking',
      images: 'https://ai.google.dev/gemini-api/docs/image-understanding',
      pdf: 'https://ai.google.dev/gemini-api/docs/document-processing',
      listModels: 'https://ai.google.dev/api/models#method:-models.list',
      responseFormat: 'responseSchema: https://ai.google.dev/gemini-api/docs/structured-output',
    },
  },
  groq: {
    docs: 'https://console.groq.com/docs/api-reference#chat-create',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://console.groq.com/docs/tool-use',
      reasoning: 'reasoning_format / reasoning_effort: https://console.groq.com/docs/reasoning',
      images: 'https://console.groq.com/docs/vision',
      pdf: 'The reference lists text and image_url parts only.',
      listModels: 'https://console.groq.com/docs/api-reference#models-list',
      responseFormat: 'https://console.groq.com/docs/structured-outputs',
    },
  },
  llamacpp: {
    docs: 'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'With --jinja: https://github.com/ggml-org/llama.cpp/blob/master/docs/function-calling.md',
      reasoning: 'reasoning_content with --reasoning-format (server README).',
      images: 'Multimodal models through libmtmd: https://github.com/ggml-org/llama.cpp/blob/master/docs/multimodal.md',
      pdf: 'No file parts in the server README.',
      listModels: 'GET /v1/models (server README).',
      responseFormat: 'response_format with json_schema (server README, POST /v1/chat/completions).',
    },
  },
  lmstudio: {
    docs: 'https://lmstudio.ai/docs/app/api/endpoints/openai',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://lmstudio.ai/docs/app/api/tools',
      reasoning: 'reasoning_content in chat completions since 0.3.9: https://lmstudio.ai/blog/lmstudio-v0.3.9',
      images: 'Vision models accept image_url parts on the OpenAI-compatible endpoint.',
      pdf: 'No file parts on the OpenAI-compatible endpoint.',
      listModels: 'GET /v1/models.',
      responseFormat: 'https://lmstudio.ai/docs/app/api/structured-output',
    },
  },
  mistral: {
    docs: 'https://docs.mistral.ai/api/#tag/chat',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.mistral.ai/capabilities/function_calling/',
      reasoning: 'Magistral thinking chunks: https://docs.mistral.ai/capabilities/reasoning/',
      images: 'https://docs.mistral.ai/capabilities/vision/',
      pdf: 'PDFs go in a `document_url` part (Document QnA), not OpenAI\'s `file` part: https://docs.mistral.ai/capabilities/document_ai/document_qna/',
      listModels: 'https://docs.mistral.ai/api/#tag/models',
      responseFormat: 'https://docs.mistral.ai/capabilities/structured-output/custom_structured_output/',
    },
  },
  ollama: {
    docs: 'https://github.com/ollama/ollama/blob/main/docs/openai.md',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'reasoning_effort on /v1/chat/completions (openai.md, supported request fields).',
      images: 'Base64 image_url parts (openai.md, "Vision").',
      pdf: 'openai.md lists no file parts.',
      listModels: 'GET /v1/models (openai.md).',
      responseFormat: 'response_format (openai.md, supported request fields).',
    },
  },
  openai: {
    docs: 'https://platform.openai.com/docs/api-reference/chat/create',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'reasoning_effort: https://platform.openai.com/docs/guides/reasoning',
      images: 'https://platform.openai.com/docs/guides/images-vision',
      pdf: '`file` parts with file_data: https://platform.openai.com/docs/guides/pdf-files',
      listModels: 'https://platform.openai.com/docs/api-reference/models/list',
      responseFormat: 'https://platform.openai.com/docs/guides/structured-outputs',
    },
  },
  openrouter: {
    docs: 'https://openrouter.ai/docs/api-reference/chat-completion',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://openrouter.ai/docs/features/tool-calling',
      reasoning: 'https://openrouter.ai/docs/use-cases/reasoning-tokens',
      images: 'https://openrouter.ai/docs/features/multimodal/images',
      pdf: 'A `file` part with file_data, as OpenAI: https://openrouter.ai/docs/features/multimodal/pdfs',
      listModels: 'https://openrouter.ai/docs/api-reference/list-available-models',
      responseFormat: 'https://openrouter.ai/docs/features/structured-outputs',
    },
  },
  perplexity: {
    docs: 'https://docs.perplexity.ai/api-reference/chat-completions-post',
    capabilities: { streaming: true, tools: false, reasoning: true, images: true, pdf: false, listModels: false, responseFormat: true },
    notes: {
      tools: 'The Sonar chat-completions parameters (https://docs.perplexity.ai/guides/chat-completions-guide) list no `tools`.',
      reasoning: 'sonar-reasoning(-pro) and reasoning_effort for sonar-deep-research: https://docs.perplexity.ai/getting-started/models',
      images: 'image_url parts: https://docs.perplexity.ai/guides/image-attachments',
      pdf: 'Files go in a `file_url` part, not OpenAI\'s `file` part: https://docs.perplexity.ai/guides/file-attachments',
      listModels: 'No models endpoint in the API reference.',
      responseFormat: 'json_schema: https://docs.perplexity.ai/guides/structured-outputs',
    },
  },
  sagemaker: {
    docs: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html',
    capabilities: { streaming: true, tools: 'silent', reasoning: false, images: 'silent', pdf: false, listModels: false, responseFormat: false },
    notes: {
      streaming: 'InvokeEndpointWithResponseStream: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html',
      tools: "The body is the container's: TGI and LMI Messages APIs take OpenAI tools, other containers do not.",
      reasoning: 'No reasoning control in InvokeEndpoint; any-llm flags none.',
      images: "The container's: vision models behind a Messages API take image_url parts.",
      pdf: 'No file parts in the Messages APIs the plugin speaks.',
      listModels: 'An endpoint serves one model; there is no models list on the runtime API.',
      responseFormat: 'Container-specific; any-llm raises UnsupportedParameterError for response_format.',
    },
  },
  together: {
    docs: 'https://docs.together.ai/reference/chat-completions-1',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.together.ai/docs/function-calling',
      reasoning: 'The reasoning field of reasoning models: https://docs.together.ai/docs/reasoning-models-guide',
      images: 'https://docs.together.ai/docs/vision-overview',
      pdf: 'The reference lists text, image_url and video_url parts only.',
      listModels: 'https://docs.together.ai/reference/models-1',
      responseFormat: 'https://docs.together.ai/docs/json-mode',
    },
  },
  vertexai: {
    docs: 'https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1beta1/projects.locations.publishers.models/generateContent',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      streaming: 'streamGenerateContent: https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1beta1/projects.locations.publishers.models/streamGenerateContent',
      tools: 'https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/function-calling',
      reasoning: 'thinkingConfig, thought parts: https://cloud.google.com/vertex-ai/generative-ai/docs/thinking',
      images: 'https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/image-understanding',
      pdf: 'https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/document-understanding',
      listModels: 'publishers.models.list (v1beta1): https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1beta1/publishers.models/list',
      responseFormat: 'responseSchema / responseJsonSchema: https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/control-generated-output',
    },
  },
  vertexaianthropic: {
    docs: 'https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: false, responseFormat: true },
    notes: {
      streaming: 'streamRawPredict: https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude',
      tools: 'https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/tool-use',
      reasoning: 'Extended thinking on Vertex AI: https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking',
      images: 'The Messages API on Vertex takes image blocks: https://docs.anthropic.com/en/api/claude-on-vertex-ai',
      pdf: 'PDF support on Vertex AI: https://docs.anthropic.com/en/docs/build-with-claude/pdf-support',
      listModels: 'Vertex AI serves Anthropic models through rawPredict only; there is no Anthropic models list (https://docs.anthropic.com/en/api/claude-on-vertex-ai).',
      responseFormat: 'JSON output with a forced tool, as on the Anthropic API.',
    },
  },
  vllm: {
    docs: 'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.vllm.ai/en/latest/features/tool_calling.html',
      reasoning: 'https://docs.vllm.ai/en/latest/features/reasoning_outputs.html',
      images: 'https://docs.vllm.ai/en/latest/features/multimodal_inputs.html',
      pdf: 'Multimodal inputs are image, audio and video; no file parts.',
      listModels: 'GET /v1/models (OpenAI-compatible server).',
      responseFormat: 'https://docs.vllm.ai/en/latest/features/structured_outputs.html',
    },
  },
  watsonx: {
    docs: 'https://cloud.ibm.com/apidocs/watsonx-ai#text-chat',
    capabilities: { streaming: true, tools: true, reasoning: 'silent', images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      streaming: 'POST /ml/v1/text/chat_stream: https://cloud.ibm.com/apidocs/watsonx-ai#text-chat-stream',
      tools: 'tools, tool_choice_option, tool_choice: https://cloud.ibm.com/apidocs/watsonx-ai#text-chat',
      reasoning: 'The chat reference has no reasoning control or reasoning field for the general chat models (any-llm 1.26 flags no reasoning either).',
      images: 'User content parts of type image_url (vision models): https://www.ibm.com/docs/en/watsonx/saas?topic=solutions-chatting-images',
      pdf: 'User content parts are text and image_url only.',
      listModels: 'GET /ml/v1/foundation_model_specs: https://cloud.ibm.com/apidocs/watsonx-ai#list-foundation-model-specs',
      responseFormat: 'response_format (json_object, json_schema): https://cloud.ibm.com/apidocs/watsonx-ai#text-chat',
    },
  },
  xai: {
    docs: 'https://docs.x.ai/docs/api-reference#chat-completions',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: 'silent', listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.x.ai/docs/guides/function-calling',
      reasoning: 'reasoning_effort, reasoning_content: https://docs.x.ai/docs/guides/reasoning',
      images: 'https://docs.x.ai/docs/guides/image-understanding',
      pdf: 'The chat-completions reference neither lists nor excludes an inline `file` part (files are a separate API).',
      listModels: 'https://docs.x.ai/docs/api-reference#list-models',
      responseFormat: 'https://docs.x.ai/docs/guides/structured-outputs',
    },
  },
  // The rows of plugins/openai-compatible/providers.json.
  ...EXPECTED_COMPAT,
};

/**
 * Where a manifest (and so the README) claims otherwise than the docs. Each entry is a reported bug
 * with its reason; `expectations.test.ts` fails when a disagreement is missing here or an entry here
 * no longer disagrees, so the list is always exactly the open disagreements. Until one is fixed the
 * conformance suite checks the manifest's claim for that cell (the current behaviour), visibly.
 */
export const KNOWN_DISAGREEMENTS: Readonly<Record<string, Partial<Record<Capability, string>>>> = {
  bedrock: {
    listModels:
      'Not implemented: ListFoundationModels is on the control-plane host (bedrock.{region}.amazonaws.com), another origin and signing scope than the runtime the plugin calls; listModels() is refused.',
  },
  deepseek: {
    responseFormat:
      "The manifest claims json_schema response formats and the plugin sends them upstream; DeepSeek documents json_object only, so a json_schema call should be refused with UnsupportedParameterError (or mapped to json_object).",
  },
  vertexai: {
    listModels:
      "Not implemented: the SDK's models.list on Vertex AI lists the project's tuned models unless asked for base models, and publishers.models.list is v1beta1-only; listModels() is refused.",
  },
};

/**
 * What the conformance suite holds `provider` to for `capability`: the documented answer, or the
 * manifest's claim where the docs are silent or a disagreement is open.
 *
 * @example
 * ```ts
 * if (!mustWork('perplexity', 'tools', llm.capabilities)) await expectRefused(...);
 * ```
 */
export function mustWork(provider: string, capability: Capability, manifest: Readonly<Partial<Record<Capability, boolean>>>): boolean {
  const row = EXPECTED[provider];
  if (!row) throw new Error(`No documented expectations for provider '${provider}': add a row to test/conformance/expectations.ts.`);
  const documented = row.capabilities[capability];
  if (documented === 'silent' || KNOWN_DISAGREEMENTS[provider]?.[capability] !== undefined) return manifest[capability] === true;
  return documented;
}
