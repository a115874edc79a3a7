/**
 * Every wire-format dialect the conformance suite runs: one per built-in provider
 * (`coverage.test.ts` fails when a provider folder has none).
 */
import type { Dialect } from '../dialect.js';
import { anthropicDialect, azureAnthropicDialect } from './anthropic.js';
import { cohereDialect } from './cohere.js';
import { bedrockDialect } from './bedrock.js';
import { geminiDialect } from './gemini.js';
import { openAIDialects } from './openai.js';
import { sagemakerDialect } from './sagemaker.js';
import { vertexaiDialect } from './vertexai.js';
import { vertexaianthropicDialect } from './vertexaianthropic.js';
import { watsonxDialect } from './watsonx.js';

/** All dialects. */
export const dialects: Dialect[] = [...openAIDialects, anthropicDialect, azureAnthropicDialect, cohereDialect, geminiDialect, bedrockDialect, vertexaiDialect, vertexaianthropicDialect, watsonxDialect, sagemakerDialect];
