/**
 * Amazon Bedrock's Converse wire format on a LocalServer: `POST /model/{modelId}/converse` (JSON)
 * and `POST /model/{modelId}/converse-stream` (`application/vnd.amazon.eventstream`, frames encoded
 * with AWS's own codec from `@smithy/eventstream-codec`), errors as `{ message }` with the type in
 * `x-amzn-ErrorType`, and SigV4 checked with AWS's own signer (`@smithy/signature-v4`).
 */
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { RecordedRequest } from './local-server.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream event frame, as Bedrock sends it (with the `p` padding field Bedrock adds). */
export function eventFrame(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGH' })),
  });
}

/** A mid-stream exception frame (`:message-type: exception`). */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/** Writes event-stream frames, optionally split at odd byte offsets (a frame across two TCP reads). */
export async function sendEventStream(res: ServerResponse, frames: readonly Uint8Array[], options: { delayMs?: number; hang?: boolean; split?: boolean } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-1' });
  for (const frame of frames) {
    if (res.destroyed) return;
    if (options.split && frame.length > 10) {
      res.write(frame.subarray(0, 7));
      await new Promise((resolve) => setImmediate(resolve));
      res.write(frame.subarray(7));
    } else res.write(frame);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (!options.hang) res.end();
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** An error answer as Bedrock sends it. */
export function sendBedrockError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const type = ERROR_TYPES[status] ?? 'InternalServerException';
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers });
  res.end(JSON.stringify({ message }));
}

/**
 * Whether the request carries a valid SigV4 signature for `keys`, recomputed with AWS's own signer
 * over the headers the request says it signed: what Bedrock checks.
 */
export async function verifySigV4(
  request: RecordedRequest,
  rawBody: string,
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  service = 'bedrock',
): Promise<{ ok: boolean; expected: string; got: string }> {
  const got = String(request.headers.authorization ?? '');
  const signedNames = /SignedHeaders=([^,]+)/.exec(got)?.[1].split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = String(request.headers[name] ?? '');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const [hostname, port] = String(request.headers.host).split(':');
  const signer = new SignatureV4({ service, region, credentials: keys, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: port ? Number(port) : undefined, path: request.path, query: Object.fromEntries(request.query), headers, body: rawBody },
    { signingDate },
  );
  const expected = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
  return { ok: expected === got, expected, got };
}
