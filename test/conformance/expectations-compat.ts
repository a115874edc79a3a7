/**
 * Documented expectations for the providers that are rows of
 * `plugins/openai-compatible/providers.json`, in the same form as `expectations.ts` (which merges
 * them in): one docs link per row, a source or reason per decided cell, `'silent'` where the
 * provider's docs say neither.
 *
 * Written from each provider's published API reference at the link given (the stored copies the
 * search tool had were third-party summaries; where a cell rests on one, its note says so), and
 * checked against any-llm 1.26's flags for the same provider; where the docs and any-llm differ the
 * note says which way and why.
 */
import type { DocumentedProvider } from './expectations.js';

const openAIParts = 'OpenAI-compatible chat completions:';

export const EXPECTED_COMPAT: Readonly<Record<string, DocumentedProvider>> = {
  atlascloud: {
    docs: 'https://www.atlascloud.ai/docs',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'Reasoning models (DeepSeek-R1, Qwen3) answer with reasoning_content; any-llm flags reasoning.',
      images: 'The LLM API documents text models; image input is not listed (any-llm: no).',
      pdf: 'No file parts documented.',
      listModels: `${openAIParts} GET /v1/models.`,
      responseFormat: 'The docs neither list nor exclude json_schema response formats.',
    },
  },
  cascadia: {
    docs: 'https://cascadia.to',
    capabilities: { streaming: true, tools: 'silent', reasoning: true, images: false, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      tools: 'The coordinator documents an OpenAI-compatible API without a parameter list.',
      reasoning: 'Serves open-weights reasoning models (any-llm flags reasoning).',
      images: 'Text models only (INT4 OpenVINO shards of text transformers).',
      pdf: 'Text models only.',
      listModels: 'GET /v1/models on the coordinator (any-llm lists models).',
      responseFormat: 'Not documented either way.',
    },
  },
  dashscope: {
    docs: 'https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'Qwen3 / QwQ deep thinking returns reasoning_content: https://www.alibabacloud.com/help/en/model-studio/deep-thinking',
      images: 'Qwen-VL takes image_url parts: https://www.alibabacloud.com/help/en/model-studio/vision',
      pdf: "Documents go through file ids (qwen-long, fileid://), not OpenAI's inline `file` part (any-llm flags PDF for that path).",
      listModels: 'GET /compatible-mode/v1/models.',
      responseFormat: 'Structured output with json_schema: https://www.alibabacloud.com/help/en/model-studio/qwen-structured-output',
    },
  },
  databricks: {
    docs: 'https://docs.databricks.com/aws/en/machine-learning/model-serving/score-foundation-models',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: false, responseFormat: true },
    notes: {
      tools: 'https://docs.databricks.com/aws/en/machine-learning/model-serving/function-calling',
      reasoning: 'Reasoning models: https://docs.databricks.com/aws/en/machine-learning/model-serving/query-reason-models',
      images: 'Vision models: https://docs.databricks.com/aws/en/machine-learning/model-serving/query-vision-models',
      pdf: 'The chat task schema lists text and image_url parts only.',
      listModels: 'Serving endpoints are listed by the workspace REST API, not GET /serving-endpoints/models (any-llm: no list_models).',
      responseFormat: 'Structured outputs: https://docs.databricks.com/aws/en/machine-learning/model-serving/structured-outputs',
    },
  },
  deepinfra: {
    docs: 'https://deepinfra.com/docs/openai_api',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://deepinfra.com/docs/advanced/function_calling',
      reasoning: 'reasoning_content of reasoning models; reasoning_effort (openai_api page).',
      images: 'https://deepinfra.com/docs/vision',
      pdf: 'The OpenAI API page lists text and image_url parts only.',
      listModels: 'GET /v1/openai/models (openai_api page).',
      responseFormat: 'https://deepinfra.com/docs/advanced/json_mode',
    },
  },
  edenai: {
    docs: 'https://www.edenai.co/docs',
    capabilities: { streaming: true, tools: true, reasoning: false, images: true, pdf: true, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'No reasoning control or field in the v3 LLM reference (any-llm: no).',
      images: 'Multimodal chat with image_url parts (any-llm flags images).',
      pdf: 'File parts for PDF input (any-llm flags PDF).',
      listModels: 'GET /v3/models (any-llm converts its list).',
      responseFormat: 'Not documented either way.',
    },
  },
  github: {
    docs: 'https://docs.github.com/en/rest/models/inference',
    capabilities: { streaming: true, tools: true, reasoning: false, images: 'silent', pdf: false, listModels: false, responseFormat: true },
    notes: {
      reasoning: 'The inference reference has no reasoning field or control (any-llm: no).',
      images: 'The reference types message content as a string; the playground accepts images for some models.',
      pdf: 'No file parts in the reference.',
      listModels: 'Models are listed by the catalog (GET /catalog/models), outside the inference base URL; not GET /inference/models.',
      responseFormat: 'response_format with json_schema in the inference reference.',
    },
  },
  gmi: {
    docs: 'https://docs.gmicloud.ai/inference-engine/api-reference/llm-api-reference',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'Reasoning models (DeepSeek-R1, Qwen3) return reasoning_content (any-llm flags reasoning).',
      images: 'Text messages only in the LLM reference.',
      pdf: 'Text messages only.',
      listModels: 'GET /v1/models in the LLM reference.',
      responseFormat: 'Not documented either way.',
    },
  },
  huggingface: {
    docs: 'https://huggingface.co/docs/inference-providers/tasks/chat-completion',
    capabilities: { streaming: true, tools: true, reasoning: 'silent', images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'The router forwards what the serving provider returns; the task page documents no reasoning field (any-llm: no).',
      images: 'Vision-language models take image_url parts (task page, "Conversational Image-Text to Text").',
      pdf: 'No file parts on the task page.',
      listModels: 'GET https://router.huggingface.co/v1/models.',
      responseFormat: 'response_format json_schema (task page, "Structured outputs").',
    },
  },
  inception: {
    docs: 'https://docs.inceptionlabs.ai/get-started/get-started',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'Mercury 2 tool calling (docs.inceptionlabs.ai; LiteLLM and Pipecat pages agree).',
      reasoning: 'Mercury 2 is a reasoning model with reasoning_effort; any-llm 1.26 predates it and says no.',
      images: 'Text models only.',
      pdf: 'Text models only.',
      listModels: 'GET /v1/models.',
      responseFormat: 'Structured outputs for mercury-2 (docs); any-llm 1.26 refuses response_format, from the Mercury 1 era.',
    },
  },
  kenari: {
    docs: 'https://kenari.id/docs',
    capabilities: { streaming: true, tools: 'silent', reasoning: true, images: false, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      tools: 'The gateway docs give no parameter list.',
      reasoning: 'Routes to reasoning models (any-llm flags reasoning).',
      images: 'Not offered (any-llm: no).',
      pdf: 'Not offered.',
      listModels: 'GET /v1/models.',
      responseFormat: 'Not documented either way.',
    },
  },
  llama: {
    docs: 'https://llama.developer.meta.com/docs/features/compatibility',
    capabilities: { streaming: true, tools: true, reasoning: false, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'Llama 3/4 models have no reasoning output or control.',
      images: 'Llama 4 image understanding with image_url parts: https://llama.developer.meta.com/docs/features/image-understanding',
      pdf: 'No file parts.',
      listModels: 'GET /compat/v1/models (compatibility page).',
      responseFormat: 'Structured output with json_schema: https://llama.developer.meta.com/docs/features/structured-output',
    },
  },
  llamafile: {
    docs: 'https://github.com/Mozilla-Ocho/llamafile',
    capabilities: { streaming: true, tools: 'silent', reasoning: true, images: false, pdf: false, listModels: true, responseFormat: false },
    notes: {
      tools: "The server README (llama.cpp's server of its vintage) does not say.",
      reasoning: 'Reasoning models leave <think> tags in the content (any-llm parses them).',
      images: 'The OpenAI-compatible endpoint takes text; LLaVA images go through /completion only.',
      pdf: 'No file parts.',
      listModels: 'GET /v1/models.',
      responseFormat: 'any-llm refuses response_format for llamafile; the README documents grammars on /completion, not json_schema on /v1/chat/completions.',
    },
  },
  meta: {
    docs: 'https://dev.meta.ai/docs',
    capabilities: { streaming: true, tools: true, reasoning: false, images: true, pdf: true, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'No reasoning field or control (any-llm: no).',
      images: 'image_url parts (any-llm flags images).',
      pdf: 'PDF file parts (any-llm flags PDF).',
      listModels: 'GET /v1/models.',
      responseFormat: 'Not documented either way.',
    },
  },
  minimax: {
    docs: 'https://platform.minimax.io/docs/api-reference/text-openai-api',
    capabilities: { streaming: true, tools: true, reasoning: true, images: false, pdf: false, listModels: false, responseFormat: false },
    notes: {
      reasoning: 'M2 models put their thinking in <think> tags in the content (text-openai-api page).',
      images: 'The OpenAI-compatible page lists text content only.',
      pdf: 'Text content only.',
      listModels: 'No models endpoint documented (any-llm: no).',
      responseFormat: 'response_format is not among the OpenAI-compatible parameters (any-llm refuses it).',
    },
  },
  moonshot: {
    docs: 'https://platform.moonshot.ai/docs/api/chat',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: false },
    notes: {
      reasoning: 'Kimi K2 thinking models stream reasoning_content.',
      images: 'Vision models (moonshot-v1-*-vision-preview, kimi-k2.5+) take image_url parts.',
      pdf: 'Files go through the Files API and a file id, not an inline `file` part.',
      listModels: 'GET /v1/models.',
      responseFormat: "JSON Mode is response_format {type: 'json_object'}; json_schema is not documented.",
    },
  },
  mzai: {
    docs: 'https://any-llm.ai',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'A gateway to reasoning models (any-llm flags reasoning).',
      images: 'Forwards image_url parts (any-llm flags images).',
      pdf: 'Not flagged by any-llm; no file parts documented.',
      listModels: 'GET /api/v1/models.',
      responseFormat: 'Not documented either way (the managed platform was retired, any-llm #1088).',
    },
  },
  nebius: {
    docs: 'https://docs.nebius.com/studio/inference/api',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.nebius.com/studio/inference/tool-calling',
      reasoning: 'Reasoning models return reasoning_content.',
      images: 'https://docs.nebius.com/studio/inference/vision',
      pdf: 'Text and image_url parts only.',
      listModels: 'GET /v1/models.',
      responseFormat: 'https://docs.nebius.com/studio/inference/json-mode',
    },
  },
  neosantara: {
    docs: 'https://docs.neosantara.xyz',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'Reasoning models (any-llm flags reasoning).',
      images: 'image_url parts (any-llm flags images).',
      pdf: 'PDF file parts (any-llm flags PDF).',
      listModels: 'GET /v1/models.',
      responseFormat: 'Not documented either way.',
    },
  },
  otari: {
    docs: 'https://mozilla-ai.github.io/otari/',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'A gateway in front of any-llm: reasoning passes through.',
      images: 'Passes image_url parts to the upstream provider.',
      pdf: 'Passes file parts to the upstream provider.',
      listModels: 'GET /v1/models on the gateway.',
      responseFormat: 'json_schema response formats pass through (any-llm sends them as json_schema dicts).',
    },
  },
  ovhcloud: {
    docs: 'https://help.ovhcloud.com/csm/en-public-cloud-ai-endpoints-getting-started',
    capabilities: { streaming: true, tools: true, reasoning: false, images: false, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'No reasoning control documented (any-llm: no).',
      images: 'Not flagged by any-llm; the getting-started guide shows text chat.',
      pdf: 'Text chat only.',
      listModels: 'GET /v1/models.',
      responseFormat: 'Not documented either way.',
    },
  },
  portkey: {
    docs: 'https://portkey.ai/docs/api-reference/inference-api/chat',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'Forwards reasoning of the upstream model; some upstreams leave <think> tags (any-llm parses them).',
      images: 'image_url parts in the chat reference.',
      pdf: 'file parts, forwarded to providers that take them.',
      listModels: 'GET /v1/models: https://portkey.ai/docs/api-reference/inference-api/models/models',
      responseFormat: 'response_format json_schema in the chat reference.',
    },
  },
  qiniu: {
    docs: 'https://developer.qiniu.com/aitokenapi',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: 'silent' },
    notes: {
      reasoning: 'Reasoning models with reasoning_content (any-llm flags reasoning).',
      images: 'Vision models with image_url parts (any-llm flags images).',
      pdf: 'Not flagged by any-llm.',
      listModels: 'GET /v1/models.',
      responseFormat: 'Not documented either way.',
    },
  },
  requesty: {
    docs: 'https://docs.requesty.ai',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: true, listModels: true, responseFormat: true },
    notes: {
      reasoning: 'https://docs.requesty.ai/features/reasoning',
      images: 'image_url parts, forwarded to vision models.',
      pdf: 'file parts, forwarded to models that take PDFs.',
      listModels: 'GET /v1/models (any-llm fills its missing fields).',
      responseFormat: 'https://docs.requesty.ai/features/structured-outputs',
    },
  },
  sambanova: {
    docs: 'https://docs.sambanova.ai/cloud/api-reference/endpoints/chat',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://docs.sambanova.ai/cloud/docs/capabilities/function-calling',
      reasoning: 'DeepSeek-R1 / Qwen3 leave <think> tags in the content (any-llm parses them).',
      images: 'https://docs.sambanova.ai/cloud/docs/capabilities/vision',
      pdf: 'Text and image_url parts only.',
      listModels: 'GET /v1/models.',
      responseFormat: 'json_schema response formats (function-calling and JSON mode page).',
    },
  },
  telnyx: {
    docs: 'https://developers.telnyx.com/docs/inference/getting-started',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: true },
    notes: {
      tools: 'https://developers.telnyx.com/docs/inference/function-calling',
      reasoning: 'Reasoning models (any-llm flags reasoning).',
      images: 'Vision models with image_url parts (any-llm flags images).',
      pdf: 'Not flagged by any-llm.',
      listModels: 'GET /v2/ai/models.',
      responseFormat: 'https://developers.telnyx.com/docs/inference/structured-output',
    },
  },
  voyage: {
    docs: 'https://docs.voyageai.com/reference/embeddings-api',
    noChat:
      'Voyage serves embeddings (POST /v1/embeddings), multimodal embeddings and rerank; its API reference has no chat endpoint (any-llm 1.26: SUPPORTS_COMPLETION = False, completion raises NotImplementedError).',
    capabilities: { streaming: false, tools: false, reasoning: false, images: false, pdf: false, listModels: false, responseFormat: false },
    notes: {
      streaming: 'No chat endpoint, so nothing streams.',
      tools: 'No chat endpoint.',
      reasoning: 'No chat endpoint.',
      images: 'No chat endpoint (images are embedded by /v1/multimodalembeddings, which anyllm does not call).',
      pdf: 'No chat endpoint.',
      listModels: 'The API reference lists no models endpoint (any-llm: SUPPORTS_LIST_MODELS = False).',
      responseFormat: 'No chat endpoint.',
    },
  },
  zai: {
    docs: 'https://docs.z.ai/api-reference/llm/chat-completion',
    capabilities: { streaming: true, tools: true, reasoning: true, images: true, pdf: false, listModels: true, responseFormat: false },
    notes: {
      reasoning: 'GLM-4.5+ thinking returns reasoning_content.',
      images: 'GLM-4.5V / 4.6V take image_url parts: https://docs.z.ai/guides/vlm/glm-4.5v',
      pdf: 'No file parts in the chat-completion reference.',
      listModels: 'GET /api/paas/v4/models.',
      responseFormat: "response_format is 'text' or 'json_object'; json_schema is not documented (any-llm refuses response_format).",
    },
  },
};
