/**
 * The plugin runtime: answers the host's JSON-RPC requests with a Provider. Runs inside the worker
 * thread or child process; `worker-main.ts` / `process-main.ts` start it on their transport.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { InvalidRequestError, PluginProtocolError, ProviderError } from '../errors.js';
import { ChunkSender } from '../protocol/chunk-sender.js';
import { Connection } from '../protocol/connection.js';
import {
  Method,
  PROTOCOL_VERSION,
  type CompletionRequest,
  type CreditNotification,
  type InitializeParams,
  type InitializeResult,
  type ListModelsResult,
  type RequestId,
  type StreamRequest,
  type StreamResult,
} from '../protocol/methods.js';
import type { Transport } from '../protocol/transport.js';
import type { ChatCompletion } from '../types.js';
import { installFetchAttempts, trackFetchAttempts } from './fetch-attempts.js';
import { mapSdkError, sandboxDenial } from './http-errors.js';
import { locateSyntaxError } from './load-error.js';
import { installPluginResolution, loadedModules } from './plugin-resolve.js';
import { Provider } from './provider.js';
import { missingSdkError } from './sdk.js';
import { createSandboxFetch } from './sandbox-fetch.js';
import { trustExtraCa } from './trusted-ca.js';

export interface ServeOptions {
  /** Ends the plugin (exits the thread or process) after `shutdown` has been answered. */
  exit: () => void;
  /** Sandbox tier: replace the global `fetch` with one the host performs (the process has no network). */
  proxyFetch?: boolean;
}

/**
 * Serves one provider over `transport` until the host sends `shutdown`.
 *
 * @example
 * ```ts
 * serve(new PortTransport(parentPort!), { exit: () => process.exit(0) });
 * ```
 */
export function serve(transport: Transport, options: ServeOptions): Connection {
  const connection = new Connection(transport, { negativeIds: true });
  const streams = new Map<RequestId, ChunkSender>();
  let provider: Provider | undefined;
  let providerName = '';

  const call = async <T>(run: (p: Provider) => Promise<T>): Promise<T> => {
    if (!provider) throw new PluginProtocolError('The host called the plugin before initialize.');
    const current = provider;
    // Tracked, so a connection error can name the origin and count the SDK's retries.
    return trackFetchAttempts(async () => {
      try {
        return await run(current);
      } catch (error) {
        throw mapSdkError(error, providerName);
      }
    });
  };

  connection.onRequest(Method.initialize, async (raw) => {
    const params = raw as InitializeParams;
    if (params.protocolVersion !== PROTOCOL_VERSION) {
      throw new PluginProtocolError(
        `Protocol version mismatch: the host speaks ${params.protocolVersion}, this plugin ${PROTOCOL_VERSION}.`,
        { provider: params.provider },
      );
    }
    providerName = params.provider;
    if (options.proxyFetch) globalThis.fetch = createSandboxFetch(connection);
    // The sandbox does no TLS of its own (the host's fetch uses the CAs); the other tiers trust them here.
    else if (Array.isArray(params.ca)) trustExtraCa(params.ca.filter((pem): pem is string => typeof pem === 'string'), params.provider);
    // After the sandbox's fetch is in place and before the SDK client reads the global `fetch`.
    installFetchAttempts();
    installPluginResolution();
    provider = await loadProvider(params.entry, params.provider);
    const capabilities = params.capabilities ?? {};
    try {
      await provider.init({
        provider: params.provider,
        apiKey: params.apiKey,
        apiBase: params.apiBase,
        clientOptions: params.clientOptions ?? {},
        capabilities,
        // Credentials stay in the host: each upstream request asks it for its headers.
        authorize: (request) => connection.request(Method.auth, request),
      });
    } catch (error) {
      throw mapSdkError(error, params.provider);
    }
    return { protocolVersion: PROTOCOL_VERSION, provider: params.provider, capabilities } satisfies InitializeResult;
  });

  connection.onRequest(Method.completion, (raw, context) =>
    call<ChatCompletion>((p) => p.completion((raw as CompletionRequest).params, { signal: context.signal })),
  );

  connection.onRequest(Method.completionStream, (raw, context) =>
    call<StreamResult>(async (p) => {
      const { params, window, windowBytes, encoding } = raw as StreamRequest;
      const sender = new ChunkSender(connection, context.id, { messages: window, bytes: windowBytes }, encoding === 'json');
      streams.set(context.id, sender);
      try {
        for await (const chunk of p.completionStream(params, { signal: context.signal })) {
          sender.push(chunk);
          const wait = sender.ready(context.signal);
          if (wait) await wait;
        }
        context.signal.throwIfAborted();
        return { chunks: sender.count };
      } finally {
        sender.flush();
        streams.delete(context.id);
      }
    }),
  );

  connection.onRequest(Method.listModels, (_raw, context) =>
    call<ListModelsResult>(async (p) => ({ data: await p.listModels({ signal: context.signal }) })),
  );

  connection.onRequest(Method.ping, () => ({ ok: true }));

  connection.onRequest(Method.shutdown, () => {
    // Answer first, then end: the response must reach the host before the channel goes.
    setImmediate(options.exit);
    return { ok: true };
  });

  connection.onNotification(Method.credit, (raw) => {
    const { id, credits, bytes } = raw as CreditNotification;
    streams.get(id)?.credit({ messages: credits, bytes });
  });

  return connection;
}

async function loadProvider(entry: string, name: string): Promise<Provider> {
  const url = entry.startsWith('file:') ? entry : pathToFileURL(entry).href;
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    const missing = missingPackage(error);
    if (missing) throw missingSdkError(missing, name, error, entry);
    const denied = sandboxDenial(error, name);
    if (denied) throw denied;
    const at = error instanceof SyntaxError ? locateSyntaxError(loadedModules()) : undefined;
    const where = at ? ` (${at.where})` : '';
    throw new ProviderError(`Provider '${name}' failed to load${where}: ${(error as Error).message}`, { provider: name, code: 'plugin_load_failed' });
  }
  const ProviderClass = module.default;
  if (typeof ProviderClass !== 'function') {
    throw new InvalidRequestError(`Plugin entry '${entry}' has no default export class.`, { provider: name });
  }
  const instance: unknown = new (ProviderClass as new () => unknown)();
  if (!isProvider(instance)) {
    throw new InvalidRequestError(
      `The default export of '${entry}' is not a Provider (it needs init, completion and completionStream).`,
      { provider: name },
    );
  }
  return instance;
}

/** Accepts a Provider from another copy of `anyllm/plugin` too (community plugins may bundle one). */
function isProvider(value: unknown): value is Provider {
  if (value instanceof Provider) return true;
  const candidate = value as Partial<Record<keyof Provider, unknown>>;
  return (
    typeof candidate.init === 'function' &&
    typeof candidate.completion === 'function' &&
    typeof candidate.completionStream === 'function'
  );
}

/** The package a failed import was missing, when that is why it failed. */
function missingPackage(error: unknown): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' || typeof message !== 'string') return undefined;
  const match = /Cannot find package '([^']+)'/.exec(message);
  return match ? match[1] : undefined;
}
