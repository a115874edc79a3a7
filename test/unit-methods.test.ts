/**
 * The method map (src/protocol/methods.ts): who may send what, each message's size cap (literals:
 * the numbers docs/SECURITY.md states), and the schema checks of what a plugin sends.
 */
import { describe, expect, it } from 'vitest';
import {
  base64Length,
  checkFetchRequest,
  checkPingResult,
  FETCH_WINDOW,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_FETCH_BODIES_IN_FLIGHT,
  MAX_FETCH_BODY,
  MAX_PLUGIN_MESSAGE,
  METHODS,
  methodSpec,
  PROTOCOL_VERSION,
  STREAM_WINDOW_BYTES,
} from 'anyllm/internal/protocol/methods.js';

const KiB = 1024;
const MiB = 1024 * 1024;

describe('the method map', () => {
  it('says who sends each method, as what, and caps what a plugin may send (literals from the docs)', () => {
    const table = Object.fromEntries(Object.entries(METHODS).map(([name, spec]) => [name, [spec.from, spec.kind, spec.maxBytes]]));
    expect(table).toEqual({
      initialize: ['host', 'request', 1 * MiB],
      'client/open': ['host', 'request', 4 * KiB],
      '$/client/close': ['host', 'notification', undefined],
      '$/started': ['plugin', 'notification', 1 * KiB],
      '$/cancelled': ['plugin', 'notification', 1 * KiB],
      completion: ['host', 'request', 16 * MiB],
      completionStream: ['host', 'request', 64 * KiB],
      embedding: ['host', 'request', 32 * MiB],
      listModels: ['host', 'request', 8 * MiB],
      shutdown: ['host', 'request', 64 * KiB],
      '$/ping': ['host', 'request', 4 * KiB],
      '$/credit': ['host', 'notification', undefined],
      '$/fetchBody': ['host', 'notification', undefined],
      '$/cancel': ['either', 'notification', 1 * KiB],
      '$/chunks': ['plugin', 'notification', 16 * MiB],
      fetch: ['plugin', 'request', Math.ceil((32 * MiB) / 3) * 4 + 2 * MiB],
      '$/fetchCredit': ['plugin', 'notification', 1 * KiB],
      '$/fetchCancel': ['plugin', 'notification', 1 * KiB],
      auth: ['plugin', 'request', 64 * KiB],
    });
    expect(MAX_PLUGIN_MESSAGE).toBe(Math.ceil((32 * MiB) / 3) * 4 + 2 * MiB);
    expect(MAX_CHUNKS_PER_MESSAGE).toBe(256);
    expect(STREAM_WINDOW_BYTES).toBe(8 * MiB);
    expect(FETCH_WINDOW).toEqual({ messages: 32, bytes: 4 * MiB });
    expect(MAX_FETCH_BODY).toBe(32 * MiB);
    expect(MAX_FETCH_BODIES_IN_FLIGHT).toBe(64 * MiB);
    expect(PROTOCOL_VERSION).toBe(2);
  });

  it('methodSpec knows only the protocol\'s own methods', () => {
    expect(methodSpec('fetch')).toBe(METHODS.fetch);
    expect(methodSpec('toString')).toBeUndefined();
    expect(methodSpec('__proto__')).toBeUndefined();
    expect(methodSpec('nope')).toBeUndefined();
  });
});

