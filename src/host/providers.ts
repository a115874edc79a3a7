/**
 * The names of the built-in providers, as constants.
 *
 * @module
 */

/**
 * Built-in provider names. Every value has a folder under `plugins/` or a row in
 * `plugins/openai-compatible/providers.json` (a test keeps them in step).
 *
 * @example
 * ```ts
 * const llm = await AnyLLM.create(LLMProvider.OPENAI);
 * ```
 */
export const LLMProvider = {
  ANTHROPIC: 'anthropic',
  ATLASCLOUD: 'atlascloud',
  AZURE: 'azure',
  AZUREANTHROPIC: 'azureanthropic',
  AZUREOPENAI: 'azureopenai',
  BEDROCK: 'bedrock',
  CASCADIA: 'cascadia',
  CEREBRAS: 'cerebras',
  COHERE: 'cohere',
  DASHSCOPE: 'dashscope',
  DATABRICKS: 'databricks',
  DEEPINFRA: 'deepinfra',
  DEEPSEEK: 'deepseek',
  EDENAI: 'edenai',
  FIREWORKS: 'fireworks',
  GEMINI: 'gemini',
  GITHUB: 'github',
  GMI: 'gmi',
  GROQ: 'groq',
  HUGGINGFACE: 'huggingface',
  INCEPTION: 'inception',
  KENARI: 'kenari',
  LLAMA: 'llama',
  LLAMACPP: 'llamacpp',
  LLAMAFILE: 'llamafile',
  LMSTUDIO: 'lmstudio',
  META: 'meta',
  MINIMAX: 'minimax',
  MISTRAL: 'mistral',
  MOONSHOT: 'moonshot',
  MZAI: 'mzai',
  NEBIUS: 'nebius',
  NEOSANTARA: 'neosantara',
  OLLAMA: 'ollama',
  OPENAI: 'openai',
  OPENROUTER: 'openrouter',
  OTARI: 'otari',
  OVHCLOUD: 'ovhcloud',
  PERPLEXITY: 'perplexity',
  PORTKEY: 'portkey',
  QINIU: 'qiniu',
  REQUESTY: 'requesty',
  SAGEMAKER: 'sagemaker',
  SAMBANOVA: 'sambanova',
  TELNYX: 'telnyx',
  TOGETHER: 'together',
  VERTEXAI: 'vertexai',
  VERTEXAIANTHROPIC: 'vertexaianthropic',
  VLLM: 'vllm',
  VOYAGE: 'voyage',
  WATSONX: 'watsonx',
  XAI: 'xai',
  ZAI: 'zai',
} as const;

/** A built-in provider name. */
export type LLMProvider = (typeof LLMProvider)[keyof typeof LLMProvider];
