/**
 * The conformance dialect for Anthropic's Messages API: scenarios answered as Anthropic messages
 * (JSON or `event:`/`data:` SSE), and requests read back from Anthropic's request body. The same
 * wire serves Claude on Microsoft Foundry (`azureanthropic`) under `/anthropic`.
 */
import { sendJson, sendSse, type LocalServer } from '../../support/local-server.js';
import {
  eventsFor,
  onMessages,
  sendAnthropicError,
  serveModels,
  sseEvent,
  streamEvents,
  wireMessage,
  type WireBlock,
  type WireMessage,
  type WireUsage,
} from '../../support/anthropic-wire.js';
import type { Dialect, ReceivedMessage, ReceivedRequest, Scenario, ScenarioUsage } from '../dialect.js';

const MODEL = 'claude-haiku-4-5';

/** Anthropic counts cache reads apart from `input_tokens`; OpenAI's prompt tokens include them. */
function wireUsage(usage: ScenarioUsage): WireUsage {
  const cached = usage.cached ?? 0;
  return {
    input_tokens: usage.input - cached,
    output_tokens: usage.output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    ...(usage.reasoning !== undefined ? { output_tokens_details: { thinking_tokens: usage.reasoning } } : {}),
  };
}

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', content_filter: 'refusal' } as const;

function messageFor(scenario: Exclude<Scenario, { kind: 'error' } | { kind: 'slow' }>): WireMessage {
  const base = { model: MODEL, usage: wireUsage(scenario.usage) };
  switch (scenario.kind) {
    case 'text':
      return wireMessage([{ type: 'text', text: scenario.text }], { ...base, stop_reason: STOP_REASONS[scenario.finish ?? 'stop'] });
    case 'tool_calls': {
      const blocks: WireBlock[] = scenario.text ? [{ type: 'text', text: scenario.text }] : [];
      for (const call of scenario.calls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.args });
      return wireMessage(blocks, { ...base, stop_reason: 'tool_use' });
    }
    case 'reasoning':
      return wireMessage(
        [
          { type: 'thinking', thinking: scenario.reasoning, signature: scenario.signature },
          { type: 'text', text: scenario.text },
        ],
        { ...base, stop_reason: 'end_turn' },
      );
  }
}

interface WireRequestBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: string | { type: string; text?: string }[];
}

interface WireRequest {
  model: string;
  stream?: boolean;
  system?: string | { text: string }[];
  messages: { role: 'user' | 'assistant'; content: string | WireRequestBlock[] }[];
  tools?: { name: string }[];
}

function joinText(blocks: readonly WireRequestBlock[]): string | undefined {
  const texts = blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '');
  return texts.length > 0 ? texts.join('') : undefined;
}

/** One Anthropic message as the normalised messages it stands for (tool results are their own). */
function received(message: WireRequest['messages'][number]): ReceivedMessage[] {
  if (typeof message.content === 'string') return [{ role: message.role, text: message.content }];
  const blocks = message.content;
  if (message.role === 'assistant') {
    const out: ReceivedMessage = { role: 'assistant' };
    const text = joinText(blocks);
    if (text !== undefined) out.text = text;
    const calls = blocks.filter((b) => b.type === 'tool_use');
    if (calls.length > 0) out.toolCalls = calls.map((b) => ({ id: b.id, name: b.name ?? '', args: b.input ?? {} }));
    const thinking = blocks.filter((b) => b.type === 'thinking');
    if (thinking.length > 0) {
      out.reasoning = thinking.map((b) => b.thinking ?? '').join('');
      out.signature = thinking.map((b) => b.signature ?? '').join('');
    }
    return [out];
  }
  const out: ReceivedMessage[] = blocks
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      role: 'tool',
      toolResult: { id: b.tool_use_id, content: typeof b.content === 'string' ? b.content : (b.content ?? []).map((c) => c.text ?? '').join('') },
    }));
  const rest = blocks.filter((b) => b.type !== 'tool_result');
  if (rest.length > 0) {
    const user: ReceivedMessage = { role: 'user' };
    const text = joinText(rest);
    if (text !== undefined) user.text = text;
    const images = rest.filter((b) => b.type === 'image').length;
    if (images > 0) user.images = images;
    out.push(user);
  }
  return out;
}

/** The Messages wire for `provider`, served under `prefix` (Foundry: `/anthropic/v1/messages`). */
function messagesDialect(provider: string, prefix: string): Dialect {
  return {
    provider,
    model: MODEL,

    serveModels(server: LocalServer, ids: string[]): void {
      serveModels(server, ids.map((id) => ({ id, display_name: id, created_at: '2025-05-14T00:00:00Z' })));
    },

    serve(server: LocalServer, scenario: Scenario): void {
      onMessages(server, async (req, res) => {
        const stream = (req.body as { stream?: boolean }).stream === true;
        if (scenario.kind === 'error') {
          const headers: Record<string, string> = scenario.retryAfterSeconds !== undefined ? { 'retry-after': String(scenario.retryAfterSeconds) } : {};
          return sendAnthropicError(res, scenario.status, scenario.message, { headers });
        }
        if (scenario.kind === 'slow') {
          const message = wireMessage([{ type: 'text', text: scenario.pieces.join('') }], { model: MODEL });
          if (stream) {
            const [start, blockStart, ...rest] = eventsFor(message);
            const deltas = scenario.pieces.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }));
            const closing = rest.filter((e) => e.type !== 'content_block_delta');
            // A hanging stream never sends its closing events.
            const events = [start, blockStart, ...deltas, ...(scenario.hang ? [] : closing)];
            return sendSse(res, events.map(sseEvent), { delayMs: scenario.delayMs, hang: scenario.hang });
          }
          await new Promise((resolve) => setTimeout(resolve, scenario.delayMs * scenario.pieces.length));
          if (scenario.hang || res.destroyed) return;
          return sendJson(res, 200, message);
        }
        const message = messageFor(scenario);
        if (stream) return streamEvents(res, eventsFor(message));
        sendJson(res, 200, message);
      }, prefix);
    },

    apiBase(server: LocalServer): string {
      return `${server.origin}${prefix}`;
    },

    lastRequest(server: LocalServer): ReceivedRequest {
      const request = server.requests.filter((r) => r.method === 'POST' && r.path === `${prefix}/v1/messages`).at(-1);
      if (!request) throw new Error('The Anthropic server has received no request.');
      const body = request.body as WireRequest;
      const messages: ReceivedMessage[] = [];
      if (body.system !== undefined) {
        const text = typeof body.system === 'string' ? body.system : body.system.map((b) => b.text).join('\n');
        messages.push({ role: 'system', text });
      }
      for (const message of body.messages) messages.push(...received(message));
      return {
        model: body.model,
        stream: body.stream === true,
        messages,
        tools: (body.tools ?? []).map((t) => t.name),
        raw: body,
      };
    },
  };
}

export const anthropicDialect: Dialect = messagesDialect('anthropic', '');

/** Claude on Microsoft Foundry: `https://<resource>.services.ai.azure.com/anthropic/v1/messages`. */
export const azureAnthropicDialect: Dialect = messagesDialect('azureanthropic', '/anthropic');