describe('auth requests (credentials resolved in the host)', () => {
  const check = METHODS.auth.checkParams!;
  it('takes its client, a URL, a method, [name, value] headers and a hex SHA-256, nothing else', () => {
    expect(check({ client: 'c1', url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse', method: 'POST', headers: [['content-type', 'application/json']], bodySha256: 'a'.repeat(64) })).toBeUndefined();
    expect(check({ client: 'c1', url: 'not a url', method: 'POST' })).toBe('an auth request whose url is not a URL');
    expect(check({ client: 'c1', url: 'https://x.example', method: 'PO ST' })).toBe('an auth request whose method is not an HTTP method');
    expect(check({ client: 'c1', url: 'https://x.example', method: 'POST', headers: [['a']] })).toBe('an auth request whose headers are not [name, value] pairs of strings');
    expect(check({ client: 'c1', url: 'https://x.example', method: 'POST', bodySha256: 'XYZ' })).toBe('an auth request whose bodySha256 is not a hex SHA-256');
    expect(check({ client: 'c1', url: 'https://x.example', method: 'POST', secret: 1 })).toBe("an auth request with the unexpected member 'secret'");
    // Clients of a shared plugin each have their own credentials: the request names whose.
    expect(check({ url: 'https://x.example', method: 'POST' })).toBe('an auth request whose client is not a client id');
    expect(check({ client: 'c'.repeat(65), url: 'https://x.example', method: 'POST' })).toBe('an auth request whose client is not a client id');
  });
});

describe('checks of what a plugin sends', () => {
  const cancel = METHODS['$/cancel'].checkParams!;
  const chunks = METHODS['$/chunks'].checkParams!;
  const credit = METHODS['$/fetchCredit'].checkParams!;
  const fetchCancel = METHODS['$/fetchCancel'].checkParams!;

  it('$/started and $/cancelled: only an id; a client/open answer: exactly { ok: true }', () => {
    const started = METHODS['$/started'].checkParams!;
    const cancelled = METHODS['$/cancelled'].checkParams!;
    const opened = METHODS['client/open'].checkResult!;
    expect(started({ id: 3 })).toBeUndefined();
    expect(started({ id: 3, client: 'c1' })).toBe("a started notice with the unexpected member 'client'");
    expect(started({ id: {} })).toBe('a started notice whose id is not a request id');
    expect(cancelled({ id: 'x' })).toBeUndefined();
    expect(cancelled({ id: 1.5 })).toBe('a cancel acknowledgement whose id is not a request id');
    expect(opened({ ok: true })).toBeUndefined();
    expect(opened({ ok: true, key: 'sk-1' })).toBe('a client/open answer that is not { ok: true }');
    expect(opened({ ok: 1 })).toBe('a client/open answer that is not { ok: true }');
    expect(opened(null)).toBe('a client/open answer that is not { ok: true }');
  });

  it('$/cancel: only an id, a safe integer or a string', () => {
    expect(cancel({ id: 1 })).toBeUndefined();
    expect(cancel({ id: 'a' })).toBeUndefined();
    expect(cancel({ id: 1.5 })).toBe('a cancel whose id is not a request id');
    expect(cancel({ id: 2 ** 60 })).toBe('a cancel whose id is not a request id');
    expect(cancel({ id: null })).toBe('a cancel whose id is not a request id');
    expect(cancel({})).toBe('a cancel whose id is not a request id');
    expect(cancel([1])).toBe('a cancel that is not an object');
    expect(cancel(null)).toBe('a cancel that is not an object');
    expect(cancel('x')).toBe('a cancel that is not an object');
    expect(cancel({ id: 1, [`x${'y'.repeat(100)}`]: 1 })).toBe(`a cancel with the unexpected member 'x${'y'.repeat(39)}'`);
  });

  it('$/chunks: the usage so far beside the batch must be OpenAI-shaped usage', () => {
    const batch = { id: 1, json: '[]' };
    expect(chunks({ ...batch, usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } })).toBeUndefined();
    expect(chunks({ ...batch, usage: null })).toMatch(/^a chunk batch whose usage is not OpenAI-shaped/);
    expect(chunks({ ...batch, usage: { prompt_tokens: -1, completion_tokens: 2, total_tokens: 1 } })).toMatch(/^a chunk batch whose usage is not OpenAI-shaped: usage\.prompt_tokens/);
    expect(chunks({ ...batch, usage: 'lots' })).toMatch(/^a chunk batch whose usage is not OpenAI-shaped/);
  });

  it('$/chunks: an id and exactly one of 1 to 256 chunk objects or a JSON text', () => {
    const chunk = { id: 'c' };
    expect(chunks({ id: 1, chunks: [chunk] })).toBeUndefined();
    expect(chunks({ id: 'x', chunks: Array.from({ length: 256 }, () => chunk) })).toBeUndefined();
    expect(chunks({ id: 1, chunks: Array.from({ length: 257 }, () => chunk) })).toBe('a chunk batch that is not an array of 1 to 256 chunks');
    expect(chunks({ id: 1, chunks: [] })).toBe('a chunk batch that is not an array of 1 to 256 chunks');
    expect(chunks({ id: 1, chunks: 'x' })).toBe('a chunk batch that is not an array of 1 to 256 chunks');
    expect(chunks({ id: 1, chunks: [chunk, null] })).toBe('a chunk batch holding something that is not an object');
    expect(chunks({ id: 1, chunks: [[]] })).toBe('a chunk batch holding something that is not an object');
    expect(chunks({ id: 1, json: '[]' })).toBeUndefined();
    expect(chunks({ id: 1, json: 5 })).toBe('a chunk batch whose json is not text');
    expect(chunks({ id: 1, json: '[]', chunks: [chunk] })).toBe('a chunk batch with both or neither of chunks and json');
    expect(chunks({ id: 1 })).toBe('a chunk batch with both or neither of chunks and json');
    expect(chunks({ id: {}, chunks: [chunk] })).toBe('a chunk batch whose id is not a request id');
    expect(chunks({ id: 1, chunks: [chunk], extra: 1 })).toBe("a chunk batch with the unexpected member 'extra'");
    expect(chunks(null)).toBe('a chunk batch that is not an object');
  });

  it('$/fetchCredit: an integer stream and a positive count of parts and bytes', () => {
    expect(credit({ stream: 1, credits: 1, bytes: 0 })).toBeUndefined();
    expect(credit({ stream: 1, credits: 0, bytes: 1 })).toBeUndefined();
    expect(credit({ stream: 1, credits: 0, bytes: 0 })).toBe('a fetch credit that is not a positive count of parts and bytes');
    expect(credit({ stream: 1, credits: -1, bytes: 5 })).toBe('a fetch credit that is not a positive count of parts and bytes');
    expect(credit({ stream: 1, credits: 1, bytes: -1 })).toBe('a fetch credit that is not a positive count of parts and bytes');
    expect(credit({ stream: 1, credits: 0.5, bytes: 1 })).toBe('a fetch credit that is not a positive count of parts and bytes');
    expect(credit({ stream: 1, credits: 1, bytes: 1e300 })).toBe('a fetch credit that is not a positive count of parts and bytes');
    expect(credit({ stream: '1', credits: 1, bytes: 1 })).toBe('a fetch credit whose stream is not an integer');
    expect(credit({ stream: 1, credits: 1, bytes: 1, more: 1 })).toBe("a fetch credit with the unexpected member 'more'");
  });

  it('$/fetchCancel: only an integer stream', () => {
    expect(fetchCancel({ stream: 3 })).toBeUndefined();
    expect(fetchCancel({ stream: 'a' })).toBe('a fetch cancel whose stream is not an integer');
    expect(fetchCancel({ stream: 3, id: 1 })).toBe("a fetch cancel with the unexpected member 'id'");
  });

  it('fetch: stream, an http(s) URL, a method, header pairs, a bounded base64 body', () => {
    const ok = { stream: 1, url: 'https://a.example/x', method: 'POST', headers: [['a', 'b']] };
    expect(checkFetchRequest(ok)).toBeUndefined();
    expect(checkFetchRequest({ ...ok, url: 'http://a.example', method: 'g', headers: [] })).toBeUndefined();
    expect(checkFetchRequest({ ...ok, stream: 1.5 })).toBe('stream must be an integer');
    expect(checkFetchRequest({ ...ok, url: 'not a url' })).toBe('url must be a URL');
    expect(checkFetchRequest({ ...ok, url: 5 })).toBe('url must be a URL');
    expect(checkFetchRequest({ ...ok, url: 'data:text/plain,x' })).toBe('data: URLs are not fetched');
    expect(checkFetchRequest({ ...ok, method: 'GE T' })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, method: 'A'.repeat(17) })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, method: 'A'.repeat(16) })).toBeUndefined();
    expect(checkFetchRequest({ ...ok, method: '' })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, method: 7 })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, method: ['GET'] })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, url: ['https://a.example/'] })).toBe('url must be a URL');
    expect(checkFetchRequest({ ...ok, method: 'GET\n' })).toBe('method must be an HTTP method');
    expect(checkFetchRequest({ ...ok, method: 'xGET' })).toBeUndefined();
    for (const headers of [{}, [['a']], [['a', 'b', 'c']], [['a', 1]], [[1, 'a']], ['ab'], [['a', 'b'], 'x']]) {
      expect(checkFetchRequest({ ...ok, headers })).toBe('headers must be [name, value] pairs of strings');
    }
    expect(checkFetchRequest({ ...ok, body: 5 })).toBe('body must be base64 text');
    expect(checkFetchRequest({ ...ok, body: 'QUJD' })).toBeUndefined();
    const atCap = 'A'.repeat((32 * MiB * 4) / 3 + 1);
    expect(base64Length(atCap)).toBe(32 * MiB);
    expect(checkFetchRequest({ ...ok, body: atCap })).toBeUndefined();
    expect(checkFetchRequest({ ...ok, body: `${atCap}AAAA` })).toBe(`the body is larger than ${32 * MiB} bytes`);
    expect(checkFetchRequest({ ...ok, extra: 1 })).toBe("a fetch with the unexpected member 'extra'");
    expect(checkFetchRequest('x')).toBe('a fetch that is not an object');
  });

  it('base64Length counts the decoded bytes, padding included', () => {
    expect(base64Length('')).toBe(0);
    expect(base64Length('QUJD')).toBe(3);
    expect(base64Length('QUI=')).toBe(2);
    expect(base64Length('QQ==')).toBe(1);
    for (const text of ['a', 'ab', 'abc', 'abcd', 'hello world', 'x'.repeat(100)]) {
      expect(base64Length(Buffer.from(text).toString('base64'))).toBe(text.length);
    }
  });
});

