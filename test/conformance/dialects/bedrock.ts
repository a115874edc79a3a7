/**
 * The conformance dialect for Amazon Bedrock's Converse API: scenarios answered as Converse JSON or
 * ConverseStream event-stream frames (AWS's own codec), requests read back from the Converse body.
 * The suite's `apiKey` is Bedrock's bearer key (`AWS_BEARER_TOKEN_BEDROCK`); SigV4 has its own
 * test (bedrock-provider.test.ts).
 */
import type { ServerResponse } from 'node:http';
import { eventFrame, sendBedrockError, sendEventStream } from '../../support/bedrock-wire.js';
import { sendJson, type LocalServer, type RecordedRequest } from '../../support/local-server.js';
import type { Dialect, ReceivedMessage, ReceivedRequest, Scenario, ScenarioUsage } from '../dialect.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

interface WireBlock {
  text?: string;
  image?: unknown;
  document?: unknown;
  toolUse?: { toolUseId: string; name: string; input: Record<string, unknown> };
  toolResult?: { toolUseId: string; content: { text?: string; json?: unknown }[] };
  reasoningContent?: { reasoningText?: { text: string; signature?: string } };
}
interface WireBody {
  messages?: { role: 'user' | 'assistant'; content: WireBlock[] }[];
  system?: { text: string }[];
  toolConfig?: { tools: { toolSpec: { name: string } }[] };
}

const usageOf = (usage: ScenarioUsage) => ({
  inputTokens: usage.input - (usage.cached ?? 0),
  outputTokens: usage.output,
  totalTokens: usage.input + usage.output,
  ...(usage.cached ? { cacheReadInputTokens: usage.cached } : {}),
});
const STOP = { stop: 'end_turn', length: 'max_tokens', content_filter: 'content_filtered' } as const;

function content(scenario: Exclude<Scenario, { kind: 'error' } | { kind: 'slow' }>): { blocks: WireBlock[]; stop: string } {
  switch (scenario.kind) {
    case 'text':
      return { blocks: [{ text: scenario.text }], stop: STOP[scenario.finish ?? 'stop'] };
    case 'tool_calls':
      return {
        blocks: [...(scenario.text ? [{ text: scenario.text }] : []), ...scenario.calls.map((call) => ({ toolUse: { toolUseId: call.id, name: call.name, input: call.args } }))],
        stop: 'tool_use',
      };
    case 'reasoning':
      return { blocks: [{ reasoningContent: { reasoningText: { text: scenario.reasoning, signature: scenario.signature } } }, { text: scenario.text }], stop: 'end_turn' };
  }
}

/** The same answer as ConverseStream frames: text in word pieces, tool input in two fragments. */
function frames(blocks: WireBlock[], stop: string, usage: ReturnType<typeof usageOf>): Uint8Array[] {
  const out = [eventFrame('messageStart', { role: 'assistant' })];
  blocks.forEach((block, contentBlockIndex) => {
    if (block.toolUse) {
      out.push(eventFrame('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } } }));
      const input = JSON.stringify(block.toolUse.input);
      const half = Math.floor(input.length / 2);
      for (const part of [input.slice(0, half), input.slice(half)]) out.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: part } } }));
    } else if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      out.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { text } } }));
      out.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { signature } } }));
    } else if (block.text !== undefined) {
      for (const text of block.text.match(/\S+\s*|\s+/g) ?? [block.text]) out.push(eventFrame('contentBlockDelta', { contentBlockIndex, delta: { text } }));
    }
    out.push(eventFrame('contentBlockStop', { contentBlockIndex }));
  });
  out.push(eventFrame('messageStop', { stopReason: stop }));
  out.push(eventFrame('metadata', { usage, metrics: { latencyMs: 12 } }));
  return out;
}

