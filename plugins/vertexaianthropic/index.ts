/**
 * Claude on Vertex AI: the Anthropic plugin's conversions and `@anthropic-ai/sdk`, with the SDK's
 * requests to `/v1/messages` sent where Vertex serves them,
 * `{base}/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` when streaming), the model moved from the body to the path and
 * `anthropic_version: 'vertex-2023-10-16'` added, as `@anthropic-ai/vertex-sdk` does. The Google
 * credentials stay in the host: each request gets its access token from there.
 *
 * Client options: the Anthropic SDK's, and `project` and `location` (else `GOOGLE_CLOUD_PROJECT`
 * or the credentials file's `project_id`, and `GOOGLE_CLOUD_LOCATION` or `us-central1`).
 *
 * @module
 */
import {
  InvalidRequestError,
  UnsupportedParameterError,
  type CallContext,
  type Model,
} from '../../src/plugins/index.js';
import AnthropicProvider, { loadAnthropicSdk } from '../anthropic/index.js';

/** The Messages API version Vertex AI takes in the body (not the `anthropic-version` header). */
const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
/** Where the SDK believes it talks; every request is rewritten before it leaves. */
const SDK_BASE = 'https://vertex.anthropic.invalid';

export default class VertexAnthropicProvider extends AnthropicProvider {
  protected override async initClient(_apiKey: string | undefined, apiBase: string | undefined, options: Record<string, unknown>): Promise<void> {
    const { project, location, ...sdkOptions } = options;
    if (typeof project !== 'string' || project === '') {
      throw new InvalidRequestError(
        "Vertex AI needs a project: pass { project } or set GOOGLE_CLOUD_PROJECT (a service-account file's project_id counts too).",
        { provider: this.name },
      );
    }
    if (!apiBase) throw new InvalidRequestError('Vertex AI needs a base URL (the host derives it from the location).', { provider: this.name });
    const prefix = `${apiBase.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(typeof location === 'string' ? location : 'us-central1')}/publishers/anthropic/models/`;
    const AnthropicClient = await loadAnthropicSdk(this.name);
    this.client = new AnthropicClient({
      ...sdkOptions,
      // A placeholder the SDK's header check wants: the real token replaces it per request.
      authToken: 'from-the-host',
      apiKey: null,
      baseURL: SDK_BASE,
      fetch: (input, init) => this.#vertexFetch(prefix, input, init),
    });
  }

  override listModels(_ctx: CallContext): Promise<Model[]> {
    return Promise.reject(new UnsupportedParameterError('listModels', this.name, 'Vertex AI has no Anthropic models endpoint.'));
  }

  /** The SDK's request, sent to Vertex's rawPredict path with the host's token. */
  async #vertexFetch(prefix: string, input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
    const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url);
    if (url.pathname !== '/v1/messages' || typeof init?.body !== 'string') {
      throw new UnsupportedParameterError(url.pathname, this.name, 'Vertex AI serves Anthropic messages only.');
    }
    const { model, ...body } = JSON.parse(init.body) as { model?: unknown; stream?: unknown };
    if (typeof model !== 'string' || model === '') throw new InvalidRequestError('A Vertex AI request needs a model.', { provider: this.name });
    const target = `${prefix}${encodeURIComponent(model)}:${body.stream === true ? 'streamRawPredict' : 'rawPredict'}`;
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    headers.delete('x-api-key');
    const auth = await this.authorize({ url: target, method: 'POST' });
    for (const [name, value] of auth.headers) headers.set(name, value);
    return fetch(target, { ...init, headers, body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...body }) });
  }
}
