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
  reasoning_effort: [(v) => ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].includes(v as string), "one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'"],
  stop: [(v) => isString(v) || (Array.isArray(v) && v.every(isString)), 'a string or an array of strings'],
  logit_bias: [(v) => isObject(v) && Object.values(v as object).every(isNumber), 'an object of token ids to numbers'],
  stream_options: [isObject, 'an object'],
};

/** Checked on every call: the table's entries once, not an array of pairs per call. */
const SCALAR_CHECKS = Object.entries(SCALARS);
const STREAM_OPTION_FLAGS = ['include_usage', 'include_obfuscation'] as const;

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const PART_TYPES = new Set(['text', 'image_url', 'file', 'input_audio', 'refusal']);
const IMAGE_DETAILS = new Set(['auto', 'low', 'high', 'original']);
const TOOL_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

type Fail = (field: string, problem: string) => never;

/** A function tool (`function.name`, `parameters` a JSON Schema object) or a custom tool (`custom.name`, `format`). */
/** Anthropic's `cache_control` (types.ts `CacheControl`), when set. */
function validateCacheControl(mark: unknown, at: string, fail: Fail): void {
  if (mark === undefined) return;
  const m = mark as { type?: unknown; ttl?: unknown };
  if (!isObject(mark) || m.type !== 'ephemeral' || ![undefined, '5m', '1h'].includes(m.ttl as string)) {
    fail(at, "must be { type: 'ephemeral', ttl?: '5m' | '1h' }");
  }
}

function validateTool(tool: unknown, at: string, fail: Fail): void {
  const t = tool as { type?: unknown; function?: { name?: unknown; parameters?: unknown }; custom?: { name?: unknown; format?: unknown }; cache_control?: unknown };
  if (!isObject(tool) || (t.type !== 'function' && t.type !== 'custom')) fail(`${at}.type`, "must be 'function' or 'custom'");
  validateCacheControl(t.cache_control, `${at}.cache_control`, fail);
  const body = t.type === 'function' ? t.function : t.custom;
  const key = String(t.type);
  if (!isObject(body) || typeof body?.name !== 'string' || !TOOL_NAME.test(body.name)) {
    fail(`${at}.${key}.name`, 'must be a name of letters, digits, _ . or -');
  }
  if (t.type === 'function' && t.function?.parameters !== undefined && !isObject(t.function.parameters)) {
    fail(`${at}.function.parameters`, 'must be a JSON Schema object');
  }
  const format = t.custom?.format as { type?: unknown; grammar?: { definition?: unknown; syntax?: unknown } } | undefined;
  if (t.type !== 'custom' || format === undefined) return;
  const grammar = format.grammar;
  const validGrammar = isObject(grammar) && typeof grammar?.definition === 'string' && ['lark', 'regex'].includes(grammar.syntax as string);
  if (!isObject(format) || !(format.type === 'text' || (format.type === 'grammar' && validGrammar))) {
    fail(`${at}.custom.format`, "must be { type: 'text' } or { type: 'grammar', grammar: { definition, syntax: 'lark' | 'regex' } }");
  }
}

type ToolNames = Record<'function' | 'custom', Set<unknown>>;

/**
 * The names of the function and of the custom tools in `tools`, in one pass, made once per call:
 * made again for every reference, an `allowed_tools` list as long as `tools` was quadratic.
 */
function toolNames(tools: unknown[] | undefined): ToolNames {
  const names: ToolNames = { function: new Set(), custom: new Set() };
  for (const tool of tools ?? []) {
    const t = tool as { type?: unknown; function?: { name?: unknown }; custom?: { name?: unknown } };
    if (t.type === 'function') names.function.add(t.function?.name);
    else if (t.type === 'custom') names.custom.add(t.custom?.name);
  }
  return names;
}

/** A tool reference (`{ type: 'function', function: { name } }` or the custom form) naming a tool in `tools`. */
function validateToolReference(ref: unknown, at: string, tools: ToolNames, fail: Fail): void {
  const r = ref as { type?: unknown; function?: { name?: unknown }; custom?: { name?: unknown } };
  const kind = r?.type === 'function' || r?.type === 'custom' ? r.type : undefined;
  const name = kind === 'function' ? r.function?.name : kind === 'custom' ? r.custom?.name : undefined;
  if (!isObject(ref) || kind === undefined || typeof name !== 'string') {
    fail(at, "must be { type: 'function', function: { name } } or { type: 'custom', custom: { name } }");
  }
  if (!tools[kind as 'function' | 'custom'].has(name)) fail(at, `names the ${String(kind)} tool '${String(name)}', which is not in 'tools'`);
}

