// The providers whose credentials the host resolves, sandboxed: their `auth` requests pass the
// channel guard, and the built-in each one extends (gemini, anthropic, bedrock) is readable.
import { bedrockDialect } from './dialects/bedrock.js';
import { sagemakerDialect } from './dialects/sagemaker.js';
import { vertexaiDialect } from './dialects/vertexai.js';
import { vertexaianthropicDialect } from './dialects/vertexaianthropic.js';
import { watsonxDialect } from './dialects/watsonx.js';
import { defineConformanceSuite } from './suite.js';

defineConformanceSuite([bedrockDialect, vertexaiDialect, vertexaianthropicDialect, watsonxDialect, sagemakerDialect], 'sandbox');
