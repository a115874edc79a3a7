/**
 * Bedrock's errors: an HTTP error answer (`{ "message" }` with the type in `x-amzn-ErrorType`), or
 * an exception message in the middle of a ConverseStream (`:exception-type`), mapped to AnyLLM's
 * classes by status, the status each exception type stands for, and the message.
 *
 * @module
 */
import { ContextLengthExceededError, ModelNotFoundError, mapSdkError } from '../../src/plugins/index.js';

/** The HTTP status each Bedrock exception type is sent with. */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  validationexception: 400,
  accessdeniedexception: 403,
  unrecognizedclientexception: 403,
  expiredtokenexception: 403,
  resourcenotfoundexception: 404,
  modelnotreadyexception: 429,
  throttlingexception: 429,
  servicequotaexceededexception: 429,
  modeltimeoutexception: 408,
  modelerrorexception: 424,
  modelstreamerrorexception: 424,
  internalserverexception: 500,
  serviceunavailableexception: 503,
};

/**
 * An AnyLLM error for a Bedrock error of `type` with `message`, and the HTTP status if there was one.
 *
 * @example
 * ```ts
 * bedrockError('ThrottlingException', 'Too many requests', 'bedrock'); // RateLimitError
 * ```
 */
export function bedrockError(type: string | undefined, message: string, provider: string, status?: number, headers?: Headers): Error {
  const key = (type ?? '').split(':')[0].toLowerCase();
  const code = type?.split(':')[0];
  const resolved = status ?? STATUS_BY_TYPE[key] ?? 500;
  if (resolved === 400 && /too long|context (length|window)|max(imum)? (input|context)|input is too long/i.test(message)) {
    return new ContextLengthExceededError(message, { provider, status: resolved, code });
  }
  if ((resolved === 400 || resolved === 404) && /model identifier is invalid|model.*(not found|does not exist)/i.test(message)) {
    return new ModelNotFoundError(message, { provider, status: resolved, code });
  }
  return mapSdkError({ status: resolved, message, code, headers }, provider, { status: resolved, message });
}
