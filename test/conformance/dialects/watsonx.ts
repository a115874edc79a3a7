/**
 * The conformance dialect for IBM watsonx.ai chat: OpenAI-like bodies at `/ml/v1/text/chat` and
 * `/ml/v1/text/chat_stream` (with `version`, `model_id` and `project_id`), usage on the finish chunk,
 * errors as `{ errors: [{ code, message }] }`. The suite's `apiKey` is an IBM Cloud API key: the host
 * exchanges it at the local IAM endpoint, and every call must carry the token IAM issued.
 */
import { serveIam, watsonxError, type IamEndpoint } from '../../support/ibm-iam.js';
import { sendJson, type LocalServer, type RecordedRequest } from '../../support/local-server.js';
import type { Dialect } from '../dialect.js';
import { openAIDialect } from './openai.js';

const base = openAIDialect({ provider: 'watsonx', model: 'ibm/granite-3-8b-instruct', prefix: '', reasoning: 'hidden', streamUsage: 'finish_chunk' });
export const WATSONX_PROJECT = 'conformance-project';
let origin = '';
const iams = new WeakMap<LocalServer, IamEndpoint>();

function onWatsonx(server: LocalServer): LocalServer {
  const iam = iams.get(server) ?? serveIam(server, 'conformance-key');
  iams.set(server, iam);
  return {
    on: (method: string, path: string, handler: Parameters<LocalServer['on']>[2]) => {
      if (path !== '/chat/completions') return server.on(method, path, handler);
      for (const stream of [false, true]) {
        server.on(method, stream ? '/ml/v1/text/chat_stream' : '/ml/v1/text/chat', (req: RecordedRequest, res) => {
          const body = (req.body ?? {}) as Record<string, unknown>;
          if (req.headers.authorization !== `Bearer ${iam.current()}`) return sendJson(res, 401, watsonxError(401, 'Failed to authenticate the request due to an expired token'));
          if (!req.query.get('version') || body.project_id !== WATSONX_PROJECT || typeof body.model_id !== 'string' || 'model' in body) {
            return sendJson(res, 400, watsonxError(400, `watsonx.ai would refuse this body: ${JSON.stringify(Object.keys(body))}`));
          }
          req.body = { ...body, model: body.model_id, stream };
          req.path = '/chat/completions';
          return handler(req, res);
        });
      }
      return server;
    },
  } as unknown as LocalServer;
}

export const watsonxDialect: Dialect = {
  ...base,
  serve(server, scenario) {
    if (scenario.kind === 'error') {
      const iam = iams.get(server) ?? serveIam(server, 'conformance-key');
      iams.set(server, iam);
      const headers: Record<string, string> = scenario.retryAfterSeconds === undefined ? {} : { 'retry-after': String(scenario.retryAfterSeconds) };
      for (const path of ['/ml/v1/text/chat', '/ml/v1/text/chat_stream']) server.on('POST', path, (_req, res) => sendJson(res, scenario.status, watsonxError(scenario.status, scenario.message), headers));
      return;
    }
    base.serve(onWatsonx(server), scenario);
  },
  apiBase(server) {
    origin = server.origin;
    return server.origin;
  },
  serveModels(server, ids) {
    // The host exchanges the key at IAM before any request, listing models included.
    if (!iams.has(server)) iams.set(server, serveIam(server, 'conformance-key'));
    server.on('GET', '/ml/v1/foundation_model_specs', (_req, res) => sendJson(res, 200, { total_count: ids.length, resources: ids.map((model_id) => ({ model_id, label: model_id, provider: 'IBM' })) }));
  },
  // Read after apiBase() by the suite's create(): the IAM endpoint is on the same local server.
  get clientOptions() {
    return { projectId: WATSONX_PROJECT, credentials: { tokenUrl: `${origin}/identity/token` } };
  },
};