function validateToolChoice(choice: unknown, tools: unknown[] | undefined, fail: Fail): void {
  if (choice === 'auto' || choice === 'none') return;
  if (choice === 'required') {
    if (!(Array.isArray(tools) && tools.length > 0)) fail('tool_choice', "is 'required', but 'tools' is empty");
    return;
  }
  const c = choice as { type?: unknown; allowed_tools?: { mode?: unknown; tools?: unknown } };
  if (!isObject(choice) || !['function', 'custom', 'allowed_tools'].includes(c.type as string)) {
    fail('tool_choice', "must be 'auto', 'none', 'required', { type: 'function', function: { name } }, { type: 'custom', custom: { name } } or { type: 'allowed_tools', allowed_tools }");
  }
  const names = toolNames(tools);
  if (c.type !== 'allowed_tools') return validateToolReference(choice, 'tool_choice', names, fail);
  const allowed = c.allowed_tools;
  if (!isObject(allowed) || !['auto', 'required'].includes(allowed?.mode as string)) {
    fail('tool_choice.allowed_tools.mode', "must be 'auto' or 'required'");
  }
  if (!Array.isArray(allowed?.tools) || allowed.tools.length === 0) fail('tool_choice.allowed_tools.tools', 'must be a non-empty array of tool references');
  (allowed?.tools as unknown[]).forEach((ref, i) => validateToolReference(ref, `tool_choice.allowed_tools.tools[${i}]`, names, fail));
}

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
  for (let i = 0; i < p.messages.length; i++) validateMessage(p.messages[i], `messages[${i}]`, fail);

  for (const [field, [check, expected]] of SCALAR_CHECKS) {
    const value = p[field];
    if (value !== undefined && value !== null && !check(value)) fail(field, `must be ${expected}`);
  }
  const options = (isObject(p.stream_options) ? p.stream_options : {}) as Record<string, unknown>;
  for (const key of STREAM_OPTION_FLAGS) {
    if (options[key] !== undefined && !isBoolean(options[key])) fail(`stream_options.${key}`, 'must be a boolean');
  }
  // openai-node's non-streaming params may say `stream: null` or `false`; the method decides.
  if (p.stream !== undefined && p.stream !== null && p.stream !== mode.stream) {
    fail('stream', mode.stream ? 'must be left out in completionStream()' : 'is chosen by the method: call completionStream() to stream');
  }
  validateCacheControl(p.cache_control, 'cache_control', fail);
  if (p.tools !== undefined) {
    if (!Array.isArray(p.tools)) fail('tools', 'must be an array');
    (p.tools as unknown[]).forEach((tool, i) => validateTool(tool, `tools[${i}]`, fail));
  }
  if (p.tool_choice !== undefined && p.tool_choice !== null) validateToolChoice(p.tool_choice, p.tools as unknown[] | undefined, fail);
  if (p.response_format !== undefined && p.response_format !== null) {
    const format = p.response_format as { type?: unknown; json_schema?: { name?: unknown } };
    if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(format.type as string)) {
      fail('response_format.type', "must be 'text', 'json_object' or 'json_schema'");
    }
    if (format.type === 'json_schema' && (!isObject(format.json_schema) || typeof format.json_schema?.name !== 'string')) {
      fail('response_format.json_schema', 'must be an object with a name and a schema');
    }
    const schema = (format.json_schema as { schema?: unknown } | undefined)?.schema;
    if (format.type === 'json_schema' && schema !== undefined && !isObject(schema)) {
      fail('response_format.json_schema.schema', 'must be a JSON Schema object');
    }
  }
  if (!('stream' in p)) return params as CompletionParams;
  const { stream: _stream, ...rest } = p;
  return rest as CompletionParams;
}

function validateMessage(message: unknown, at: string, fail: Fail): void {
  if (!isObject(message)) fail(at, 'must be an object with a role');
  const m = message as Record<string, unknown>;
  if (!ROLES.has(m.role as string)) fail(`${at}.role`, "must be 'system', 'developer', 'user', 'assistant', 'tool' or 'function'");
  const content = m.content;
  if (m.role === 'assistant') validateAssistant(m, at, fail);
  else if (m.role === 'function') {
    if (typeof m.name !== 'string' || m.name === '') fail(`${at}.name`, 'is required for function messages');
    if (content !== null && !isString(content)) fail(`${at}.content`, 'must be a string or null');
    return;
  } else if (content === undefined || content === null) {
    fail(`${at}.content`, 'is required');
  }
  if (m.role === 'tool' && (typeof m.tool_call_id !== 'string' || m.tool_call_id === '')) {
    fail(`${at}.tool_call_id`, 'is required for tool messages');
  }
  if (content === undefined || content === null || typeof content === 'string') return;
  if (!Array.isArray(content)) fail(`${at}.content`, 'must be a string or an array of content parts');
  (content as unknown[]).forEach((part, k) => validatePart(part, m.role as string, `${at}.content[${k}]`, fail));
}

