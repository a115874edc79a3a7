/**
 * Whether what a plugin answered has the shape the caller's types promise (OpenAI's), so that
 * `res.choices[0].message.content` cannot throw in the caller's code because an untrusted plugin
 * sent `choices: null`. Each check answers `undefined` when the value is well-shaped, else what is
 * wrong with it, as a path and the expected type (`choices[0].message must be an object (got
 * string)`). Values the plugin sent are never echoed: the text ends up in error messages.
 *
 * Called for every stream chunk, so the happy path allocates nothing: no closures, no arrays, no
 * strings until something is wrong. Unknown extra fields are allowed (providers add their own).
 *
 * @module
 */

/** What is wrong with a value, or `undefined` when nothing is. */
export type ShapeProblem = string | undefined;

const FINISH = 'finish_reason';

/** `null`, `array`, or the `typeof`: said in a problem, never the value itself. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** A whole number of tokens a sum can hold exactly (1e308 would make the host's totals Infinity). */
function isTokenCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isTextOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/** `undefined`, `null`, or a string: an optional text field such as `refusal`. */
function isOptionalText(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function wrong(path: string, expected: string, value: unknown): string {
  return `${path} must be ${expected} (got ${value === undefined ? 'nothing' : kind(value)})`;
}

/** For a field that must be one literal string: a wrong string is 'another string'. */
function wrongLiteral(path: string, literal: string, value: unknown): string {
  return typeof value === 'string' ? `${path} must be '${literal}' (got another string)` : wrong(path, `'${literal}'`, value);
}

/** The fields every completion and chunk has. */
function checkEnvelope(value: Record<string, unknown>, object: string): ShapeProblem {
  if (value.object !== object) return wrongLiteral('object', object, value.object);
  if (typeof value.id !== 'string') return wrong('id', 'a string', value.id);
  if (typeof value.created !== 'number' || !Number.isFinite(value.created)) return wrong('created', 'a number', value.created);
  if (typeof value.model !== 'string') return wrong('model', 'a string', value.model);
  if (!Array.isArray(value.choices)) return wrong('choices', 'an array', value.choices);
  return checkUsage(value.usage);
}

const USAGE_TOTALS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;
const PROMPT_DETAILS = ['cached_tokens', 'cache_write_tokens', 'audio_tokens'] as const;
const COMPLETION_DETAILS = ['reasoning_tokens', 'audio_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens'] as const;

/**
 * What is wrong with a `usage` object (undefined and null are fine: no usage).
 *
 * @example
 * ```ts
 * checkUsage({ prompt_tokens: -1, completion_tokens: 0, total_tokens: 0 }); // 'usage.prompt_tokens …'
 * ```
 */
export function checkUsage(usage: unknown): ShapeProblem {
  if (usage === undefined || usage === null) return undefined;
  if (!isRecord(usage)) return wrong('usage', 'an object or null', usage);
  for (let i = 0; i < USAGE_TOTALS.length; i++) {
    const name = USAGE_TOTALS[i];
    if (!isTokenCount(usage[name])) return wrong(`usage.${name}`, 'a number of tokens', usage[name]);
  }
  return (
    checkDetails(usage.prompt_tokens_details, 'usage.prompt_tokens_details', PROMPT_DETAILS) ??
    checkDetails(usage.completion_tokens_details, 'usage.completion_tokens_details', COMPLETION_DETAILS)
  );
}

function checkDetails(details: unknown, path: string, names: readonly string[]): ShapeProblem {
  if (details === undefined || details === null) return undefined;
  if (!isRecord(details)) return wrong(path, 'an object or null', details);
  for (let i = 0; i < names.length; i++) {
    const value = details[names[i]];
    if (value !== undefined && value !== null && !isTokenCount(value)) return wrong(`${path}.${names[i]}`, 'a number of tokens', value);
  }
  return undefined;
}

/** What every choice has besides its message or delta. */
function checkChoiceCommon(choice: Record<string, unknown>, path: string): ShapeProblem {
  if (!isCount(choice.index)) return wrong(`${path}.index`, 'a whole number', choice.index);
  if (!isTextOrNull(choice[FINISH])) return wrong(`${path}.${FINISH}`, 'a string or null', choice[FINISH]);
  const logprobs = choice.logprobs;
  if (logprobs === undefined || logprobs === null) return undefined;
  if (!isRecord(logprobs)) return wrong(`${path}.logprobs`, 'an object or null', logprobs);
  // Folded into the caller's final completion (accumulate.ts) and read as token lists.
  return checkTokenList(logprobs.content, `${path}.logprobs.content`) ?? checkTokenList(logprobs.refusal, `${path}.logprobs.refusal`);
}

/** A logprobs list: nothing, null, or an array of objects. */
function checkTokenList(list: unknown, path: string): ShapeProblem {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return wrong(path, 'an array or null', list);
  for (let i = 0; i < list.length; i++) if (!isRecord(list[i])) return wrong(`${path}[${i}]`, 'an object', list[i]);
  return undefined;
}

/** The optional fields messages and deltas share. */
function checkTextFields(message: Record<string, unknown>, path: string): ShapeProblem {
  if (!isOptionalText(message.refusal)) return wrong(`${path}.refusal`, 'a string or null', message.refusal);
  if (!isOptionalText(message.reasoning)) return wrong(`${path}.reasoning`, 'a string or null', message.reasoning);
  if (message.provider_data !== undefined && !isRecord(message.provider_data)) {
    return wrong(`${path}.provider_data`, 'an object', message.provider_data);
  }
  return undefined;
}

function checkToolCalls(calls: unknown, path: string): ShapeProblem {
  if (calls === undefined) return undefined;
  if (!Array.isArray(calls)) return wrong(path, 'an array', calls);
  for (let i = 0; i < calls.length; i++) {
    const call: unknown = calls[i];
    if (!isRecord(call)) return wrong(`${path}[${i}]`, 'an object', call);
    if (typeof call.id !== 'string') return wrong(`${path}[${i}].id`, 'a string', call.id);
    if (call.type !== 'function') return wrongLiteral(`${path}[${i}].type`, 'function', call.type);
    const fn = call.function;
    if (!isRecord(fn)) return wrong(`${path}[${i}].function`, 'an object', fn);
    if (typeof fn.name !== 'string') return wrong(`${path}[${i}].function.name`, 'a string', fn.name);
    if (typeof fn.arguments !== 'string') return wrong(`${path}[${i}].function.arguments`, 'a string', fn.arguments);
  }
  return undefined;
}

function checkToolCallDeltas(calls: unknown, path: string): ShapeProblem {
  if (calls === undefined) return undefined;
  if (!Array.isArray(calls)) return wrong(path, 'an array', calls);
  for (let i = 0; i < calls.length; i++) {
    const call: unknown = calls[i];
    if (!isRecord(call)) return wrong(`${path}[${i}]`, 'an object', call);
    if (!isCount(call.index)) return wrong(`${path}[${i}].index`, 'a whole number', call.index);
    if (call.id !== undefined && typeof call.id !== 'string') return wrong(`${path}[${i}].id`, 'a string', call.id);
    if (call.type !== undefined && call.type !== 'function') return wrongLiteral(`${path}[${i}].type`, 'function', call.type);
    const fn = call.function;
    if (fn === undefined) continue;
    if (!isRecord(fn)) return wrong(`${path}[${i}].function`, 'an object', fn);
    if (fn.name !== undefined && typeof fn.name !== 'string') return wrong(`${path}[${i}].function.name`, 'a string', fn.name);
    if (fn.arguments !== undefined && typeof fn.arguments !== 'string') {
      return wrong(`${path}[${i}].function.arguments`, 'a string', fn.arguments);
    }
  }
  return undefined;
}

/**
 * What is wrong with a non-streaming completion, or `undefined` when it is OpenAI-shaped.
 *
 * @example
 * ```ts
 * checkCompletion({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: null });
 * // 'choices must be an array (got null)'
 * ```
 */
export function checkCompletion(value: unknown): ShapeProblem {
  return checkChoices(value, 'the completion', 'chat.completion', checkMessage);
}

/**
 * What is wrong with one stream chunk, or `undefined` when it is OpenAI-shaped.
 *
 * @example
 * ```ts
 * checkChunk({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: 5, finish_reason: null }] });
 * // 'choices[0].delta must be an object (got number)'
 * ```
 */
export function checkChunk(value: unknown): ShapeProblem {
  return checkChoices(value, 'the chunk', 'chat.completion.chunk', checkDelta);
}

/** The envelope, then each choice: what every choice has, then its `message` or `delta` (`body`). */
function checkChoices(
  value: unknown,
  what: string,
  object: string,
  body: (choice: Record<string, unknown>, path: string) => ShapeProblem,
): ShapeProblem {
  if (!isRecord(value)) return wrong(what, 'an object', value);
  const problem = checkEnvelope(value, object);
  if (problem !== undefined) return problem;
  const choices = value.choices as unknown[];
  for (let i = 0; i < choices.length; i++) {
    const choice: unknown = choices[i];
    const path = `choices[${i}]`;
    if (!isRecord(choice)) return wrong(path, 'an object', choice);
    const wrongChoice = checkChoiceCommon(choice, path) ?? body(choice, path);
    if (wrongChoice !== undefined) return wrongChoice;
  }
  return undefined;
}

/** A completion choice's `message`. */
function checkMessage(choice: Record<string, unknown>, path: string): ShapeProblem {
  const message = choice.message;
  if (!isRecord(message)) return wrong(`${path}.message`, 'an object', message);
  if (message.role !== 'assistant') return wrongLiteral(`${path}.message.role`, 'assistant', message.role);
  if (!isTextOrNull(message.content)) return wrong(`${path}.message.content`, 'a string or null', message.content);
  return checkTextFields(message, `${path}.message`) ?? checkToolCalls(message.tool_calls, `${path}.message.tool_calls`);
}

/** A chunk choice's `delta`. */
function checkDelta(choice: Record<string, unknown>, path: string): ShapeProblem {
  const delta = choice.delta;
  if (!isRecord(delta)) return wrong(`${path}.delta`, 'an object', delta);
  if (delta.role !== undefined && delta.role !== 'assistant') return wrongLiteral(`${path}.delta.role`, 'assistant', delta.role);
  if (!isOptionalText(delta.content)) return wrong(`${path}.delta.content`, 'a string or null', delta.content);
  return checkTextFields(delta, `${path}.delta`) ?? checkToolCallDeltas(delta.tool_calls, `${path}.delta.tool_calls`);
}

/**
 * What is wrong with a batch of stream chunks (as `$/chunks` carries them), naming the chunk.
 *
 * @example
 * ```ts
 * checkChunks([goodChunk, { object: 'chat.completion.chunk' }]); // 'chunk 1: id must be a string (got nothing)'
 * ```
 */
export function checkChunks(batch: readonly unknown[]): ShapeProblem {
  for (let i = 0; i < batch.length; i++) {
    const problem = checkChunk(batch[i]);
    if (problem !== undefined) return `chunk ${i}: ${problem}`;
  }
  return undefined;
}

/**
 * What is wrong with a `listModels` result (`{ data: Model[] }`), or `undefined`.
 *
 * @example
 * ```ts
 * checkModels({ data: { id: 'm' } }); // 'data must be an array (got object)'
 * ```
 */
export function checkModels(value: unknown): ShapeProblem {
  if (!isRecord(value)) return wrong('the model list', 'an object', value);
  const data = value.data;
  if (!Array.isArray(data)) return wrong('data', 'an array', data);
  for (let i = 0; i < data.length; i++) {
    const model: unknown = data[i];
    if (!isRecord(model)) return wrong(`data[${i}]`, 'an object', model);
    if (typeof model.id !== 'string') return wrong(`data[${i}].id`, 'a string', model.id);
    if (model.object !== 'model') return wrongLiteral(`data[${i}].object`, 'model', model.object);
    if (typeof model.created !== 'number' || !Number.isFinite(model.created)) return wrong(`data[${i}].created`, 'a number', model.created);
    if (typeof model.owned_by !== 'string') return wrong(`data[${i}].owned_by`, 'a string', model.owned_by);
  }
  return undefined;
}

/**
 * What is wrong with an `embedding` result (OpenAI's `CreateEmbeddingResponse`), or `undefined`.
 * Each vector is an array of finite numbers, or base64 text (`encoding_format: 'base64'`); `index`
 * is the vector's position, so vectors come in input order.
 *
 * @example
 * ```ts
 * checkEmbeddings({ object: 'list', model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 }, data: [{ object: 'embedding', index: 0, embedding: [0.1, 'x'] }] });
 * // 'data[0].embedding[1] must be a finite number (got string)'
 * ```
 */
export function checkEmbeddings(value: unknown): ShapeProblem {
  if (!isRecord(value)) return wrong('the embedding list', 'an object', value);
  if (value.object !== 'list') return wrongLiteral('object', 'list', value.object);
  if (typeof value.model !== 'string') return wrong('model', 'a string', value.model);
  const usage = value.usage;
  if (!isRecord(usage)) return wrong('usage', 'an object', usage);
  if (!isTokenCount(usage.prompt_tokens)) return wrong('usage.prompt_tokens', 'a number of tokens', usage.prompt_tokens);
  if (!isTokenCount(usage.total_tokens)) return wrong('usage.total_tokens', 'a number of tokens', usage.total_tokens);
  const data = value.data;
  if (!Array.isArray(data)) return wrong('data', 'an array', data);
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i];
    if (!isRecord(item)) return wrong(`data[${i}]`, 'an object', item);
    if (item.object !== 'embedding') return wrongLiteral(`data[${i}].object`, 'embedding', item.object);
    if (item.index !== i) return isCount(item.index) ? `data[${i}].index must be ${i} (got another number)` : wrong(`data[${i}].index`, 'a whole number', item.index);
    const vector = item.embedding;
    if (typeof vector === 'string') continue;
    if (!Array.isArray(vector)) return wrong(`data[${i}].embedding`, 'an array of numbers or base64 text', vector);
    for (let j = 0; j < vector.length; j++) {
      const x: unknown = vector[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) return wrong(`data[${i}].embedding[${j}]`, 'a finite number', x);
    }
  }
  return undefined;
}

/**
 * What is wrong with a handshake answer (`llm.start()` hands it to the caller), or `undefined`.
 *
 * @example
 * ```ts
 * checkInitialize({ protocolVersion: 1, provider: 'acme', capabilities: { streaming: 'yes' } });
 * // 'capabilities.streaming must be true or false (got string)'
 * ```
 */
export function checkInitialize(value: unknown): ShapeProblem {
  if (!isRecord(value)) return wrong('the handshake answer', 'an object', value);
  if (typeof value.protocolVersion !== 'number') return wrong('protocolVersion', 'a number', value.protocolVersion);
  if (typeof value.provider !== 'string') return wrong('provider', 'a string', value.provider);
  const capabilities = value.capabilities;
  if (!isRecord(capabilities)) return wrong('capabilities', 'an object', capabilities);
  for (const name in capabilities) {
    if (!Object.hasOwn(capabilities, name)) continue;
    const flag = capabilities[name];
    if (flag !== undefined && typeof flag !== 'boolean') return wrong(`capabilities.${safeName(name)}`, 'true or false', flag);
  }
  return undefined;
}

/** A key the plugin chose, shown only when it is a plain identifier. */
function safeName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(name) ? name : '<a key>';
}
