/**
 * OpenAI's Chat Completions wire format, parametrised per provider of the OpenAI-compatible family:
 * where the provider puts reasoning (`reasoning_content`, `reasoning`, inline `<think>` tags,
 * Mistral's content parts, or nowhere), how it streams tool calls and usage, and its paths.
 */
import type { ServerResponse } from 'node:http';
import type { LocalServer, RecordedRequest } from '../../support/local-server.js';
import { sendJson, sendSse } from '../../support/local-server.js';
import type { Dialect, ReceivedMessage, ReceivedRequest, Scenario, ScenarioUsage } from '../dialect.js';
import { compatRows } from '../../support/compat-table.js';

/** How one provider's server differs on the OpenAI wire. */
export interface OpenAIWireStyle {
  provider: string;
  model: string;
  /** Where the SDK's base URL points below the origin ('/v1', '/openai/v1', '' ...). */
  prefix: string;
  /** Where reasoning text travels; 'hidden': the API never returns it (OpenAI, Azure). */
  reasoning: 'hidden' | 'reasoning_content' | 'reasoning' | 'think_tags' | 'mistral_parts';
  /** How stream usage arrives: a final chunk with no choices (OpenAI), on the finish chunk (Mistral), or in `x_groq`. */
  streamUsage?: 'separate' | 'finish_chunk' | 'x_groq';
  /** 'fragments': argument pieces by index (OpenAI); 'whole': complete calls, no index (Mistral). */
  toolCalls?: 'fragments' | 'whole';
  /** The assistant field the provider takes reasoning back in (DeepSeek). */
  echo?: 'reasoning_content';
  /** Azure: the model is the deployment in the path. */
  azure?: boolean;
  /** The caller gives the host only; the provider appends `prefix` itself (Databricks' `/serving-endpoints`). */
  hostOnly?: boolean;
  /** The row's `compat.embedding.path`, a URL template resolved against the base URL (Hugging Face's pipeline). */
  embeddingPath?: string;
  /** The row's `compat.embedding.format` is Hugging Face's feature-extraction pipeline: `{ inputs }` in, bare vectors out, no usage. */
  featureExtraction?: boolean;
}

type Json = Record<string, unknown>;

const CREATED = 1_700_000_000;

/** The path embeddings are served on: the row's template resolved as the plugin resolves it, else `/embeddings`. */
function embeddingsPathOf(style: OpenAIWireStyle, model: string): string {
  if (style.azure) return `/openai/deployments/${model}/embeddings`;
  if (style.embeddingPath === undefined) return `${style.prefix}/embeddings`;
  return new URL(style.embeddingPath.replaceAll('{model}', model), `http://wire${style.prefix}/`).pathname;
}

/** The path chat completions are served on. */
function chatPath(style: OpenAIWireStyle): string {
  return style.azure ? `/openai/deployments/${style.model}/chat/completions` : `${style.prefix}/chat/completions`;
}

function usageBody(usage: ScenarioUsage): Json {
  const body: Json = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
  if (usage.cached !== undefined) body.prompt_tokens_details = { cached_tokens: usage.cached };
  if (usage.reasoning !== undefined) body.completion_tokens_details = { reasoning_tokens: usage.reasoning };
  return body;
}

/** Splits text into pieces of `size` characters: tags and words get cut mid-way, as real streams do. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function finishOf(scenario: Scenario): string {
  if (scenario.kind === 'tool_calls') return 'tool_calls';
  if (scenario.kind === 'text') return scenario.finish ?? 'stop';
  return 'stop';
}

/** The assistant message of a non-streaming answer. */
function message(style: OpenAIWireStyle, scenario: Scenario): Json {
  const msg: Json = { role: 'assistant', content: null };
  if (scenario.kind === 'text' || scenario.kind === 'slow') {
    msg.content = scenario.kind === 'text' ? scenario.text : scenario.pieces.join('');
  } else if (scenario.kind === 'tool_calls') {
    msg.content = scenario.text ?? null;
    msg.tool_calls = scenario.calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
  } else if (scenario.kind === 'reasoning') {
    switch (style.reasoning) {
      case 'hidden':
        msg.content = scenario.text;
        break;
      case 'reasoning_content':
        msg.content = scenario.text;
        msg.reasoning_content = scenario.reasoning;
        break;
      case 'reasoning':
        msg.content = scenario.text;
        msg.reasoning = scenario.reasoning;
        break;
      case 'think_tags':
        msg.content = `<think>\n${scenario.reasoning}\n</think>\n\n${scenario.text}`;
        break;
      case 'mistral_parts':
        msg.content = [
          { type: 'thinking', thinking: [{ type: 'text', text: scenario.reasoning }] },
          { type: 'text', text: scenario.text },
        ];
        break;
    }
  }
  return msg;
}