describe('checks of what a plugin answers', () => {
  it('$/ping: exactly { ok: true }', () => {
    expect(checkPingResult({ ok: true })).toBeUndefined();
    expect(METHODS['$/ping'].checkResult).toBe(checkPingResult);
    expect(checkPingResult({ ok: true, more: 1 })).toBe('answered $/ping with {"ok":true,"more":1} instead of { ok: true }');
    expect(checkPingResult({ ok: 1 })).toBe('answered $/ping with {"ok":1} instead of { ok: true }');
    expect(checkPingResult(null)).toBe('answered $/ping with null instead of { ok: true }');
    expect(checkPingResult([true])).toBe('answered $/ping with [true] instead of { ok: true }');
    expect(checkPingResult(undefined)).toBe('answered $/ping with undefined instead of { ok: true }');
    expect(checkPingResult({ ok: true, x: 'y'.repeat(200) })).toBe(`answered $/ping with ${JSON.stringify({ ok: true, x: 'y'.repeat(200) }).slice(0, 80)} instead of { ok: true }`);
  });

  it('a stream result must carry a chunk count', () => {
    const check = METHODS.completionStream.checkResult!;
    expect(check({ chunks: 0 })).toBeUndefined();
    expect(check({ chunks: 5 })).toBeUndefined();
    expect(check({ chunks: -1 })).toBe('a stream result without a chunk count');
    expect(check({ chunks: 1.5 })).toBe('a stream result without a chunk count');
    expect(check(null)).toBe('a stream result without a chunk count');
    expect(check([])).toBe('a stream result without a chunk count');
  });

  it('completions, model lists and handshakes must be OpenAI-shaped', () => {
    expect(METHODS.completion.checkResult!({})).toMatch(/^a completion that is not OpenAI-shaped: ./);
    expect(METHODS.listModels.checkResult!({ object: 'list', data: [] })).toBeUndefined();
    expect(METHODS.listModels.checkResult!({ data: 5 })).toMatch(/^a model list that is not OpenAI-shaped: ./);
    expect(METHODS.initialize.checkResult!(null)).toMatch(/^a handshake answer that is not OpenAI-shaped: ./);
    expect(METHODS.shutdown.checkResult).toBeUndefined();
  });
});
