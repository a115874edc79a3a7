/**
 * The Gemini dialect of the conformance suite: a LocalServer answering like the Gemini API
 * (`generateContent` and `streamGenerateContent?alt=sse`), and the requests it received normalised.
 *
 * Gemini has no tool-call ids on the wire: the provider makes them up, and tool results go back by
 * function name, so `toolCalls` carry no id and `toolResult` carries the name.
 */
import type { ServerResponse } from 'node:http';
import type { LocalServer, RecordedRequest } from '../../support/local-server.js';
import { sendJson } from '../../support/local-server.js';
import { geminiResponse, modelPath, onListModels, retryInfo, sendGoogleError, streamEvents } from '../../support/gemini-wire.js';
import type { Dialect, ReceivedMessage, ReceivedRequest, Scenario, ScenarioUsage } from '../dialect.js';

const MODEL = 'gemini-2.5-flash';

interface WirePart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name?: string; args?: Record<string, unknown> };
  functionResponse?: { name?: string; response?: Record<string, unknown> };
  inlineData?: { mimeType?: string };
  fileData?: { mimeType?: string };
}

interface WireBody {
  contents?: { role?: string; parts?: WirePart[] }[];
  systemInstruction?: { parts?: WirePart[] };
  tools?: { functionDeclarations?: { name: string }[] }[];
}

/** Usage where Gemini carries it: thinking tokens apart from the candidates' tokens. */
function usageMetadata(usage: ScenarioUsage): Record<string, number> {
  const thoughts = usage.reasoning ?? 0;
  const metadata: Record<string, number> = {
    promptTokenCount: usage.input,
    candidatesTokenCount: usage.output - thoughts,
    totalTokenCount: usage.input + usage.output,
  };
  if (thoughts) metadata.thoughtsTokenCount = thoughts;
  if (usage.cached) metadata.cachedContentTokenCount = usage.cached;
  return metadata;
}

const FINISH: Record<string, string> = { stop: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' };

/** The parts of the whole answer, and the same answer as stream events. */
function answer(scenario: Exclude<Scenario, { kind: 'error' } | { kind: 'slow' }>): { parts: WirePart[]; events: WirePart[][]; finish: string } {
  switch (scenario.kind) {
    case 'text': {
      const pieces = scenario.text.match(/\S+\s*|\s+/g) ?? [scenario.text];
      return { parts: [{ text: scenario.text }], events: pieces.map((text) => [{ text }]), finish: FINISH[scenario.finish ?? 'stop'] };
    }
    case 'tool_calls': {
      const calls: WirePart[] = scenario.calls.map((call) => ({ functionCall: { name: call.name, args: call.args } }));
      const text: WirePart[] = scenario.text ? [{ text: scenario.text }] : [];
      return { parts: [...text, ...calls], events: [...(scenario.text ? [text] : []), ...calls.map((call) => [call])], finish: 'STOP' };
    }
    case 'reasoning':
      // Gemini puts the signature on the answer's text part; a stream sends it on an empty last part.
      return {
        parts: [{ text: scenario.reasoning, thought: true }, { text: scenario.text, thoughtSignature: scenario.signature }],
        events: [[{ text: scenario.reasoning, thought: true }], [{ text: scenario.text }], [{ text: '', thoughtSignature: scenario.signature }]],
        finish: 'STOP',
      };
  }
}

async function respond(scenario: Scenario, stream: boolean, res: ServerResponse): Promise<void> {
  if (scenario.kind === 'error') {
    const details = scenario.retryAfterSeconds === undefined ? [] : [retryInfo(scenario.retryAfterSeconds)];
    sendGoogleError(res, scenario.status, scenario.message, details);
    return;
  }
  if (scenario.kind === 'slow') {
    const events = scenario.pieces.map((text) => geminiResponse([{ text }]));
    if (stream) {
      await streamEvents(res, events, { delayMs: scenario.delayMs, hang: scenario.hang });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, scenario.delayMs * scenario.pieces.length));
    if (scenario.hang || res.destroyed) return;
    sendJson(res, 200, geminiResponse([{ text: scenario.pieces.join('') }], { finishReason: 'STOP' }));
    return;
  }
  const { parts, events, finish } = answer(scenario);
  const usage = usageMetadata(scenario.usage);
  if (!stream) {
    sendJson(res, 200, geminiResponse(parts, { finishReason: finish, usage }));
    return;
  }
  const bodies = events.map((eventParts, i) =>
    i === events.length - 1 ? geminiResponse(eventParts, { finishReason: finish, usage }) : geminiResponse(eventParts),
  );
  await streamEvents(res, bodies);
}

