/**
 * The plugin runtime: answers the host's JSON-RPC requests with a Provider. Runs inside the worker
 * thread or child process; `worker-main.ts` / `process-main.ts` start it on their transport.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { InvalidRequestError, PluginProtocolError, ProviderError, UnsupportedParameterError } from '../errors.js';
import { ChunkSender } from '../protocol/chunk-sender.js';
import { Connection } from '../protocol/connection.js';
import {
  Method,
  METHODS,
  PROTOCOL_VERSION,
  type CallEnvelope,
  type ClientCloseNotification,
  type ClientOpenParams,
  type CompletionRequest,
  type CreditNotification,
  type EmbeddingRequest,
  type EmbeddingResult,
  type InitializeParams,
  type InitializeResult,
  type ListModelsResult,
  type RequestId,
  type StreamRequest,
  type StreamResult,
} from '../protocol/methods.js';
import type { Transport } from '../protocol/transport.js';
import { normaliseUsage, StreamUsage } from '../protocol/usage.js';
import type { ChatCompletion, ChatCompletionChunk } from '../types.js';
import { chunkBatchesOf } from './chunk-batches.js';
import { installFetchAttempts, trackFetchAttempts } from './fetch-attempts.js';
import { mapSdkError, sandboxDenial } from './http-errors.js';
import { locateSyntaxError } from './load-error.js';
import { installPluginResolution, loadedModules } from './plugin-resolve.js';
import { Provider } from './provider.js';
import { missingSdkError } from './sdk.js';
import { createSandboxFetch } from './sandbox-fetch.js';

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
  // Answers each `$/cancel` with `$/cancelled`: how the host tells a live plugin from a hung one.
  // Its own requests (`fetch`, `auth`) are numbered -1, -2 ...: never an id the host is waiting on.
  const connection = new Connection(transport, { acknowledgeCancel: true, negativeIds: true });
  const streams = new Map<RequestId, ChunkSender>();
  let ProviderClass: ProviderConstructor | undefined;
  let init: Omit<InitializeParams, 'protocolVersion' | 'entry' | 'ca'> | undefined;
  let providerName = '';
  /** One Provider (one SDK client) per host client: each client's key and options stay its own. */
  const clients = new Map<string, Promise<Provider>>();

  const call = async <T>(envelope: CallEnvelope, id: RequestId, run: (p: Provider) => Promise<T>): Promise<T> => {
    if (envelope.ack === true) connection.notify(Method.started, { id });
    const opened = typeof envelope.client === 'string' ? clients.get(envelope.client) : undefined;
    if (!opened) throw new PluginProtocolError(`The host called the plugin for client '${String(envelope.client)}', which it never opened.`);
    // Tracked, so a connection error can name the origin and count the SDK's retries.
    return trackFetchAttempts(async () => {
      try {
        return await run(await opened);
      } catch (error) {
        // Params are JSON values here in every tier (a port sends a BigInt as JSON text): the
        // host refused any that JSON cannot carry before sending.
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
    // Loaded only when there are CAs: `node:tls` costs a cold start ~5 ms of crypto setup an http(s) SDK call may not need yet.
    else if (Array.isArray(params.ca)) {
      const { trustExtraCa } = await import('./trusted-ca.js');
      trustExtraCa(params.ca.filter((pem): pem is string => typeof pem === 'string'), params.provider);
    }
    // After the sandbox's fetch is in place and before the SDK client reads the global `fetch`.
    installFetchAttempts();
    // Only a community plugin needs the hook (a built-in imports the runtime by relative path); on the
    // thread's whole module graph it costs a cold start ~7 ms. The sandbox installs it itself, first.
    if (!isBuiltinEntry(params.entry)) installPluginResolution();
    ProviderClass = await loadProvider(params.entry, params.provider);
    const capabilities = params.capabilities ?? {};
    init = { provider: params.provider, capabilities };
    return { protocolVersion: PROTOCOL_VERSION, provider: params.provider, capabilities } satisfies InitializeResult;
  });

  connection.onRequest(Method.clientOpen, (raw) => {
    const { client, apiKey, apiBase, clientOptions } = raw as ClientOpenParams;
    if (!ProviderClass || !init) throw new PluginProtocolError('The host opened a client before initialize.');
    if (typeof client !== 'string' || clients.has(client)) throw new PluginProtocolError(`Client '${String(client)}' is already open.`);
    const provider = newProvider(ProviderClass, init.provider);
    const base = init;
    // Calls queued behind the open wait for it; a failed init fails each of them with its error.
    const ready = (async () => {
      try {
        await provider.init({
          ...base,
          apiKey,
          apiBase,
          clientOptions: clientOptions ?? {},
          // Credentials stay in the host: each upstream request asks it for its headers, as this client.
          authorize: (request) => connection.request(Method.auth, { ...request, client }),
        });
      } catch (error) {
        throw mapSdkError(error, base.provider);
      }
      return provider;
    })();
    ready.catch(() => {});
    clients.set(client, ready);
    return ready.then(() => ({ ok: true }) as const);
  });

  connection.onNotification(Method.clientClose, (raw) => {
    clients.delete((raw as ClientCloseNotification).client);
  });

  // Usage is made to add up here, for every plugin (built-in or community): protocol/usage.ts.
  connection.onRequest(Method.completion, (raw, context) =>
    call<ChatCompletion>(raw as CompletionRequest, context.id, async (p) => {
      const result = await p.completion((raw as CompletionRequest).params, { signal: context.signal });
      if (result && typeof result === 'object' && result.usage && typeof result.usage === 'object') normaliseUsage(result.usage);
      return result;
    }),
  );

  connection.onRequest(Method.completionStream, (raw, context) =>
    call<StreamResult>(raw as StreamRequest, context.id, async (p) => {
      const { params, window, windowBytes, encoding } = raw as StreamRequest;
      const sender = new ChunkSender(connection, context.id, { messages: window, bytes: windowBytes }, encoding === 'json');
      streams.set(context.id, sender);
      const usage = new StreamUsage();
      const usageSoFar = () => usage.current;
      /** Queues one chunk; a promise when the host's window is full, to wait for its credit. */
      const deliver = (chunk: ChatCompletionChunk): Promise<void> | undefined => {
        const out = usage.take(chunk);
        // Usage held for the end still reaches the host's accounting now, beside the chunks.
        if (chunk?.usage && typeof chunk.usage === 'object') sender.noteUsage(usageSoFar);
        if (out === undefined) return undefined;
        sender.push(out);
        return sender.ready(context.signal);
      };
      try {
        const stream = p.completionStream(params, { signal: context.signal });
        // A batched stream (chunk-batches.ts) costs no generator step per chunk; the rest one each.
        const batches = chunkBatchesOf(stream);
        if (batches) {
          for await (const batch of batches) {
            for (const chunk of batch) {
              const wait = deliver(chunk);
              if (wait) await wait;
            }
          }
        } else {
          for await (const chunk of stream) {
            const wait = deliver(chunk);
            if (wait) await wait;
          }
        }
        context.signal.throwIfAborted();
        const last = usage.end();
        if (last) sender.push(last);
        return { chunks: sender.count };
      } finally {
        sender.flush();
        streams.delete(context.id);
      }
    }),
  );

  connection.onRequest(Method.embedding, (raw, context) =>
    call<EmbeddingResult>(raw as EmbeddingRequest, context.id, async (p) => {
      // A plugin built on an older `anyllm/plugin` has no embedding(): refused as the base class refuses.
      if (typeof (p as Partial<Provider>).embedding !== 'function') {
        throw new UnsupportedParameterError('embedding', providerName, 'this provider has no embeddings endpoint.');
      }
      const result = await p.embedding((raw as EmbeddingRequest).params, { signal: context.signal });
      if (options.proxyFetch) refuseOversizedAnswer(result, Method.embedding, providerName);
      return result;
    }),
  );

  connection.onRequest(Method.listModels, (raw, context) =>
    call<ListModelsResult>(raw as CallEnvelope, context.id, async (p) => ({ data: await p.listModels({ signal: context.signal }) })),
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

/**
 * The sandbox's channel guard kills a plugin whose answer is over its method's cap (a hostile
 * plugin's flood). An honest answer that large (thousands of vectors) is refused here instead,
 * with an error the caller can act on, and the plugin lives.
 */
function refuseOversizedAnswer(result: EmbeddingResult, method: typeof Method.embedding, provider: string): void {
  const cap = METHODS[method].maxBytes ?? 0;
  if (embeddingSizeBound(result) <= cap) return; // the common case: no second serialisation
  // The JSON-RPC envelope around the result is well under 1 KiB.
  const size = JSON.stringify(result).length + 1024;
  if (size <= cap) return;
  const mib = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MiB`;
  throw new InvalidRequestError(
    `The ${method} answer is ${mib(size)}, over the ${mib(cap)} a sandboxed plugin may send: embed fewer inputs per call, or ask for encoding_format: 'base64' (about a quarter of the size).`,
    { provider, code: 'answer_too_large' },
  );
}

/**
 * An upper bound of the answer's JSON length without serialising it (a number is at most 24
 * characters, base64 needs no escapes); Infinity for anything it cannot bound, which is then measured.
 */
function embeddingSizeBound(result: EmbeddingResult): number {
  const { model, data } = (result ?? {}) as { model?: unknown; data?: unknown };
  if (typeof model !== 'string' || !Array.isArray(data)) return Infinity;
  let size = 1024 + model.length * 6;
  for (const item of data as { embedding?: unknown }[]) {
    const vector = item?.embedding;
    size += 64 + (typeof vector === 'string' ? vector.length : Array.isArray(vector) ? vector.length * 25 : Infinity);
  }
  return size;
}

type ProviderConstructor = new () => unknown;

/** This package's own providers, built beside this runtime (dist/plugins/ next to dist/src/plugins/). */
const BUILTIN_PLUGINS = new URL('../../plugins/', import.meta.url).href;

function entryUrl(entry: string): string {
  return entry.startsWith('file:') ? entry : pathToFileURL(entry).href;
}

function isBuiltinEntry(entry: string): boolean {
  return typeof entry === 'string' && entryUrl(entry).startsWith(BUILTIN_PLUGINS);
}

async function loadProvider(entry: string, name: string): Promise<ProviderConstructor> {
  const url = entryUrl(entry);
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
  // One instance now, so a default export that is not a Provider fails the handshake, not a call.
  newProvider(ProviderClass as ProviderConstructor, name, entry);
  return ProviderClass as ProviderConstructor;
}

function newProvider(ProviderClass: ProviderConstructor, name: string, entry = 'the plugin entry'): Provider {
  const instance: unknown = new ProviderClass();
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
