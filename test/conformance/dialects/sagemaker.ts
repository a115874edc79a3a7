/**
 * The conformance dialect for SageMaker real-time endpoints serving an OpenAI-style Messages API
 * (TGI, LMI/vLLM containers): `POST /endpoints/{name}/invocations` answers the container's JSON;
 * `/invocations-response-stream` wraps the container's SSE bytes in `PayloadPart` event-stream
 * frames (AWS's own codec), split mid-event (mid-character when the event has a multi-byte one). Container errors arrive as SageMaker's ModelError (424)
 * with `OriginalStatusCode`. Every request must carry a SigV4 signature AWS's signer reproduces.
 */
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { verifySigV4 } from '../../support/bedrock-wire.js';
import { sendJson, type LocalServer, type RecordedRequest } from '../../support/local-server.js';
import type { Dialect } from '../dialect.js';
import { openAIDialect } from './openai.js';

const KEYS = { accessKeyId: 'AKIASAGEMAKER', secretAccessKey: 'sagemaker/secret' };
const REGION = 'eu-north-1';
const base = openAIDialect({ provider: 'sagemaker', model: 'my-llm-endpoint', prefix: '', reasoning: 'hidden' });
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function payloadPart(bytes: Uint8Array): Uint8Array {
  return codec.encode({
    headers: { ':event-type': { type: 'string', value: 'PayloadPart' }, ':message-type': { type: 'string', value: 'event' }, ':content-type': { type: 'string', value: 'application/json' } },
    body: fromUtf8(JSON.stringify({ Bytes: Buffer.from(bytes).toString('base64') })),
  });
}

/** Where a write is split: inside its first multi-byte character when it has one (a part may end mid-character), else in half. */
function splitPoint(bytes: Uint8Array): number {
  const lead = bytes.findIndex((byte) => byte >= 0xc0);
  return lead === -1 ? Math.floor(bytes.length / 2) : lead + 1;
}

/** A response whose 200 body is re-framed as PayloadParts (each write split in two); errors pass as SageMaker wraps them. */
function asResponseStream(res: ServerResponse): ServerResponse {
  let framed = false;
  const shim = {
    writeHead(status: number, headers?: Record<string, string>) {
      framed = status === 200;
      if (framed) res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-sagemaker-content-type': 'text/event-stream' });
      else res.writeHead(status, headers);
      return shim;
    },
    write(chunk: string | Uint8Array) {
      if (!framed) return res.write(chunk);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const cut = splitPoint(bytes);
      res.write(payloadPart(bytes.subarray(0, cut)));
      return res.write(payloadPart(bytes.subarray(cut)));
    },
    end(chunk?: string | Uint8Array) {
      if (chunk !== undefined) shim.write(chunk);
      res.end();
      return shim;
    },
    get destroyed() {
      return res.destroyed;
    },
    get writableFinished() {
      return res.writableFinished;
    },
    on: (...args: Parameters<ServerResponse['on']>) => res.on(...args),
  };
  return shim as unknown as ServerResponse;
}

function onSagemaker(server: LocalServer): LocalServer {
  return {
    on: (method: string, path: string, handler: Parameters<LocalServer['on']>[2]) => {
      if (path !== '/chat/completions') return server.on(method, path, handler);
      for (const stream of [false, true]) {
        server.on(method, `/endpoints/${base.model}/${stream ? 'invocations-response-stream' : 'invocations'}`, async (req: RecordedRequest, res) => {
          const verdict = await verifySigV4(req, JSON.stringify(req.body), KEYS, REGION, 'sagemaker');
          if (!verdict.ok) return sendJson(res, 403, { message: 'The request signature we calculated does not match the signature you provided.' }, { 'x-amzn-errortype': 'InvalidSignatureException' });
          if ((req.body as { stream?: unknown }).stream !== stream) return sendJson(res, 400, { message: `stream must be ${stream} here` });
          req.path = '/chat/completions';
          return handler(req, stream ? asResponseStream(res) : res);
        });
      }
      return server;
    },
  } as unknown as LocalServer;
}

export const sagemakerDialect: Dialect = {
  ...base,
  serve(server, scenario) {
    if (scenario.kind === 'error') {
      for (const action of ['invocations', 'invocations-response-stream']) {
        server.on('POST', `/endpoints/${base.model}/${action}`, (_req, res) => {
          if (scenario.status === 429) {
            return sendJson(res, 429, { message: scenario.message }, { 'x-amzn-errortype': 'ThrottlingException', ...(scenario.retryAfterSeconds === undefined ? {} : { 'retry-after': String(scenario.retryAfterSeconds) }) });
          }
          sendJson(
            res,
            424,
            { ErrorCode: 'CLIENT_ERROR_FROM_MODEL', Message: `Received client error (${scenario.status}) from primary with message "${scenario.message}"`, OriginalStatusCode: scenario.status, OriginalMessage: scenario.message },
            { 'x-amzn-errortype': 'ModelError' },
          );
        });
      }
      return;
    }
    base.serve(onSagemaker(server), scenario);
  },
  serveModels() {
    // SageMaker endpoints have no models list.
  },
  clientOptions: { apiKey: undefined, credentials: { ...KEYS, region: REGION } },
};
