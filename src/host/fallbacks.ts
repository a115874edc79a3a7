/**
 * Fallbacks: when a call still fails with a retryable error after its retries, the next
 * 'provider:model' is tried with the same params. This module checks the list and says which
 * errors move the chain on; `plugin-client.ts` runs it, on clients `AnyLLM` keeps per fallback provider.
 *
 * @module
 */
import { InvalidRequestError, UnsupportedParameterError } from '../errors.js';
import { isRetryable } from './retry.js';

/** One step of a chain: the 'provider:model' it names, split. */
export interface FallbackStep {
  provider: string;
  model: string;
  /** As the caller wrote it. */
  name: string;
}

/**
 * Checks the `fallbacks` call option: a list of 'provider:model' strings.
 *
 * @throws InvalidRequestError naming the bad entry.
 * @example
 * ```ts
 * checkFallbacks(['anthropic:claude-sonnet-4-5', 'openai:gpt-4o-mini']); // the split steps
 * ```
 */
export function checkFallbacks(value: unknown, provider?: string): FallbackStep[] {
  if (!Array.isArray(value)) throw new InvalidRequestError(`Call option 'fallbacks' must be an array of 'provider:model' strings.`, { provider });
  return value.map((entry, index) => {
    const at = typeof entry === 'string' ? entry.indexOf(':') : -1;
    if (at <= 0 || at === (entry as string).length - 1) {
      throw new InvalidRequestError(
        `Call option 'fallbacks[${index}]' must be 'provider:model', e.g. 'openai:gpt-4o-mini' (got ${JSON.stringify(entry)}).`,
        { provider },
      );
    }
    const name = entry as string;
    return { provider: name.slice(0, at), model: name.slice(at + 1), name };
  });
}

/** Whether a step's failure moves the chain on: a retryable error, or a parameter that provider cannot honour. */
export function movesOn(error: unknown): boolean {
  return isRetryable(error) || error instanceof UnsupportedParameterError;
}

