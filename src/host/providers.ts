/**
 * The names of the built-in providers, as constants.
 *
 * @module
 */

/**
 * Built-in provider names. Every value has a folder under `plugins/` (a test keeps them in step).
 *
 * @example
 * ```ts
 * const llm = await AnyLLM.create(LLMProvider.OPENAI);
 * ```
 */
export const LLMProvider = {
  ANTHROPIC: 'anthropic',
  AZUREOPENAI: 'azureopenai',
  BEDROCK: 'bedrock',
  CEREBRAS: 'cerebras',
  DEEPSEEK: 'deepseek',
  FIREWORKS: 'fireworks',
  GEMINI: 'gemini',
  GROQ: 'groq',
  LLAMACPP: 'llamacpp',
  LMSTUDIO: 'lmstudio',
  MISTRAL: 'mistral',
  OLLAMA: 'ollama',
  OPENAI: 'openai',
  OPENROUTER: 'openrouter',
  PERPLEXITY: 'perplexity',
  SAGEMAKER: 'sagemaker',
  TOGETHER: 'together',
  VERTEXAI: 'vertexai',
  VERTEXAIANTHROPIC: 'vertexaianthropic',
  VLLM: 'vllm',
  WATSONX: 'watsonx',
  XAI: 'xai',
} as const;

/** A built-in provider name. */
export type LLMProvider = (typeof LLMProvider)[keyof typeof LLMProvider];