async function respond(scenario: Scenario, stream: boolean, req: RecordedRequest, res: ServerResponse): Promise<void> {
  if (req.headers.authorization !== 'Bearer conformance-key') {
    sendBedrockError(res, 403, 'The security token included in the request is invalid.');
    return;
  }
  if (scenario.kind === 'error') {
    sendBedrockError(res, scenario.status, scenario.message, scenario.retryAfterSeconds === undefined ? {} : { 'retry-after': String(scenario.retryAfterSeconds) });
    return;
  }
  if (scenario.kind === 'slow') {
    if (stream) {
      const pieces = scenario.pieces.map((text) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
      await sendEventStream(res, [eventFrame('messageStart', { role: 'assistant' }), ...pieces], { delayMs: scenario.delayMs, hang: scenario.hang });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, scenario.delayMs * scenario.pieces.length));
    if (scenario.hang || res.destroyed) return;
    sendJson(res, 200, { output: { message: { role: 'assistant', content: [{ text: scenario.pieces.join('') }] } }, stopReason: 'end_turn' });
    return;
  }
  const { blocks, stop } = content(scenario);
  const usage = usageOf(scenario.usage);
  if (stream) await sendEventStream(res, frames(blocks, stop, usage), { split: true });
  else sendJson(res, 200, { output: { message: { role: 'assistant', content: blocks } }, stopReason: stop, usage, metrics: { latencyMs: 12 } });
}

function normalise(body: WireBody): ReceivedMessage[] {
  const messages: ReceivedMessage[] = [];
  const system = (body.system ?? []).map((block) => block.text).join('');
  if (system !== '') messages.push({ role: 'system', text: system });
  for (const message of body.messages ?? []) {
    const results = message.content.filter((block) => block.toolResult);
    for (const block of results) {
      messages.push({ role: 'tool', toolResult: { id: block.toolResult!.toolUseId, content: block.toolResult!.content.map((part) => part.text ?? JSON.stringify(part.json)).join('') } });
    }
    const rest = message.content.filter((block) => !block.toolResult);
    if (rest.length === 0) continue;
    const received: ReceivedMessage = { role: message.role };
    const text = rest.filter((block) => block.text !== undefined).map((block) => block.text).join('');
    if (text !== '') received.text = text;
    const reasoning = rest.find((block) => block.reasoningContent)?.reasoningContent?.reasoningText;
    if (reasoning) {
      received.reasoning = reasoning.text;
      if (reasoning.signature) received.signature = reasoning.signature;
    }
    const calls = rest.filter((block) => block.toolUse);
    if (calls.length > 0) received.toolCalls = calls.map((block) => ({ id: block.toolUse!.toolUseId, name: block.toolUse!.name, args: block.toolUse!.input }));
    const images = rest.filter((block) => block.image).length;
    if (images > 0) received.images = images;
    messages.push(received);
  }
  return messages;
}

const CALL = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export const bedrockDialect: Dialect = {
  provider: 'bedrock',
  model: MODEL,
  serve(server, scenario) {
    const path = (action: string) => `/model/${encodeURIComponent(MODEL)}/${action}`;
    server.on('POST', path('converse'), (req, res) => respond(scenario, false, req, res));
    server.on('POST', path('converse-stream'), (req, res) => respond(scenario, true, req, res));
  },
  apiBase(server) {
    return server.origin;
  },
  lastRequest(server): ReceivedRequest {
    const request = server.requests.findLast((r) => r.method === 'POST' && CALL.test(r.path));
    if (!request) throw new Error('The Bedrock server received no Converse request.');
    const [, model, action] = CALL.exec(request.path)!;
    const body = (request.body ?? {}) as WireBody;
    return {
      model: decodeURIComponent(model),
      stream: action === 'converse-stream',
      messages: normalise(body),
      tools: (body.toolConfig?.tools ?? []).map((tool) => tool.toolSpec.name),
      raw: body,
    };
  },
  serveModels() {
    // Bedrock's model list is on another host (the control plane): the plugin has no listModels.
  },
  // Cohere Embed on Bedrock: the suite's few texts go in one InvokeModel request.
  embeddingModel: 'cohere.embed-multilingual-v3',
  serveEmbeddings(server, model, vectorFor) {
    server.on('POST', `/model/${encodeURIComponent(model)}/invoke`, (req, res) => {
      const { texts } = req.body as { texts: string[] };
      res.setHeader('x-amzn-bedrock-input-token-count', '6');
      sendJson(res, 200, { id: 'e1', embeddings: { float: texts.map((text, i) => vectorFor(text, i)) }, response_type: 'embeddings_by_type', texts });
    });
    return 6;
  },
  clientOptions: {},
};
