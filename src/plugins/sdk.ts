/**
 * Loads a provider SDK inside a plugin, with an error that names the package to install when it is
 * missing (every SDK is an optional peer dependency).
 *
 * @module
 */
import { ProviderError } from '../errors.js';

/**
 * Imports `pkg`, or throws a `ProviderError` (code `missing_sdk`) telling the user to install it.
 *
 * @example
 * ```ts
 * const { default: Anthropic } = await importSdk<typeof import('@anthropic-ai/sdk')>('@anthropic-ai/sdk', 'anthropic');
 * ```
 */
export async function importSdk<T>(pkg: string, provider: string, load: () => Promise<T> = () => import(pkg) as Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw missingSdkError(pkg, provider, error);
    throw error;
  }
}

/**
 * The error for a package a provider needs and nobody installed (code `missing_sdk`).
 *
 * @example
 * ```ts
 * throw missingSdkError('openai', 'groq', error); // "Provider 'groq' needs the package 'openai': install it with `npm install openai`."
 * ```
 */
export function missingSdkError(pkg: string, provider: string, cause?: unknown): ProviderError {
  return new ProviderError(`Provider '${provider}' needs the package '${pkg}': install it with \`npm install ${pkg}\`.`, {
    provider,
    code: 'missing_sdk',
    cause,
  });
}
