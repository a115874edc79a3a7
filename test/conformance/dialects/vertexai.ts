/**
 * The conformance dialect for Gemini on Vertex AI: Gemini's wire (the same JSON and SSE) under
 * Vertex's paths, `/v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:…`.
 * The suite's `apiKey` is a Google Cloud API key, kept in the host and sent as `x-goog-api-key`;
 * service-account tokens have their own test (vertexai-provider.test.ts).
 */
import type { LocalServer } from '../../support/local-server.js';
import { sendGoogleError } from '../../support/gemini-wire.js';
import type { Dialect } from '../dialect.js';
import { geminiDialect } from './gemini.js';

export const VERTEX_PROJECT = 'conformance-project';
export const VERTEX_LOCATION = 'us-central1';

/** Gemini's path `/v1beta/models/{model}:{method}` as Vertex AI serves it. */
export function vertexPath(geminiPath: string, publisher = 'google'): string {
  return geminiPath.replace(/^\/v1beta\/models\//, `/v1beta1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/${publisher}/models/`);
}

/** The server as the Gemini dialect sees it: routes land on Vertex's paths, behind the API-key check. */
function onVertex(server: LocalServer): LocalServer {
  return {
    on: (method: string, path: string, handler: Parameters<LocalServer['on']>[2]) =>
      server.on(method, vertexPath(path), (req, res) =>
        req.headers['x-goog-api-key'] === 'conformance-key' ? handler(req, res) : sendGoogleError(res, 401, 'API key not valid.'),
      ),
  } as unknown as LocalServer;
}

export const vertexaiDialect: Dialect = {
  ...geminiDialect,
  provider: 'vertexai',
  serve(server, scenario) {
    geminiDialect.serve(onVertex(server), scenario);
  },
  lastRequest(server) {
    const request = geminiDialect.lastRequest(server);
    const path = server.requests.findLast((r) => r.method === 'POST' && /:(generateContent|streamGenerateContent)$/.test(r.path))?.path ?? '';
    if (!path.startsWith(`/v1beta1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/google/models/`)) {
      throw new Error(`The Vertex AI server received a request outside Vertex's paths: ${path}`);
    }
    return request;
  },
  serveModels() {
    // Not implemented for Vertex AI (see KNOWN_DISAGREEMENTS).
  },
  clientOptions: { maxRetries: 0, project: VERTEX_PROJECT, location: VERTEX_LOCATION },
};
