/**
 * `AnyLLM.create` options: which the host keeps, which go to the SDK client, and where the key and
 * base URL come from.
 *
 * @module
 */
import { InvalidRequestError, MissingApiKeyError } from '../errors.js';
import type { Isolation, RetryOptions } from '../types.js';
import { checkRuntimeOption, type NodeRuntime } from './launchers/runtime-option.js';
import { OS_BOUNDARY_MODES, type OsBoundaryMode } from './launchers/os-boundary/types.js';
import { resolveSupervision, type ResolvedSupervision, type SupervisionOptions } from './supervision.js';
import { checkClientOptions, knownClientOptions } from './client-options.js';
import { resolveRetry, RETRY_DEFAULTS, type RetryPolicy } from './retry.js';
import { explainUngranted } from './env-grant.js';
import { aliasApiKey, aliasBaseUrl } from './env-aliases.js';
import { envGrant, type RegisteredPlugin } from './registry.js';
import { resolveNetwork, type NetworkOptions, type ResolvedNetwork } from './network-options.js';
import { checkCredentialOptions, resolveCredentials, type CredentialBroker, type CredentialOptions } from './credentials/index.js';

/** Options of `AnyLLM.create`. Any option not listed here goes to the provider's SDK client. */
export interface AnyLLMOptions extends NetworkOptions {
  /** The API key; else the provider's environment variable (e.g. `OPENAI_API_KEY`). */
  apiKey?: string;
  /**
   * Providers whose credentials are not a static key (bedrock, vertexai, vertexaianthropic,
   * watsonx): where the host finds them, instead of the environment and default files. Resolved in
   * the host; the plugin only ever gets short-lived headers (docs/PROVIDERS.md, "Credentials").
   */
  credentials?: CredentialOptions;
  /** The base URL; else the provider's base-URL variable (e.g. `OPENAI_BASE_URL`), else its default. */
  apiBase?: string;
  /** Where the plugin runs: `'worker'` (built-ins' default), `'process'` or `'sandbox'` (community default). */
  isolation?: Isolation;
  /** Exit the plugin after this long without calls; it restarts on the next call. 0 = never. Default 60 000. */
  idleTimeoutMs?: number;
  /** The plugin's heap cap in MiB (worker `resourceLimits`, or `--max-old-space-size`). Default 512. */
  memoryLimitMb?: number;
  /**
   * Sandbox tier on a Node without network permissions (< 25): run the plugin anyway, knowing it can
   * reach any host directly. Without it such a Node refuses to start a sandboxed plugin. Default false.
   */
  allowUnrestrictedNetwork?: boolean;
  /**
   * Sandbox tier: the OS boundary under Node's permission model (bubblewrap on Linux, Seatbelt on
   * macOS). `'auto'` (default): use it where this machine offers it; `'require'`: refuse to start
   * without it (PluginUnavailableError saying why); `'off'`: Node's permission model only.
   */
  sandbox?: { os?: OsBoundaryMode };
  /** Crash budget, heartbeat, shutdown grace and stream window (see `SupervisionOptions`). */
  supervision?: SupervisionOptions;
  /**
   * Process and sandbox tiers: the Node.js binary plugins run on (absolute path), instead of the
   * host's own. Electron's main process needs one for the sandbox (see docs/ELECTRON.md).
   */
  runtime?: { execPath: string };
  /**
   * The plugin's stderr. `'inherit'` (default): its lines go to this process's stderr, prefixed
   * `[anyllm:<name>] `, and to `plugin:stderr` events; `'pipe'`: only to `plugin:stderr` events
   * (`llm.on('plugin:stderr', (e) => log(e.line))`). Either way a crash's last error line is in
   * the `PluginCrashedError` and the `plugin:exit` reason.
   */
  pluginStderr?: 'inherit' | 'pipe';
  /**
   * `'debug'`: log plugin lifecycle, calls (method, model, outcome, latency, usage; never a key,
   * never message text) and the plugin's stderr to this process's stderr, as `[anyllm] ...` lines.
   * Default `'info'` (nothing but the plugin's own stderr). The environment variable
   * `ANYLLM_LOG=debug` does the same for every client.
   */
  logLevel?: 'info' | 'debug';
  /**
   * How the host retries a failed call (a 429, an overloaded or 5xx provider, a connection error,
   * a crashed or hung plugin). Default `{ maxAttempts: 3, initialDelayMs: 500, maxDelayMs: 30_000,
   * factor: 2, jitter: 0.2 }`; `false` turns it off. The built-in SDKs' own retries are off
   * (`maxRetries: 0`) unless you set `maxRetries` yourself, so the two never multiply. Per call too.
   */
  retry?: RetryOptions | false;
  /** Anything else (e.g. `maxRetries`, `timeout`, `defaultHeaders`) is passed to the SDK client. */
  [clientOption: string]: unknown;
}

