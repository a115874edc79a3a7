/**
 * The conformance dialect for Claude on Vertex AI: Anthropic's wire (the same JSON and SSE) at
 * `/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict`), the model in the path, `anthropic_version: 'vertex-2023-10-16'` in the body.
 * Each request is checked for that shape, then handed to the Anthropic dialect as `/v1/messages`.
 */
import type { LocalServer, RecordedRequest } from '../../support/local-server.js';
import { sendAnthropicError } from '../../support/anthropic-wire.js';
import type { Dialect } from '../dialect.js';
import { anthropicDialect } from './anthropic.js';
import { VERTEX_LOCATION, VERTEX_PROJECT } from './vertexai.js';

const MODEL = anthropicDialect.model;
const PREFIX = `/v1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/anthropic/models/${encodeURIComponent(MODEL)}`;

/** Vertex paths the Vertex requests arrived on, in order (the recorded request is rewritten for the Anthropic dialect). */
export const vertexAnthropicPaths: string[] = [];

function onVertex(server: LocalServer): LocalServer {
  return {
    on: (method: string, path: string, handler: Parameters<LocalServer['on']>[2]) => {
      if (path !== '/v1/messages') return server.on(method, path, handler);
      for (const specifier of ['rawPredict', 'streamRawPredict']) {
        server.on(method, `${PREFIX}:${specifier}`, (req: RecordedRequest, res) => {
          const body = (req.body ?? {}) as Record<string, unknown>;
          const problem =
            req.headers['x-goog-api-key'] !== 'conformance-key'
              ? 'no Google credentials'
              : body.anthropic_version !== 'vertex-2023-10-16'
                ? `anthropic_version ${JSON.stringify(body.anthropic_version)}`
                : 'model' in body
                  ? 'a model in the body'
                  : (body.stream === true) !== (specifier === 'streamRawPredict')
                    ? `stream ${String(body.stream)} on ${specifier}`
                    : undefined;
          if (problem) return sendAnthropicError(res, 400, `Vertex AI would refuse this request: ${problem}.`);
          vertexAnthropicPaths.push(req.path);
          req.body = { ...body, model: MODEL };
          req.path = '/v1/messages';
          return handler(req, res);
        });
      }
      return server;
    },
  } as unknown as LocalServer;
}

export const vertexaianthropicDialect: Dialect = {
  ...anthropicDialect,
  provider: 'vertexaianthropic',
  serve(server, scenario) {
    anthropicDialect.serve(onVertex(server), scenario);
  },
  serveModels() {
    // Vertex AI has no Anthropic models endpoint.
  },
  clientOptions: { maxRetries: 0, project: VERTEX_PROJECT, location: VERTEX_LOCATION },
};