function chunk(style: OpenAIWireStyle, choices: Json[], extra: Json = {}): Json {
  return { id: 'chatcmpl-conf', object: 'chat.completion.chunk', created: CREATED, model: style.model, choices, ...extra };
}

function deltaChunk(style: OpenAIWireStyle, delta: Json, finish: string | null = null): Json {
  return chunk(style, [{ index: 0, delta, logprobs: null, finish_reason: finish }]);
}

/** The streamed form of a scenario, as this provider sends it. */
function streamChunks(style: OpenAIWireStyle, scenario: Exclude<Scenario, { kind: 'error' | 'slow' }>): Json[] {
  const out: Json[] = [deltaChunk(style, { role: 'assistant', content: '' })];
  if (scenario.kind === 'text') {
    for (const piece of pieces(scenario.text, 4)) out.push(deltaChunk(style, { content: piece }));
  } else if (scenario.kind === 'tool_calls') {
    if (scenario.text) out.push(deltaChunk(style, { content: scenario.text }));
    if (style.toolCalls === 'whole') {
      out.push(
        deltaChunk(style, {
          content: null,
          tool_calls: scenario.calls.map((call) => ({ id: call.id, function: { name: call.name, arguments: JSON.stringify(call.args) } })),
        }),
      );
    } else {
      scenario.calls.forEach((call, index) => {
        out.push(deltaChunk(style, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
        for (const part of pieces(JSON.stringify(call.args), 5)) {
          out.push(deltaChunk(style, { tool_calls: [{ index, function: { arguments: part } }] }));
        }
      });
    }
  } else {
    const { reasoning, text } = scenario;
    switch (style.reasoning) {
      case 'hidden':
        break;
      case 'reasoning_content':
        for (const part of pieces(reasoning, 6)) out.push(deltaChunk(style, { content: null, reasoning_content: part }));
        break;
      case 'reasoning':
        for (const part of pieces(reasoning, 6)) out.push(deltaChunk(style, { content: null, reasoning: part }));
        break;
      case 'think_tags':
        // Three characters a piece: both tags arrive split across chunks.
        for (const part of pieces(`<think>\n${reasoning}\n</think>\n\n`, 3)) out.push(deltaChunk(style, { content: part }));
        break;
      case 'mistral_parts':
        for (const part of pieces(reasoning, 6)) {
          out.push(deltaChunk(style, { content: [{ type: 'thinking', thinking: [{ type: 'text', text: part }] }] }));
        }
        break;
    }
    for (const part of pieces(text, 4)) {
      out.push(deltaChunk(style, style.reasoning === 'mistral_parts' ? { content: [{ type: 'text', text: part }] } : { content: part }));
    }
  }
  const usage = usageBody(scenario.usage);
  const finish = finishOf(scenario);
  switch (style.streamUsage ?? 'separate') {
    case 'separate':
      out.push(deltaChunk(style, {}, finish));
      out.push(chunk(style, [], { usage }));
      break;
    case 'finish_chunk':
      out.push({ ...deltaChunk(style, { content: '' }, finish), usage });
      break;
    case 'x_groq':
      out.push({ ...deltaChunk(style, {}, finish), x_groq: { id: 'req_conf', usage: { ...usage, queue_time: 0.01 } } });
      break;
  }
  return out;
}

function sendError(res: ServerResponse, scenario: Extract<Scenario, { kind: 'error' }>): void {
  const headers: Record<string, string> = {};
  if (scenario.retryAfterSeconds !== undefined) headers['retry-after'] = String(scenario.retryAfterSeconds);
  const type = scenario.status === 401 ? 'authentication_error' : scenario.status === 429 ? 'rate_limit_error' : 'invalid_request_error';
  sendJson(res, scenario.status, { error: { message: scenario.message, type, param: null, code: null } }, headers);
}

async function answer(style: OpenAIWireStyle, scenario: Scenario, req: RecordedRequest, res: ServerResponse): Promise<void> {
  const stream = (req.body as { stream?: boolean }).stream === true;
  if (scenario.kind === 'error') return sendError(res, scenario);
  if (scenario.kind === 'slow') {
    if (!stream) {
      if (scenario.hang) return; // never answers: only an abort or a timeout ends the call
      await new Promise((resolve) => setTimeout(resolve, scenario.delayMs * scenario.pieces.length));
      return sendJson(res, 200, completionBody(style, scenario));
    }
    const events = [deltaChunk(style, { role: 'assistant', content: '' }), ...scenario.pieces.map((piece) => deltaChunk(style, { content: piece }))];
    if (!scenario.hang) events.push(deltaChunk(style, {}, 'stop'));
    const data = events.map((event) => `data: ${JSON.stringify(event)}`);
    if (!scenario.hang) data.push('data: [DONE]');
    return sendSse(res, data, { delayMs: scenario.delayMs, hang: scenario.hang });
  }
  if (!stream) return sendJson(res, 200, completionBody(style, scenario));
  return sendSse(res, [...streamChunks(style, scenario).map((event) => `data: ${JSON.stringify(event)}`), 'data: [DONE]']);
}

function completionBody(style: OpenAIWireStyle, scenario: Exclude<Scenario, { kind: 'error' }>): Json {
  return {
    id: 'chatcmpl-conf',
    object: 'chat.completion',
    created: CREATED,
    model: style.model,
    choices: [{ index: 0, message: message(style, scenario), logprobs: null, finish_reason: finishOf(scenario) }],
    usage: scenario.kind === 'slow' ? usageBody({ input: 1, output: scenario.pieces.length }) : usageBody(scenario.usage),
  };
}

function textOf(content: unknown): { text?: string; images: number } {
  if (typeof content === 'string') return { text: content, images: 0 };
  if (!Array.isArray(content)) return { images: 0 };
  const parts = content as Json[];
  const texts = parts.filter((part) => part.type === 'text').map((part) => String(part.text));
  return { text: texts.length ? texts.join('') : undefined, images: parts.filter((part) => part.type === 'image_url').length };
}

function receivedMessage(raw: Json): ReceivedMessage {
  const role = raw.role === 'developer' ? 'system' : (raw.role as ReceivedMessage['role']);
  const { text, images } = textOf(raw.content);
  const out: ReceivedMessage = { role };
  if (text !== undefined) out.text = text;
  if (images) out.images = images;
  if (Array.isArray(raw.tool_calls)) {
    out.toolCalls = (raw.tool_calls as { id?: string; function: { name: string; arguments: string } }[]).map((call) => ({
      id: call.id,
      name: call.function.name,
      args: JSON.parse(call.function.arguments) as Record<string, unknown>,
    }));
  }
  if (role === 'tool') out.toolResult = { id: raw.tool_call_id as string, content: text ?? '' };
  if (typeof raw.reasoning_content === 'string') out.reasoning = raw.reasoning_content;
  return out;
}

/**
 * The dialect for one OpenAI-compatible provider.
 *
 * @example
 * ```ts
 * const groq = openAIDialect({ provider: 'groq', model: 'llama-3.3-70b-versatile', prefix: '/openai/v1', reasoning: 'think_tags', streamUsage: 'x_groq' });
 * ```
 */
export function openAIDialect(style: OpenAIWireStyle): Dialect & OpenAIDialectExtras {
  const path = chatPath(style);
  return {
    provider: style.provider,
    model: style.model,
    style,
    reasoningVisible: style.reasoning !== 'hidden',
    echoes: { reasoning: style.echo !== undefined, signature: false },
    serve(server, scenario) {
      server.on('POST', path, (req, res) => answer(style, scenario, req, res));
    },
    apiBase(server) {
      return style.azure || style.hostOnly ? server.origin : `${server.origin}${style.prefix}`;
    },
    serveModels(server, ids) {
      const modelsPath = style.azure ? '/openai/models' : `${style.prefix}/models`;
      const data = ids.map((id, i) => ({ id, object: 'model', created: CREATED + i, owned_by: style.provider }));
      // Together answers a bare array; everyone else OpenAI's list object.
      server.on('GET', modelsPath, (_req, res) => sendJson(res, 200, style.provider === 'together' ? data : { object: 'list', data }));
    },
    serveEmbeddingsError(server, scenario) {
      server.on('POST', embeddingsPathOf(style, 'conformance-embed'), (_req, res) => sendError(res, scenario));
    },
    serveEmbeddings(server, model, vectorFor) {
      if (style.featureExtraction) {
        server.on('POST', embeddingsPathOf(style, model), (req, res) => {
          sendJson(res, 200, (req.body as { inputs: string[] }).inputs.map((text, index) => vectorFor(text, index)));
        });
        return 0; // the pipeline reports no usage
      }
      const tokens = 6;
      server.on('POST', embeddingsPathOf(style, model), (req, res) => {
        const { input } = req.body as { input: string | string[] };
        const data = (typeof input === 'string' ? [input] : input).map((text, index) => ({ object: 'embedding', index, embedding: vectorFor(text, index) }));
        sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
      });
      return tokens;
    },
    lastRequest(server): ReceivedRequest {
      const request = server.requests.findLast((r) => r.method === 'POST' && r.path === path);
      if (!request) throw new Error(`${style.provider}: no request reached ${path}`);
      const body = request.body as Json;
      return {
        model: style.azure ? style.model : String(body.model),
        stream: body.stream === true,
        messages: (body.messages as Json[]).map(receivedMessage),
        tools: ((body.tools as { function: { name: string } }[] | undefined) ?? []).map((tool) => tool.function.name),
        raw: body,
      };
    },
  };
}

/** What the OpenAI dialect adds to the shared contract (all optional there). */
export interface OpenAIDialectExtras {
  style: OpenAIWireStyle;
  reasoningVisible: boolean;
  echoes: { reasoning: boolean; signature: boolean };
  serveModels(server: LocalServer, ids: string[]): void;
}

/** Every provider of the OpenAI-compatible family, as its server speaks. */
export const openAIWireStyles: OpenAIWireStyle[] = [
  { provider: 'openai', model: 'gpt-4o-mini', prefix: '/v1', reasoning: 'hidden' },
  { provider: 'azureopenai', model: 'my-gpt-4o-deployment', prefix: '', reasoning: 'hidden', azure: true },
  // Azure AI Inference (Foundry Models): OpenAI's shapes under the endpoint's /models path.
  { provider: 'azure', model: 'Phi-4', prefix: '/models', reasoning: 'hidden' },
  { provider: 'mistral', model: 'magistral-medium-latest', prefix: '/v1', reasoning: 'mistral_parts', streamUsage: 'finish_chunk', toolCalls: 'whole' },
  { provider: 'groq', model: 'qwen/qwen3-32b', prefix: '/openai/v1', reasoning: 'think_tags', streamUsage: 'x_groq' },
  { provider: 'deepseek', model: 'deepseek-reasoner', prefix: '', reasoning: 'reasoning_content', streamUsage: 'finish_chunk', echo: 'reasoning_content' },
  { provider: 'xai', model: 'grok-3-mini', prefix: '/v1', reasoning: 'reasoning_content' },
  { provider: 'openrouter', model: 'deepseek/deepseek-r1', prefix: '/api/v1', reasoning: 'reasoning' },
  { provider: 'together', model: 'deepseek-ai/DeepSeek-R1', prefix: '/v1', reasoning: 'think_tags' },
  { provider: 'fireworks', model: 'accounts/fireworks/models/qwen3-235b-a22b', prefix: '/inference/v1', reasoning: 'think_tags' },
  { provider: 'perplexity', model: 'sonar-reasoning-pro', prefix: '', reasoning: 'think_tags', streamUsage: 'finish_chunk' },
  { provider: 'cerebras', model: 'qwen-3-32b', prefix: '/v1', reasoning: 'think_tags' },
  { provider: 'ollama', model: 'qwen3:8b', prefix: '/v1', reasoning: 'reasoning' },
  { provider: 'lmstudio', model: 'qwen/qwen3-8b', prefix: '/v1', reasoning: 'reasoning_content' },
  { provider: 'llamacpp', model: 'qwen3-8b-q4_k_m.gguf', prefix: '/v1', reasoning: 'think_tags' },
  { provider: 'vllm', model: 'Qwen/Qwen3-8B', prefix: '/v1', reasoning: 'reasoning_content' },
  // The rows of plugins/openai-compatible/providers.json: served under the path of their default base
  // URL (or their `path` quirk), reasoning inline as <think> tags where the row says so.
  ...compatRows().map(([provider, row]): OpenAIWireStyle => ({
    provider,
    model: `${provider}-test-model`,
    prefix: row.compat?.path ?? (row.defaultBaseUrl ? new URL(row.defaultBaseUrl).pathname.replace(/\/+$/, '') : '/v1'),
    reasoning: row.compat?.thinkTags ? 'think_tags' : 'reasoning_content',
    hostOnly: row.compat?.path !== undefined,
    embeddingPath: row.compat?.embedding?.path,
    featureExtraction: row.compat?.embedding?.format === 'feature-extraction',
  })),
];

/** One dialect per provider of the family. */
export const openAIDialects = openAIWireStyles.map(openAIDialect);