/** What the host options resolve to. */
export interface ResolvedOptions {
  apiKey: string | undefined;
  apiBase: string | undefined;
  isolation: Isolation;
  idleTimeoutMs: number;
  memoryLimitMb: number;
  supervision: ResolvedSupervision;
  /** The sandbox tier's OS-boundary mode (only the sandbox tier has one). */
  sandbox: { os: OsBoundaryMode };
  /** The Node binary of the process and sandbox tiers, when the caller named one. */
  runtime: NodeRuntime | undefined;
  clientOptions: Record<string, unknown>;
  /** The plugin's environment: a built-in's declared variables; a community plugin's granted ones. */
  env: Record<string, string>;
  /** Proxy, extra CAs and the caller's own origin (network-options.ts). */
  network: ResolvedNetwork;
  /** Answers the plugin's `auth` requests, for a manifest with `credentials`. */
  credentials: CredentialBroker | undefined;
  pluginStderr: 'inherit' | 'pipe';
  logLevel: 'info' | 'debug';
  retry: RetryPolicy;
}

const HOST_OPTIONS = new Set([
  'apiKey', 'apiBase', 'isolation', 'idleTimeoutMs', 'memoryLimitMb', 'allowUnrestrictedNetwork', 'sandbox', 'supervision',
  'proxy', 'noProxy', 'ca', 'runtime', 'pluginStderr', 'logLevel', 'retry', 'credentials',
]);
const ISOLATIONS: readonly Isolation[] = ['worker', 'process', 'sandbox'];
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MEMORY_LIMIT_MB = 512;

/**
 * Resolves options against the manifest and the environment; throws before any plugin starts.
 *
 * @example
 * ```ts
 * resolveOptions(lookupProvider('openai'), { maxRetries: 0 }); // key from OPENAI_API_KEY
 * ```
 */
