/**
 * any-llm's environment variable names, read as aliases where anyllm's own differ (`OLLAMA_HOST`,
 * `MISTRAL_API_BASE`, `GOOGLE_API_KEY` for Gemini ...), so an any-llm user's environment carries
 * over. The manifest lists them (`envAliases`); anyllm's own variable always wins.
 *
 * Base-URL aliases often hold what another SDK takes: a bare host (`OLLAMA_HOST=localhost:11434`,
 * LM Studio's `localhost:1234`) or an origin without the API path (`https://api.mistral.ai`). Such a
 * value borrows the missing scheme, port and path from the provider's default base URL.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { PluginManifest } from './manifest.js';

/** Reads one variable: its value, or `undefined` when unset, empty or not granted. */
export type EnvReader = (name: string) => string | undefined;

/**
 * The API key from the first alias that is set, and its name.
 *
 * @example
 * ```ts
 * aliasApiKey(geminiManifest, (name) => process.env[name]); // { name: 'GOOGLE_API_KEY', value: '...' }
 * ```
 */
export function aliasApiKey(manifest: PluginManifest, read: EnvReader): { name: string; value: string } | undefined {
  for (const name of manifest.envAliases?.apiKey ?? []) {
    const value = read(name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/**
 * The base URL from the first alias that is set, completed from the default base URL.
 *
 * @throws InvalidRequestError naming the variable when its value is not a URL or host.
 * @example
 * ```ts
 * aliasBaseUrl(ollamaManifest, () => 'localhost:11434'); // 'http://localhost:11434/v1'
 * ```
 */
export function aliasBaseUrl(manifest: PluginManifest, read: EnvReader): string | undefined {
  for (const name of manifest.envAliases?.baseUrl ?? []) {
    const value = read(name);
    if (value === undefined) continue;
    const url = completeBaseUrl(value.trim(), manifest.defaultBaseUrl);
    if (url === undefined) {
      throw new InvalidRequestError(
        `The ${name} environment variable (${JSON.stringify(value.slice(0, 200))}) is not a URL or host[:port] for provider '${manifest.provider}'.`,
        { provider: manifest.provider, code: 'invalid_option' },
      );
    }
    return url;
  }
  return undefined;
}

/**
 * `value` as a full base URL: a bare `host[:port]` gets the default's scheme and port, and a URL
 * with no path gets the default's path. Anything with a path is taken as given.
 *
 * @example
 * ```ts
 * completeBaseUrl('https://api.mistral.ai', 'https://api.mistral.ai/v1'); // 'https://api.mistral.ai/v1'
 * completeBaseUrl('0.0.0.0', 'http://localhost:11434/v1');                 // 'http://0.0.0.0:11434/v1'
 * ```
 */
export function completeBaseUrl(value: string, defaultBaseUrl: string | undefined): string | undefined {
  const fallback = defaultBaseUrl !== undefined && URL.canParse(defaultBaseUrl) ? new URL(defaultBaseUrl) : undefined;
  const bare = !/^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  const text = bare ? `${fallback?.protocol ?? 'http:'}//${value}` : value;
  if (value === '' || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (bare && url.port === '' && fallback && fallback.protocol === url.protocol) url.port = fallback.port;
  if ((url.pathname === '/' || url.pathname === '') && !url.search && fallback && fallback.pathname !== '/') {
    url.pathname = fallback.pathname;
  }
  // `new URL` adds a '/' to a bare origin; keep the value as the user would write it.
  return url.pathname === '/' && !value.endsWith('/') ? url.origin : url.href;
}
