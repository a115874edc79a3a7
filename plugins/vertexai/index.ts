/**
 * Gemini on Vertex AI: the Gemini plugin's conversions on `@google/genai` with `vertexai: true`.
 * The Google credentials stay in the host (a service-account file, gcloud's ADC); the SDK's auth
 * client here asks the host for a short-lived access token per request, so the plugin never reads
 * a key file and google-auth-library never looks for one.
 *
 * Client options: Gemini's (`timeout`, `maxRetries`, `headers`, `apiVersion`, default `v1beta1`)
 * and `project` and `location` (else `GOOGLE_CLOUD_PROJECT` or the credentials file's
 * `project_id`, and `GOOGLE_CLOUD_LOCATION` or `us-central1`, resolved in the host).
 *
 * @module
 */
import type { GoogleGenAIOptions } from '@google/genai';
import { InvalidRequestError } from '../../src/plugins/index.js';
import GeminiProvider from '../gemini/index.js';

const CLIENT_OPTIONS: ReadonlySet<string> = new Set(['timeout', 'maxRetries', 'headers', 'apiVersion', 'project', 'location']);

export default class VertexAIProvider extends GeminiProvider {
  protected override clientOptionNames(): ReadonlySet<string> {
    return CLIENT_OPTIONS;
  }

  /** The SDK's own default on Vertex AI. */
  protected override defaultApiVersion(): string {
    return 'v1beta1';
  }

  protected override clientAuth(_apiKey: string | undefined, options: Record<string, unknown>): GoogleGenAIOptions {
    const project = options.project;
    const location = options.location;
    if (typeof project !== 'string' || project === '') {
      throw new InvalidRequestError(
        "Vertex AI needs a project: pass { project } or set GOOGLE_CLOUD_PROJECT (a service-account file's project_id counts too).",
        { provider: this.name },
      );
    }
    // What google-auth-library's GoogleAuth calls on a given `authClient`: the host answers, per request.
    const authClient = {
      getRequestHeaders: async (url?: string | URL): Promise<Headers> => {
        const { headers } = await this.authorize({ url: String(url), method: 'POST' });
        return new Headers(headers);
      },
    };
    return {
      vertexai: true,
      project,
      location: typeof location === 'string' ? location : 'us-central1',
      googleAuthOptions: { authClient: authClient as never },
    };
  }
}
