/**
 * The SDK client options a built-in provider takes, so a misspelt one (`maxRetires`) fails at
 * `AnyLLM.create` with the closest known name instead of being ignored by the SDK. The host cannot
 * know every SDK's options: it checks only where the list is known here (the built-ins, by the SDK
 * their manifest names); a community plugin's options pass unchecked.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import type { RegisteredPlugin } from './registry.js';

/** openai-node's `ClientOptions` that are plain data (what can cross to a plugin). */
const OPENAI = ['organization', 'project', 'webhookSecret', 'timeout', 'maxRetries', 'defaultHeaders', 'defaultQuery', 'fetchOptions', 'dangerouslyAllowBrowser'];

/** By the SDK a built-in's manifest names; Azure's client takes its own on top of openai's. */
/** `@anthropic-ai/sdk`'s `ClientOptions` that are plain data. */
const ANTHROPIC = ['authToken', 'timeout', 'maxRetries', 'defaultHeaders', 'defaultQuery', 'fetchOptions', 'dangerouslyAllowBrowser'];

const KNOWN: Readonly<Record<string, readonly string[]>> = {
  openai: OPENAI,
  '@anthropic-ai/sdk': ANTHROPIC,
};
// Not gemini: its plugin refuses any other option itself (UnsupportedParameterError naming the four it takes).
const BY_PROVIDER: Readonly<Record<string, readonly string[]>> = {
  azureopenai: [...OPENAI, 'apiVersion', 'deployment', 'endpoint'],
  azure: [...OPENAI, 'apiVersion'],
  azureanthropic: [...ANTHROPIC, 'resource'],
  // Its plugin calls Cohere's API with fetch: these are all it reads.
  cohere: ['maxRetries', 'defaultHeaders', 'embeddingInputType'],
  // The token comes from the host's Google credentials, never an option.
  vertexaianthropic: [...ANTHROPIC.filter((name) => name !== 'authToken'), 'project', 'location'],
};

/**
 * The client options `plugin` is known to take, or `undefined` when they are not known.
 *
 * @example
 * ```ts
 * knownClientOptions(lookupProvider('openai'))?.includes('maxRetries'); // true
 * ```
 */
export function knownClientOptions(plugin: RegisteredPlugin): readonly string[] | undefined {
  if (!plugin.builtin) return undefined;
  const provider = plugin.manifest.provider;
  if (Object.hasOwn(BY_PROVIDER, provider)) return BY_PROVIDER[provider];
  const sdk = plugin.manifest.sdk;
  return sdk !== undefined && Object.hasOwn(KNOWN, sdk) ? KNOWN[sdk] : undefined;
}

/**
 * Throws `InvalidRequestError` for a client option `plugin` is known not to take, naming the
 * closest known one.
 *
 * @example
 * ```ts
 * checkClientOptions(lookupProvider('openai'), ['maxRetires']); // "... did you mean 'maxRetries'?"
 * ```
 */
export function checkClientOptions(plugin: RegisteredPlugin, names: readonly string[], hostOptions: readonly string[]): void {
  const known = knownClientOptions(plugin);
  if (!known) return;
  for (const name of names) {
    if (known.includes(name)) continue;
    const closest = closestName(name, [...known, ...hostOptions]);
    const hint = closest ? ` Did you mean '${closest}'?` : ` It takes ${known.join(', ')}, besides anyllm's own options.`;
    throw new InvalidRequestError(`Option '${name}' is not an option of provider '${plugin.manifest.provider}'.${hint}`, {
      provider: plugin.manifest.provider,
      code: 'unknown_option',
    });
  }
}

/** The candidate within a third of the name's length in edits (case ignored), if any. */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