export function resolveOptions(
  plugin: RegisteredPlugin,
  options: AnyLLMOptions = {},
  environment: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidRequestError('AnyLLM.create() options must be an object.');
  }
  const { manifest } = plugin;
  const provider = manifest.provider;
  const bad = (option: string, problem: string): never => {
    throw new InvalidRequestError(`Option '${option}' ${problem}.`, { provider });
  };
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey === '')) {
    bad('apiKey', 'must be a non-empty string');
  }
  if (options.apiBase !== undefined && (typeof options.apiBase !== 'string' || !URL.canParse(options.apiBase))) {
    bad('apiBase', 'must be a URL');
  }
  if (options.isolation !== undefined && !ISOLATIONS.includes(options.isolation)) {
    bad('isolation', `must be one of ${ISOLATIONS.join(', ')}`);
  }
  if (options.allowUnrestrictedNetwork !== undefined && typeof options.allowUnrestrictedNetwork !== 'boolean') {
    bad('allowUnrestrictedNetwork', 'must be true or false');
  }
  if (options.pluginStderr !== undefined && options.pluginStderr !== 'inherit' && options.pluginStderr !== 'pipe') {
    bad('pluginStderr', "must be 'inherit' or 'pipe'");
  }
  if (options.logLevel !== undefined && options.logLevel !== 'info' && options.logLevel !== 'debug') {
    bad('logLevel', "must be 'info' or 'debug'");
  }
  const isolation = options.isolation ?? plugin.defaultIsolation;
  const sandbox = resolveSandboxOption(options.sandbox, isolation, bad);
  const runtime = checkRuntimeOption(options.runtime, provider, isolation);
  for (const name of ['idleTimeoutMs', 'memoryLimitMb'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      bad(name, 'must be a non-negative number');
    }
  }

  // Built-ins get what their manifest declares; a community plugin only what is granted to it.
  const grant = plugin.builtin ? undefined : envGrant(plugin);
  const granted = new Set(grant ? grant.names : manifest.env);
  const fromEnv = (name: string | null | undefined) => (name && granted.has(name) ? nonEmpty(environment[name]) : undefined);
  // Aliases are read by the host, never passed on: a built-in's all, a community plugin's when granted.
  const fromAlias = (name: string) => (!grant || granted.has(name) ? nonEmpty(environment[name]) : undefined);

  const clientOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (HOST_OPTIONS.has(name) || value === undefined) continue;
    if (!isCloneable(value)) {
      bad(name, 'cannot be sent to the plugin (functions, class instances and agents do not cross threads); pass plain data');
    }
    clientOptions[name] = value;
  }

  checkClientOptions(plugin, Object.keys(clientOptions), [...HOST_OPTIONS]);
  const retry = resolveRetry(options.retry, RETRY_DEFAULTS, provider);
  // One layer retries: the host, which sees crashes and hangs too (`retry: false` means none at
  // all). An SDK known to retry by itself is told not to, unless the caller set its retries.
  if (clientOptions.maxRetries === undefined && knownClientOptions(plugin)?.includes('maxRetries')) {
    clientOptions.maxRetries = 0;
  }

  const callerBase = options.apiBase ?? fromEnv(manifest.baseUrlEnv) ?? aliasBaseUrl(manifest, fromAlias);
  const baseNetwork = resolveNetwork(options, isolation, bad);
  let apiKey: string | undefined;
  let apiBase: string | undefined;
  let credentials: CredentialBroker | undefined;
  let derivedBase: string | undefined;
  if (manifest.credentials) {
    // Resolved here, in the host: the plugin gets no key, only headers per request.
    const resolvedCredentials = resolveCredentials(manifest.credentials, {
      provider,
      apiKey: options.apiKey,
      options: checkCredentialOptions(options.credentials, provider),
      clientOptions,
      env: environment,
      // A community plugin gets only what the caller passes: never the host's ambient AWS or Google credentials.
      ambient: plugin.builtin,
      network: baseNetwork,
    });
    derivedBase = callerBase === undefined ? resolvedCredentials.apiBase : undefined;
    apiBase = callerBase ?? resolvedCredentials.apiBase ?? manifest.defaultBaseUrl;
    for (const [name, value] of Object.entries(resolvedCredentials.clientDefaults)) clientOptions[name] ??= value;
    credentials = resolvedCredentials.broker([...(apiBase && URL.canParse(apiBase) ? [new URL(apiBase).origin] : []), ...manifest.network]);
  } else {
    if (options.credentials !== undefined) {
      bad('credentials', `applies to providers whose credentials the host resolves (AWS, Google, IBM); '${provider}' takes an apiKey`);
    }
    apiKey = options.apiKey ?? fromEnv(manifest.apiKeyEnv) ?? aliasApiKey(manifest, fromAlias)?.value;
    if (apiKey === undefined && manifest.apiKeyEnv) {
      const aliases = manifest.envAliases?.apiKey ?? [];
      const detail = granted.has(manifest.apiKeyEnv) || !grant
        ? aliases.length ? `set the ${manifest.apiKeyEnv} environment variable (or ${aliases.join(' or ')})` : undefined
        : explainUngranted(grant, manifest.apiKeyEnv, provider);
      throw new MissingApiKeyError(provider, manifest.apiKeyEnv, detail);
    }
    apiBase = callerBase ?? manifest.defaultBaseUrl;
  }
  if (apiBase === undefined && plugin.baseUrlRequired) {
    const variables = [manifest.baseUrlEnv, ...(manifest.envAliases?.baseUrl ?? [])].filter(Boolean).join(' or ');
    bad('apiBase', `is required: provider '${provider}' has no default base URL (pass { apiBase } or set ${variables})`);
  }
  // A base URL from the caller, or from the caller's region or location, is the caller's choice of origin.
  const chosenBase = callerBase ?? derivedBase;
  const network: ResolvedNetwork = { ...baseNetwork, callerOrigin: chosenBase && URL.canParse(chosenBase) ? new URL(chosenBase).origin : undefined };

  const env: Record<string, string> = {};
  for (const name of granted) {
    const value = environment[name];
    if (value !== undefined) env[name] = value;
  }

  return {
    apiKey,
    apiBase,
    isolation,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    memoryLimitMb: options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB,
    supervision: resolveSupervision(options.supervision, provider),
    sandbox,
    runtime,
    clientOptions,
    env,
    network,
    credentials,
    pluginStderr: options.pluginStderr ?? 'inherit',
    logLevel: options.logLevel ?? (environment.ANYLLM_LOG?.toLowerCase() === 'debug' ? 'debug' : 'info'),
    retry,
  };
}

/** `sandbox: { os }`: a known mode, nothing else in the object; `require` only where there is a sandbox. */
function resolveSandboxOption(value: unknown, isolation: Isolation, bad: (option: string, problem: string) => never): { os: OsBoundaryMode } {
  if (value === undefined) return { os: 'auto' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('sandbox', "must be an object like { os: 'auto' }");
  for (const key of Object.keys(value)) {
    if (key !== 'os') bad(`sandbox.${key}`, 'is not an option (the only one is sandbox.os)');
  }
  const os = (value as { os?: unknown }).os ?? 'auto';
  if (!OS_BOUNDARY_MODES.includes(os as OsBoundaryMode)) bad('sandbox.os', `must be one of ${OS_BOUNDARY_MODES.join(', ')}`);
  if (os === 'require' && isolation !== 'sandbox') {
    bad('sandbox.os', `is 'require', but this client runs in the ${isolation} tier; the OS boundary is the sandbox tier's (isolation: 'sandbox')`);
  }
  return { os: os as OsBoundaryMode };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Plain JSON-like data only: what every transport (worker, IPC, stdio) can carry. */
function isCloneable(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every((item) => isCloneable(item, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value as object).every((item) => item === undefined || isCloneable(item, depth + 1));
  }
  return false;
}
