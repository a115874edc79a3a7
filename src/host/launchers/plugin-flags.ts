/**
 * The Node.js flags a plugin runs with. anyllm chooses them; a plugin never inherits the host's
 * `execArgv` or `NODE_OPTIONS`, which are meant for the host's own entry (`--input-type` and `-e`,
 * the app's `--import`/`--require` hooks, `--inspect`, `--watch`, `--experimental-*` ...) and would
 * break, slow or mark a plugin. What it keeps are the host's choices about *how problems are
 * reported*, never about how code loads or runs: source-mapped stack traces and silenced warnings.
 *
 * @module
 */

/**
 * The flags a plugin inherits from the host: `--enable-source-maps` when the host has source maps on
 * (flag, `NODE_OPTIONS` or `process.setSourceMapsEnabled`), `--no-deprecation` when the host
 * silences deprecations, `--no-warnings` when it silences warnings. Read at each launch.
 *
 * @example
 * ```ts
 * new Worker(entry, { execArgv: pluginFlags() }); // never the host's own execArgv
 * ```
 */
export function pluginFlags(host: HostState = currentHost()): string[] {
  const flags: string[] = [];
  if (host.sourceMapsEnabled) flags.push('--enable-source-maps');
  if (host.noDeprecation) flags.push('--no-deprecation');
  if (host.flags.includes('--no-warnings')) flags.push('--no-warnings');
  return flags;
}

/**
 * The plugin's environment without `NODE_OPTIONS` (which would carry the host's flags into a child
 * process even when a manifest lists it among its variables).
 *
 * @example
 * ```ts
 * spawn(process.execPath, args, { env: withoutNodeOptions(spec.env) });
 * ```
 */
export function withoutNodeOptions(env: Record<string, string>): Record<string, string> {
  if (!Object.hasOwn(env, 'NODE_OPTIONS')) return env;
  const { NODE_OPTIONS: _dropped, ...rest } = env;
  return rest;
}

/** What `pluginFlags` reads from the host process. */
export interface HostState {
  sourceMapsEnabled: boolean;
  noDeprecation: boolean;
  /** The host's own flags: `execArgv` and `NODE_OPTIONS`, split at spaces. */
  flags: readonly string[];
}

function currentHost(): HostState {
  return {
    sourceMapsEnabled: process.sourceMapsEnabled,
    noDeprecation: process.noDeprecation === true,
    flags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)],
  };
}
