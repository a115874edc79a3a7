/**
 * What anyllm needs from the JavaScript runtime, and a plain sentence when this one falls short.
 * Kept free of imports and of newer syntax, so it parses and runs on the old runtimes it turns away.
 *
 * @module
 */

/** The oldest Node.js major version anyllm supports (`engines` in package.json says the same). */
export const MIN_NODE_MAJOR = 22;

/** Built-ins anyllm calls that a runtime claiming a recent enough version could still lack (embedded Node, Electron). */
const REQUIRED_FEATURES: readonly (readonly [string, () => boolean])[] = [
  ['Promise.withResolvers', () => typeof (Promise as { withResolvers?: unknown }).withResolvers === 'function'],
  ['structuredClone', () => typeof globalThis.structuredClone === 'function'],
];

/**
 * Why this runtime cannot run anyllm, or `undefined` when it can. Names the version needed and the
 * one found.
 *
 * @example
 * ```ts
 * const problem = unsupportedRuntime(); // on Node 20: "anyllm needs Node.js 22 or newer; this is Node.js v20.20.2."
 * if (problem) throw new Error(problem);
 * ```
 */
export function unsupportedRuntime(
  version: string = globalThis.process?.versions?.node ?? 'unknown',
  has: (feature: string) => boolean = (feature) => REQUIRED_FEATURES.find(([name]) => name === feature)![1](),
): string | undefined {
  const found = `Node.js v${version}`;
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (!(major >= MIN_NODE_MAJOR)) return `anyllm needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${found}.`;
  const missing = REQUIRED_FEATURES.map(([name]) => name).filter((name) => !has(name));
  if (missing.length > 0) {
    return `anyllm needs Node.js ${MIN_NODE_MAJOR} or newer; this runtime (${found}) lacks ${missing.join(', ')}.`;
  }
  return undefined;
}
