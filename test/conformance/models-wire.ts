/**
 * Models endpoints for the dialects that do not serve one themselves: Anthropic's
 * (`GET /v1/models`, cursor pages) and Gemini's (`GET /v1beta/models`, `models/` names).
 */
import { sendJson, type LocalServer } from '../support/local-server.js';
import type { Dialect } from './dialect.js';

const defaults: Record<string, (server: LocalServer, ids: string[]) => void> = {
  anthropic(server, ids) {
    const data = ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-05-14T00:00:00Z' }));
    server.on('GET', '/v1/models', (_req, res) =>
      sendJson(res, 200, { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null }),
    );
  },
  gemini(server, ids) {
    const models = ids.map((id) => ({
      name: `models/${id}`,
      displayName: id,
      version: '001',
      inputTokenLimit: 1048576,
      outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    }));
    for (const version of ['v1beta', 'v1']) server.on('GET', `/${version}/models`, (_req, res) => sendJson(res, 200, { models }));
  },
};

/** Serves `ids` on the dialect's models endpoint, or throws when nobody knows it. */
export function serveModels(dialect: Dialect, server: LocalServer, ids: string[]): void {
  if (dialect.serveModels) return dialect.serveModels(server, ids);
  const serve = defaults[dialect.provider];
  if (!serve) throw new Error(`No models endpoint known for '${dialect.provider}': give its dialect a serveModels().`);
  serve(server, ids);
}
