// An example community plugin: a provider for "Acme", whose API speaks OpenAI's chat format.
// It uses no SDK, only the global `fetch`; in the sandbox tier the host performs those requests,
// for the origins listed under "network" in package.json, and nothing else changes here.
import { mapSdkError, Provider, UnsupportedParameterError } from 'anyllm/plugin';

/** Parameters Acme's API accepts; anything else set by the caller is refused, never dropped. */
const SUPPORTED = new Set(['model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stop', 'stream', 'stream_options', 'user']);

export default class AcmeProvider extends Provider {
  initClient(apiKey, apiBase) {
    this.apiKey = apiKey;
    this.baseUrl = (apiBase ?? 'https://api.acme.example/v1').replace(/\/+$/, '');
  }

  async completion(params, ctx) {
    const response = await this.#post('/chat/completions', this.convertCompletionParams(params, { stream: false }), ctx.signal);
    return this.convertCompletionResponse(await response.json());
  }

  async *completionStream(params, ctx) {
    const response = await this.#post('/chat/completions', this.convertCompletionParams(params, { stream: true }), ctx.signal);
    const state = {};
    for await (const data of sseData(response.body)) {
      if (data === '[DONE]') return;
      yield* this.convertCompletionChunkResponse(JSON.parse(data), state);
    }
  }

  async listModels(ctx) {
    const response = await this.#request('GET', '/models', undefined, ctx.signal);
    const body = await response.json();
    return body.data.map((model) => ({ id: model.id, object: 'model', created: model.created ?? 0, owned_by: model.owned_by ?? 'acme' }));
  }

  convertCompletionParams(params, extra) {
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && !SUPPORTED.has(name)) throw new UnsupportedParameterError(name, this.name);
    }
    return extra.stream ? { ...params, stream: true, stream_options: { include_usage: true } } : { ...params, stream: false };
  }

  convertCompletionResponse(response) {
    return response; // Acme answers in OpenAI's shape already.
  }

  convertCompletionChunkResponse(chunk) {
    return [chunk];
  }

  #post(path, body, signal) {
    return this.#request('POST', path, JSON.stringify(body), signal);
  }

  async #request(method, path, body, signal) {
    let response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        body,
        signal,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
      });
    } catch (error) {
      throw mapSdkError(error, this.name);
    }
    if (!response.ok) {
      const text = await response.text();
      let detail;
      try {
        detail = JSON.parse(text).error;
      } catch {
        detail = undefined;
      }
      // mapSdkError picks the error class from the status (401, 404, 429 + Retry-After ...).
      throw mapSdkError({ status: response.status, headers: response.headers, message: detail?.message ?? text, error: detail }, this.name);
    }
    return response;
  }
}

/** The `data:` payloads of a server-sent event stream. */
async function* sseData(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) yield data;
    }
  }
}