function joinText(parts: WirePart[]): string | undefined {
  const text = parts.filter((part) => typeof part.text === 'string' && !part.thought).map((part) => part.text).join('');
  return text === '' ? undefined : text;
}

function toolResultText(response: Record<string, unknown> | undefined): string {
  const keys = Object.keys(response ?? {});
  if (keys.length === 1 && keys[0] === 'content' && typeof response?.content === 'string') return response.content;
  return JSON.stringify(response ?? {});
}

function normalise(body: WireBody): ReceivedMessage[] {
  const messages: ReceivedMessage[] = [];
  const system = joinText(body.systemInstruction?.parts ?? []);
  if (system !== undefined) messages.push({ role: 'system', text: system });
  for (const content of body.contents ?? []) {
    const parts = content.parts ?? [];
    if (content.role === 'model') {
      const message: ReceivedMessage = { role: 'assistant' };
      const text = joinText(parts);
      if (text !== undefined) message.text = text;
      const thoughts = parts.filter((part) => part.thought).map((part) => part.text ?? '');
      if (thoughts.length > 0) message.reasoning = thoughts.join('');
      const signature = parts.find((part) => part.thoughtSignature)?.thoughtSignature;
      if (signature) message.signature = signature;
      const calls = parts.filter((part) => part.functionCall);
      if (calls.length > 0) message.toolCalls = calls.map((part) => ({ name: part.functionCall?.name ?? '', args: part.functionCall?.args ?? {} }));
      messages.push(message);
      continue;
    }
    for (const part of parts.filter((p) => p.functionResponse)) {
      messages.push({ role: 'tool', toolResult: { name: part.functionResponse?.name, content: toolResultText(part.functionResponse?.response) } });
    }
    const rest = parts.filter((part) => !part.functionResponse);
    if (rest.length === 0) continue;
    const message: ReceivedMessage = { role: 'user' };
    const text = joinText(rest);
    if (text !== undefined) message.text = text;
    const images = rest.filter((part) => (part.inlineData?.mimeType ?? part.fileData?.mimeType ?? '').startsWith('image/')).length;
    if (images > 0) message.images = images;
    messages.push(message);
  }
  return messages;
}

function isModelCall(request: RecordedRequest): boolean {
  return request.method === 'POST' && /\/models\/[^/]+:(generateContent|streamGenerateContent)$/.test(request.path);
}

export const geminiDialect: Dialect = {
  provider: 'gemini',

  serveModels(server: LocalServer, ids: string[]): void {
    onListModels(server, [ids.map((id) => ({ name: `models/${id}`, displayName: id }))]);
  },
  serveEmbeddings(server, model, vectorFor) {
    // batchEmbedContents: one request per text; the Gemini API reports no tokens for it.
    server.on('POST', `/v1beta/models/${model}:batchEmbedContents`, (req, res) => {
      const { requests } = req.body as { requests: { content: { parts: { text: string }[] } }[] };
      sendJson(res, 200, { embeddings: requests.map((r, i) => ({ values: vectorFor(r.content.parts[0].text, i) })) });
    });
    return 0;
  },
  model: MODEL,
  serve(server, scenario) {
    server.on('POST', modelPath(MODEL, 'generateContent'), (_req, res) => respond(scenario, false, res));
    server.on('POST', modelPath(MODEL, 'streamGenerateContent'), (_req, res) => respond(scenario, true, res));
  },
  apiBase(server) {
    return server.origin;
  },
  lastRequest(server): ReceivedRequest {
    const request = server.requests.findLast(isModelCall);
    if (!request) throw new Error('The Gemini server received no generateContent request.');
    const [, model, method] = /\/models\/([^/:]+):(\w+)$/.exec(request.path) ?? [];
    const body = (request.body ?? {}) as WireBody;
    return {
      model,
      stream: method === 'streamGenerateContent',
      messages: normalise(body),
      tools: (body.tools ?? []).flatMap((tool) => (tool.functionDeclarations ?? []).map((fn) => fn.name)),
      raw: body,
    };
  },
};
