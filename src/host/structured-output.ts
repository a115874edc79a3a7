/**
 * Structured output in the host: a schema `response_format` (zod 4.2+, arktype, valibot through
 * `@valibot/to-json-schema`: anything with Standard Schema's `validate` and Standard JSON Schema's
 * `jsonSchema`) becomes OpenAI's `json_schema` format before the request leaves the host, so a
 * schema object never crosses into a plugin; the reply is parsed and validated here and returned
 * as `message.parsed`.
 *
 * @module
 */
import { InvalidRequestError, StructuredOutputError, type StructuredOutputFailure } from '../errors.js';
import type {
  ChatCompletion,
  ChatCompletionChoice,
  CompletionParams,
  ParsedChatCompletion,
  ParsedChatCompletionMessage,
  StandardSchemaIssue,
  StandardSchemaResult,
  StructuredOutputSchema,
} from '../types.js';

/** The JSON Schema draft asked of a schema library (Standard JSON Schema's `target`). */
const TARGET = 'draft-2020-12';
/** The name OpenAI's `json_schema` format requires when the caller gave a bare schema. */
const DEFAULT_NAME = 'response';
/** How much of a bad reply an error message quotes (the whole text is on the error). */
const QUOTE_CHARS = 200;

/** True for an object with Standard Schema's `~standard` property (a schema, not a JSON Schema). */
export function isStandardSchema(value: unknown): value is StructuredOutputSchema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null;
}

/** A request with its schema turned into JSON Schema, and how to parse its reply. */
export interface PreparedRequest<T> {
  params: CompletionParams;
  /** Parses and validates every choice into `message.parsed`; `undefined` without a schema. */
  parse?: (completion: ChatCompletion) => Promise<ParsedChatCompletion<T>>;
}

/**
 * Swaps a schema `response_format` for `{ type: 'json_schema', json_schema: { name, schema, strict } }`.
 * Anything else is returned as given (openai's `zodResponseFormat()` is already that shape).
 *
 * @throws InvalidRequestError for a schema that cannot validate or cannot give a JSON Schema.
 * @example
 * ```ts
 * const { params: wire, parse } = prepareStructuredOutput({ model, messages, response_format: z.object({ city: z.string() }) });
 * const parsed = await parse!(await send(wire));
 * ```
 */
export function prepareStructuredOutput<T = unknown>(params: CompletionParams, provider?: string): PreparedRequest<T> {
  const format: unknown = params?.response_format;
  if (typeof format !== 'object' || format === null) return { params };
  const wrapped = (format as { type?: unknown }).type === 'json_schema' ? (format as { json_schema?: { schema?: unknown } }).json_schema : undefined;
  const schema = isStandardSchema(format) ? format : isStandardSchema(wrapped?.schema) ? wrapped.schema : undefined;
  if (schema === undefined) return { params };
  const options = (schema === format ? {} : wrapped) as { name?: unknown; description?: unknown; strict?: unknown };
  const strict = options.strict === undefined || options.strict === null ? true : options.strict;
  if (typeof strict !== 'boolean') fail(provider, "'response_format.json_schema.strict' must be a boolean");
  const jsonSchema = toJsonSchema(schema, strict as boolean, provider);
  const json_schema: { name: string; schema: Record<string, unknown>; strict: boolean; description?: string } = {
    name: options.name === undefined ? DEFAULT_NAME : (options.name as string),
    schema: jsonSchema,
    strict: strict as boolean,
  };
  if (options.description !== undefined) json_schema.description = options.description as string;
  return {
    params: { ...params, response_format: { type: 'json_schema', json_schema } },
    parse: (completion) => parseCompletion<T>(completion, schema as StructuredOutputSchema<T>, provider),
  };
}

function fail(provider: string | undefined, problem: string, cause?: unknown): never {
  throw new InvalidRequestError(`Invalid request: ${problem}.`, { provider, code: 'invalid_request', cause });
}