function validateAssistant(m: Record<string, unknown>, at: string, fail: Fail): void {
  const given = (value: unknown): boolean => value !== undefined && value !== null;
  const hasToolCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
  // openai-node's result message for a refusal has `content: null` and the refusal text.
  if (!given(m.content) && !hasToolCalls && !isString(m.refusal) && !given(m.function_call) && !given(m.audio)) {
    fail(`${at}.content`, 'is required unless tool_calls (or a refusal) are given');
  }
  if (given(m.refusal) && !isString(m.refusal)) fail(`${at}.refusal`, 'must be a string or null');
  if (given(m.audio) && !(isObject(m.audio) && isString((m.audio as { id?: unknown }).id))) fail(`${at}.audio`, 'must be { id } or null');
  const fn = m.function_call as { name?: unknown; arguments?: unknown } | null | undefined;
  if (given(fn) && !(isObject(fn) && isString(fn?.name) && isString(fn?.arguments))) {
    fail(`${at}.function_call`, 'must have a name and string arguments');
  }
  if (m.tool_calls === undefined) return;
  if (!Array.isArray(m.tool_calls)) fail(`${at}.tool_calls`, 'must be an array');
  (m.tool_calls as unknown[]).forEach((call, j) => {
    const c = call as { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown }; custom?: { name?: unknown; input?: unknown } };
    const validFunction = c?.type !== 'custom' && typeof c?.function?.name === 'string' && typeof c.function.arguments === 'string';
    const validCustom = c?.type === 'custom' && typeof c.custom?.name === 'string' && typeof c.custom.input === 'string';
    if (!isObject(call) || typeof c.id !== 'string' || !(validFunction || validCustom)) {
      fail(`${at}.tool_calls[${j}]`, 'must have an id, and a function with a name and string arguments (or a custom tool with a name and string input)');
    }
  });
}

function validatePart(part: unknown, role: string, where: string, fail: Fail): void {
  const p = part as { type?: unknown; text?: unknown; refusal?: unknown; image_url?: { url?: unknown; detail?: unknown }; file?: unknown; input_audio?: unknown; prompt_cache_breakpoint?: unknown };
  if (!isObject(part) || !(typeof p.type === 'string' && PART_TYPES.has(p.type))) {
    fail(`${where}.type`, "must be 'text', 'image_url', 'file', 'input_audio' or 'refusal'");
  }
  if (p.type === 'text' && typeof p.text !== 'string') fail(`${where}.text`, 'must be a string');
  if (p.type === 'refusal' && typeof p.refusal !== 'string') fail(`${where}.refusal`, 'must be a string');
  if (p.type === 'image_url' && (!isObject(p.image_url) || typeof p.image_url?.url !== 'string')) {
    fail(`${where}.image_url.url`, 'must be a URL or a data: URL');
  }
  if (p.type === 'image_url' && p.image_url?.detail !== undefined && !IMAGE_DETAILS.has(p.image_url.detail as string)) {
    fail(`${where}.image_url.detail`, "must be 'auto', 'low', 'high' or 'original'");
  }
  if (p.type === 'file' && !isObject(p.file)) fail(`${where}.file`, 'must be an object with file_data or file_id');
  if (p.type === 'input_audio' && !isObject(p.input_audio)) fail(`${where}.input_audio`, 'must be an object with data and format');
  validateCacheControl((part as { cache_control?: unknown }).cache_control, `${where}.cache_control`, fail);
  const breakpoint = p.prompt_cache_breakpoint as { mode?: unknown; ttl?: unknown } | undefined;
  if (breakpoint !== undefined && !(isObject(breakpoint) && breakpoint.mode === 'explicit' && [undefined, '30m', '12h'].includes(breakpoint.ttl as string))) {
    fail(`${where}.prompt_cache_breakpoint`, "must be { mode: 'explicit', ttl?: '30m' | '12h' }");
  }
  if (p.type === 'refusal' && role !== 'assistant') fail(`${where}.type`, "'refusal' parts are only allowed in assistant messages");
  if (p.type !== 'text' && p.type !== 'refusal' && role !== 'user') fail(`${where}.type`, `'${String(p.type)}' parts are only allowed in user messages`);
}
