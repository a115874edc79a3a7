/**
 * IBM Cloud IAM's token endpoint on a LocalServer (`POST /identity/token`, form
 * `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=…`), answering as IAM does:
 * `{ access_token, refresh_token: 'not_supported', token_type: 'Bearer', expires_in, expiration }`,
 * or `400 { errorCode, errorMessage }` for an unknown key.
 */
import { sendJson, type LocalServer } from './local-server.js';

export interface IamEndpoint {
  /** Tokens issued so far. */
  issued: string[];
  current(): string | undefined;
  /** Seconds each token lives. */
  lifetimeS: number;
}

/** Serves IAM for one valid API key. */
export function serveIam(server: LocalServer, apiKey: string): IamEndpoint {
  const iam: IamEndpoint = { issued: [], current: () => iam.issued.at(-1), lifetimeS: 3600 };
  server.on('POST', '/identity/token', (req, res) => {
    const form = new URLSearchParams(String(req.body));
    if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || form.get('apikey') !== apiKey) {
      return sendJson(res, 400, { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.', context: { requestId: 'r1' } });
    }
    const token = `iam-token-${iam.issued.length + 1}`;
    iam.issued.push(token);
    sendJson(res, 200, { access_token: token, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: iam.lifetimeS, expiration: Math.floor(Date.now() / 1000) + iam.lifetimeS, scope: 'ibm openid' });
  });
  return iam;
}

/** An error answer as watsonx.ai sends it. */
export function watsonxError(status: number, message: string): Record<string, unknown> {
  const code = status === 401 ? 'authentication_token_expired' : status === 404 ? 'model_not_supported' : status === 429 ? 'rate_limit_exceeded' : 'invalid_input_argument';
  return { errors: [{ code, message, more_info: 'https://cloud.ibm.com/apidocs/watsonx-ai' }], trace: 't1', status_code: status };
}
