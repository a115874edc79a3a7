/**
 * Checks completion params in the host, before any plugin is started or anything is sent upstream.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { CompletionParams } from '../types.js';

type Check = (value: unknown) => boolean;

const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInteger: Check = (v) => Number.isInteger(v);
const isBoolean: Check = (v) => typeof v === 'boolean';
const isString: Check = (v) => typeof v === 'string';
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const inRange = (min: number, max: number): Check => (v) => isNumber(v) && (v as number) >= min && (v as number) <= max;
const positiveInteger: Check = (v) => isInteger(v) && (v as number) > 0;

/** Optional scalar fields: the check and what the error says it must be. `null` is accepted as unset. */
const SCALARS: Record<string, [Check, string]> = {
  temperature: [inRange(0, 2), 'a number from 0 to 2'],
  top_p: [inRange(0, 1), 'a number from 0 to 1'],
  max_tokens: [positiveInteger, 'a positive integer'],
  max_completion_tokens: [positiveInteger, 'a positive integer'],
  n: [positiveInteger, 'a positive integer'],
  seed: [isInteger, 'an integer'],
  presence_penalty: [inRange(-2, 2), 'a number from -2 to 2'],
  frequency_penalty: [inRange(-2, 2), 'a number from -2 to 2'],
  logprobs: [isBoolean, 'a boolean'],
  top_logprobs: [(v) => isInteger(v) && (v as number) >= 0 && (v as number) <= 20, 'an integer from 0 to 20'],
  parallel_tool_calls: [isBoolean, 'a boolean'],
  user: [isString, 'a string'],
  reasoning_effort: [(v) => ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'].includes(v as string), "one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh'"],
  stop: [(v) => isString(v) || (Array.isArray(v) && v.every(isString)), 'a string or an array of strings'],
  logit_bias: [(v) => isObject(v) && Object.values(v as object).every(isNumber), 'an object of token ids to numbers'],
  stream_options: [isObject, 'an object'],
};

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const PART_TYPES: Record<string, string> = { text: 'text', image_url: 'image_url', file: 'file', input_audio: 'input_audio' };

/**
 * Throws `InvalidRequestError` naming the first bad field; returns the params unchanged otherwise.
 *
 * @example
 * ```ts
 * validateCompletionParams({ model: 'gpt-4o-mini', messages: [] }); // throws: 'messages' must not be empty
 * ```
 */
export function validateCompletionParams(params: unknown, provider?: string, mode: { stream: boolean } = { stream: false }): CompletionParams {
  const fail = (field: string, problem: string): never => {
    throw new InvalidRequestError(`Invalid request: '${field}' ${problem}.`, { provider, code: 'invalid_request' });
  };
  if (!isObject(params)) return fail('params', 'must be an object');
  const p = params as Record<string, unknown>;
  if (typeof p.model !== 'string' || p.model.trim() === '') fail('model', 'must be a non-empty string');
  if (!Array.isArray(p.messages)) return fail('messages', 'must be an array of messages');
  if (p.messages.length === 0) fail('messages', 'must not be empty');
  p.messages.forEach((message, i) => validateMessage(message, `messages[${i}]`, fail));

  for (const [field, [check, expected]] of Object.entries(SCALARS)) {
    const value = p[field];
    if (value !== undefined && value !== null && !check(value)) fail(field, `must be ${expected}`);
  }
  if (p.stream !== undefined && p.stream !== mode.stream) {
    fail('stream', mode.stream ? 'must be left out in completionStream()' : 'is chosen by the method: call completionStream() to stream');
  }
  if (p.tools !== undefined) {
    if (!Array.isArray(p.tools)) fail('tools', 'must be an array');
    (p.tools as unknown[]).forEach((tool, i) => {
      const t = tool as { type?: unknown; function?: { name?: unknown; parameters?: unknown } };
      if (!isObject(tool) || t.type !== 'function') fail(`tools[${i}].type`, "must be 'function'");
      if (!isObject(t.function) || typeof t.function?.name !== 'string' || !/^[a-zA-Z0-9_.-]{1,128}$/.test(t.function.name)) {
        fail(`tools[${i}].function.name`, 'must be a name of letters, digits, _ . or -');
      }
      if (t.function?.parameters !== undefined && !isObject(t.function.parameters)) {
        fail(`tools[${i}].function.parameters`, 'must be a JSON Schema object');
      }
    });
  }
  if (p.tool_choice !== undefined && p.tool_choice !== null) {
    const choice = p.tool_choice as { type?: unknown; function?: { name?: unknown } };
    const named = isObject(choice) && choice.type === 'function' && typeof choice.function?.name === 'string';
    if (!named && !['auto', 'none', 'required'].includes(p.tool_choice as string)) {
      fail('tool_choice', "must be 'auto', 'none', 'required' or { type: 'function', function: { name } }");
    }
    if (named && !(p.tools as { function: { name: string } }[] | undefined)?.some((t) => t.function.name === choice.function?.name)) {
      fail('tool_choice', `names '${String(choice.function?.name)}', which is not in 'tools'`);
    }
    if (p.tool_choice === 'required' && !(Array.isArray(p.tools) && p.tools.length > 0)) {
      fail('tool_choice', "is 'required', but 'tools' is empty");
    }
  }
  if (p.response_format !== undefined && p.response_format !== null) {
    const format = p.response_format as { type?: unknown; json_schema?: { name?: unknown } };
    if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(format.type as string)) {
      fail('response_format.type', "must be 'text', 'json_object' or 'json_schema'");
    }
    if (format.type === 'json_schema' && (!isObject(format.json_schema) || typeof format.json_schema?.name !== 'string')) {
      fail('response_format.json_schema', 'must be an object with a name and a schema');
    }
  }
  if (p.stream === undefined) return params as CompletionParams;
  const { stream: _stream, ...rest } = p;
  return rest as CompletionParams;
}

