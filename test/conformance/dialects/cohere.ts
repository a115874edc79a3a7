/**
 * The conformance dialect for Cohere's v2 Chat API: scenarios answered as Cohere chat responses
 * (JSON, or `event:`/`data:` SSE with Cohere's event types), and requests read back from its body.
 */
import { sendJson, sendSse, type LocalServer } from '../../support/local-server.js';
import {
  chatEvents,
  chatResponse,
  cohereSse,
  onCohereChat,
  sendCohereError,
  serveCohereEmbed,
  serveCohereModels,
  streamCohere,
  type CohereAnswer,
} from '../../support/cohere-wire.js';
import type { Dialect, ReceivedMessage, ReceivedRequest, Scenario } from '../dialect.js';

const MODEL = 'command-a-reasoning-08-2025';

const FINISH = { stop: 'COMPLETE', length: 'MAX_TOKENS', content_filter: 'COMPLETE' } as const;

function answerFor(scenario: Exclude<Scenario, { kind: 'error' } | { kind: 'slow' }>): CohereAnswer {
  const usage = { input: scenario.usage.input, output: scenario.usage.output, cached: scenario.usage.cached };
  switch (scenario.kind) {
    case 'text':
      return { text: scenario.text, finishReason: FINISH[scenario.finish ?? 'stop'], usage };
    case 'tool_calls':
      return {
        toolPlan: scenario.text,
        toolCalls: scenario.calls.map((call) => ({ id: call.id, name: call.name, arguments: JSON.stringify(call.args) })),
        finishReason: 'TOOL_CALL',
        usage,
      };
    case 'reasoning':
      return { thinking: scenario.reasoning, text: scenario.text, finishReason: 'COMPLETE', usage };
  }
}

type WireItem = { type: string; text?: string; thinking?: string; image_url?: unknown };
interface WireRequest {
  model: string;
  stream?: boolean;
  messages: {
    role: 'system' | 'user' | 'assistant' | 'tool';
    content?: string | WireItem[];
    tool_plan?: string;
    tool_calls?: { id: string; function: { name: string; arguments: string } }[];
    tool_call_id?: string;
  }[];
  tools?: { function: { name: string } }[];
}

function received(message: WireRequest['messages'][number]): ReceivedMessage {
  const out: ReceivedMessage = { role: message.role };
  const items = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content ?? []);
  const texts = items.filter((i) => i.type === 'text').map((i) => i.text ?? '');
  if (texts.length > 0) out.text = texts.join('');
  else if (message.tool_plan !== undefined) out.text = message.tool_plan;
  const thinking = items.filter((i) => i.type === 'thinking');
  if (thinking.length > 0) out.reasoning = thinking.map((i) => i.thinking ?? '').join('');
  const images = items.filter((i) => i.type === 'image_url').length;
  if (images > 0) out.images = images;
  if (message.tool_calls) {
    out.toolCalls = message.tool_calls.map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) as Record<string, unknown> }));
  }
  if (message.role === 'tool') out.toolResult = { id: message.tool_call_id, content: out.text ?? '' };
  return out;
}

export const cohereDialect: Dialect = {
  provider: 'cohere',
  model: MODEL,
  // Cohere's thinking items have no signature; the text goes back as a thinking item.
  echoes: { reasoning: true, signature: false },

  serveModels(server: LocalServer, ids: string[]): void {
    serveCohereModels(server, ids, 1);
  },

  serveEmbeddings(server, _model, vectorFor) {
    // The suite's few inputs go in one request (under Cohere's 96), billed 6 tokens.
    serveCohereEmbed(server, vectorFor, () => 6);
    return 6;
  },

  serve(server: LocalServer, scenario: Scenario): void {
    onCohereChat(server, async (req, res) => {
      const stream = (req.body as { stream?: boolean }).stream === true;
      if (scenario.kind === 'error') {
        const headers: Record<string, string> = scenario.retryAfterSeconds !== undefined ? { 'retry-after': String(scenario.retryAfterSeconds) } : {};
        return sendCohereError(res, scenario.status, scenario.message, headers);
      }
      if (scenario.kind === 'slow') {
        const answer: CohereAnswer = { text: scenario.pieces.join(''), finishReason: 'COMPLETE', usage: { input: 1, output: scenario.pieces.length } };
        if (stream) {
          const [start, contentStart, ...rest] = chatEvents(answer);
          const deltas = scenario.pieces.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } }));
          const closing = rest.filter((e) => e.type !== 'content-delta');
          const events = [start, contentStart, ...deltas, ...(scenario.hang ? [] : closing)];
          return sendSse(res, [...events.map(cohereSse), ...(scenario.hang ? [] : ['data: [DONE]'])], { delayMs: scenario.delayMs, hang: scenario.hang });
        }
        await new Promise((resolve) => setTimeout(resolve, scenario.delayMs * scenario.pieces.length));
        if (scenario.hang || res.destroyed) return;
        return sendJson(res, 200, chatResponse(answer));
      }
      const answer = answerFor(scenario);
      if (stream) return streamCohere(res, chatEvents(answer));
      sendJson(res, 200, chatResponse(answer));
    });
  },

  apiBase(server: LocalServer): string {
    return server.origin;
  },

  lastRequest(server: LocalServer): ReceivedRequest {
    const request = server.requests.filter((r) => r.method === 'POST' && r.path === '/v2/chat').at(-1);
    if (!request) throw new Error('The Cohere server has received no request.');
    const body = request.body as WireRequest;
    return {
      model: body.model,
      stream: body.stream === true,
      messages: body.messages.map(received),
      tools: (body.tools ?? []).map((t) => t.function.name),
      raw: body,
    };
  },
};