/** The schema's JSON Schema for what the model must write (the schema's input, before transforms). */
function toJsonSchema(schema: StructuredOutputSchema, strict: boolean, provider: string | undefined): Record<string, unknown> {
  const props = schema['~standard'] as Partial<StructuredOutputSchema['~standard']>;
  const vendor = typeof props.vendor === 'string' ? props.vendor : 'unknown';
  if (typeof props.validate !== 'function') {
    fail(provider, `'response_format' is a ${vendor} object without Standard Schema's '~standard.validate', so its reply cannot be checked`);
  }
  if (typeof props.jsonSchema?.input !== 'function') {
    const hint =
      vendor === 'valibot'
        ? "wrap it with toStandardJsonSchema() from '@valibot/to-json-schema'"
        : vendor === 'zod'
          ? 'zod 4.2 or newer has one (zod/mini does not: use zod)'
          : 'pass a schema that implements Standard JSON Schema (standardschema.dev), or a { type: "json_schema" } format';
    fail(provider, `'response_format' is a ${vendor} schema without a JSON Schema converter ('~standard.jsonSchema'): ${hint}`);
  }
  let converted: unknown;
  try {
    converted = props.jsonSchema!.input({ target: TARGET });
  } catch (error) {
    fail(provider, `'response_format' (a ${vendor} schema) cannot be written as JSON Schema: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (typeof converted !== 'object' || converted === null || Array.isArray(converted)) {
    fail(provider, `'response_format' (a ${vendor} schema) gave no JSON Schema object`);
  }
  const { $schema: _draft, ...rest } = converted as Record<string, unknown>;
  return (strict ? closeObjects(rest) : rest) as Record<string, unknown>;
}

/** Keywords whose values are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['const', 'default', 'enum', 'examples']);

/**
 * Adds `additionalProperties: false` to every object schema that does not say: OpenAI's strict
 * mode requires it, and a schema library's *input* schema leaves it out (unknown keys are stripped
 * on parse). An object that allows extra keys (`additionalProperties` given) is left as it is.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = DATA_KEYWORDS.has(key) ? value : closeObjects(value);
  const type = out.type;
  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (isObject && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/** Parses and validates each choice's reply into `message.parsed`. */
async function parseCompletion<T>(completion: ChatCompletion, schema: StructuredOutputSchema<T>, provider: string | undefined): Promise<ParsedChatCompletion<T>> {
  for (const choice of completion.choices) {
    const parsed = await parseChoice(choice, schema, completion, provider);
    (choice.message as ParsedChatCompletionMessage<T>).parsed = parsed;
  }
  return completion as ParsedChatCompletion<T>;
}

async function parseChoice<T>(choice: ChatCompletionChoice, schema: StructuredOutputSchema<T>, completion: ChatCompletion, provider: string | undefined): Promise<T | null> {
  const { message, finish_reason: finishReason, index } = choice;
  const text = message.content;
  const refuse = (code: StructuredOutputFailure, why: string, extra: { issues?: readonly StandardSchemaIssue[]; cause?: unknown } = {}): never => {
    const quoted = text === null ? '' : ` Reply: ${quote(text)}`;
    throw new StructuredOutputError(`The reply does not fit the response_format schema: ${why}.${quoted}`, {
      provider,
      code,
      text,
      finishReason,
      refusal: message.refusal,
      choiceIndex: index,
      completion,
      ...extra,
    });
  };
  if (finishReason === 'length') refuse('length', "it was cut off at the token limit (finish_reason 'length'); raise max_tokens");
  if (finishReason === 'content_filter') refuse('content_filter', "the provider's content filter stopped it (finish_reason 'content_filter')");
  if (typeof message.refusal === 'string' && message.refusal !== '') refuse('refusal', `the model refused: ${quote(message.refusal)}`);
  // A model answering with tool calls has not written the reply yet: `parsed` is null, as in openai-node.
  if ((text === null || text === '') && (finishReason === 'tool_calls' || (message.tool_calls?.length ?? 0) > 0)) return null;
  if (text === null || text.trim() === '') refuse('invalid_json', 'it is empty');
  let value: unknown;
  try {
    value = JSON.parse(text as string);
  } catch (error) {
    refuse('invalid_json', `it is not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const result: StandardSchemaResult<T> = await schema['~standard'].validate(value);
  if (result.issues) refuse('schema_mismatch', describeIssues(result.issues), { issues: result.issues });
  return (result as { value: T }).value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text);
}

/** The first issues as `path: message`, for the error's message (all of them are on `issues`). */
function describeIssues(issues: readonly StandardSchemaIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`;
}