function validateMessage(message: unknown, at: string, fail: (field: string, problem: string) => never): void {
  if (!isObject(message)) fail(at, 'must be an object with a role');
  const m = message as Record<string, unknown>;
  if (!ROLES.has(m.role as string)) fail(`${at}.role`, "must be 'system', 'developer', 'user', 'assistant' or 'tool'");
  const content = m.content;
  if (m.role === 'assistant') {
    const hasToolCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    if ((content === undefined || content === null) && !hasToolCalls) fail(`${at}.content`, 'is required unless tool_calls are given');
    if (m.tool_calls !== undefined) {
      if (!Array.isArray(m.tool_calls)) fail(`${at}.tool_calls`, 'must be an array');
      (m.tool_calls as unknown[]).forEach((call, j) => {
        const c = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
        if (!isObject(call) || typeof c.id !== 'string' || typeof c.function?.name !== 'string' || typeof c.function?.arguments !== 'string') {
          fail(`${at}.tool_calls[${j}]`, 'must have an id, and a function with a name and string arguments');
        }
      });
    }
  } else if (content === undefined || content === null) {
    fail(`${at}.content`, 'is required');
  }
  if (m.role === 'tool' && (typeof m.tool_call_id !== 'string' || m.tool_call_id === '')) {
    fail(`${at}.tool_call_id`, 'is required for tool messages');
  }
  if (content === undefined || content === null || typeof content === 'string') return;
  if (!Array.isArray(content)) fail(`${at}.content`, 'must be a string or an array of content parts');
  (content as unknown[]).forEach((part, k) => {
    const where = `${at}.content[${k}]`;
    const p = part as { type?: unknown; text?: unknown; image_url?: { url?: unknown }; file?: unknown; input_audio?: unknown };
    if (!isObject(part) || !(typeof p.type === 'string' && p.type in PART_TYPES)) {
      fail(`${where}.type`, "must be 'text', 'image_url', 'file' or 'input_audio'");
    }
    if (p.type === 'text' && typeof p.text !== 'string') fail(`${where}.text`, 'must be a string');
    if (p.type === 'image_url' && (!isObject(p.image_url) || typeof p.image_url?.url !== 'string')) {
      fail(`${where}.image_url.url`, 'must be a URL or a data: URL');
    }
    if (p.type === 'file' && !isObject(p.file)) fail(`${where}.file`, 'must be an object with file_data or file_id');
    if (p.type === 'input_audio' && !isObject(p.input_audio)) fail(`${where}.input_audio`, 'must be an object with data and format');
    if (p.type !== 'text' && m.role !== 'user') fail(`${where}.type`, `'${String(p.type)}' parts are only allowed in user messages`);
  });
}
