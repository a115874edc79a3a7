/**
 * The sandbox's fetch proxy (src/host/fetch-proxy.ts) with a fake connection and a fake upstream,
 * in the test process: which fetches it refuses and why, redirects, the headers it drops, and how a
 * body ends (done, failed upstream, cancelled by the plugin, cut off when the call ends).
 * test/protocol-flow-control.test.ts covers the body pump's credit and drain waits.
 */
import { describe, expect, it } from 'vitest';
import { serveFetchProxy, type FetchProxyOptions } from 'anyllm/internal/host/fetch-proxy.js';
import type { Connection } from 'anyllm/internal/protocol/connection.js';
import { AnyLLMError, InvalidRequestError } from 'anyllm/internal/errors.js';

type Body = { stream: number; data?: string; done?: boolean; error?: string };
type Seen = { url: string; method: string; headers: [string, string][]; body?: Uint8Array; redirect: string; signal: AbortSignal };

function world(respond: (seen: Seen, count: number) => Response | Promise<Response>, options: Partial<FetchProxyOptions> = {}) {
  const requests = new Map<string, (params: unknown, context: { id: number; signal: AbortSignal }) => Promise<unknown>>();
  const notifications = new Map<string, (params: unknown) => void>();
  const bodies: Body[] = [];
  const seen: Seen[] = [];
  const connection = {
    onRequest: (method: string, handler: never) => requests.set(method, handler),
    onNotification: (method: string, handler: never) => notifications.set(method, handler),
    notify: (_method: string, params: Body) => {
      bodies.push(params);
      return undefined;
    },
    backedUp: false,
    drained: () => Promise.resolve(),
  };
  const proxy = serveFetchProxy(connection as unknown as Connection, {
    provider: 'acme',
    network: ['https://a.example', 'https://b.example:8443/ignored/path'],
    fetch: (async (url: URL, init: Omit<Seen, 'url'>) => {
      seen.push({ url: url.href, ...init });
      return respond(seen.at(-1)!, seen.length);
    }) as never,
    ...options,
  });
  const fetch = (params: object, signal = new AbortController().signal) =>
    requests.get('fetch')!({ stream: 1, url: 'https://a.example/v1', method: 'GET', headers: [], ...params }, { id: 1, signal });
  return {
    proxy,
    bodies,
    seen,
    fetch,
    credit: (params: object) => notifications.get('$/fetchCredit')!(params),
    cancel: (stream: number) => notifications.get('$/fetchCancel')!({ stream }),
  };
}
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise(setImmediate);
};
const text = (body: Body[]) => body.filter((b) => b.data).map((b) => Buffer.from(b.data!, 'base64').toString()).join('');
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as AnyLLMError);

describe('fetch proxy: refusals', () => {
  it('refuses a malformed fetch', async () => {
    const w = world(() => new Response('x'));
    const error = await failure(w.fetch({ url: 'ftp://a.example/' }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error?.message).toBe("Malformed fetch from plugin 'acme': ftp: URLs are not fetched.");
    expect(error?.provider).toBe('acme');
  });

  it('refuses an origin not in the network list, naming the list, or saying it is empty', async () => {
    let w = world(() => new Response('x'));
    let error = await failure(w.fetch({ url: 'https://evil.example/x' }));
    expect(error?.message).toBe(
      "Plugin 'acme' may not reach https://evil.example (fetch): it is not in the network list of its manifest (https://a.example, https://b.example:8443).",
    );
    expect(error?.code).toBe('network_denied');
    expect(w.seen).toEqual([]);
    w = world(() => new Response('x'), { network: [] });
    error = await failure(w.fetch({}));
    expect(error?.message).toBe("Plugin 'acme' may not reach https://a.example (fetch): it is not in the network list of its manifest, which is empty.");
    // The origin is what counts: a declared origin with a path allows the whole origin.
    w = world(() => new Response('x'));
    await w.fetch({ url: 'https://b.example:8443/other' });
    expect(w.seen[0]?.url).toBe('https://b.example:8443/other');
  });

  it('refuses a fetch between calls', async () => {
    const w = world(() => new Response('x'));
    w.proxy.setActive(false);
    const error = await failure(w.fetch({}));
    expect(error?.message).toBe("Plugin 'acme' may fetch only while a call is in flight.");
    expect(error?.code).toBe('fetch_between_calls');
    w.proxy.setActive(true);
    await expect(w.fetch({})).resolves.toMatchObject({ status: 200 });
  });

  it('refuses a stream already open, and more than maxOpen fetches at once', async () => {
    const w = world(() => new Promise<Response>(() => {}), { maxOpen: 2 });
    void w.fetch({ stream: 1 }).catch(() => {});
    let error = await failure(w.fetch({ stream: 1 }));
    expect(error?.message).toBe('fetch stream 1 is already open.');
    expect(error?.provider).toBe('acme');
    expect(error).toBeInstanceOf(InvalidRequestError);
    void w.fetch({ stream: 2 }).catch(() => {});
    error = await failure(w.fetch({ stream: 3 }));
    expect(error?.message).toBe("Plugin 'acme' has 2 fetches open already.");
    expect(error?.provider).toBe('acme');
    w.proxy.close();
  });

  it('frees a stream and the bodies in flight when a fetch fails, so they can be used again', async () => {
    let fail = true;
    const w = world(() => (fail ? Promise.reject(new Error('refused upstream')) : new Response('ok')), { maxBodiesInFlight: 6 });
    const body = Buffer.alloc(6).toString('base64');
    expect((await failure(w.fetch({ stream: 1, method: 'POST', body })))?.message).toBe('refused upstream');
    fail = false;
    await expect(w.fetch({ stream: 1, method: 'POST', body })).resolves.toMatchObject({ status: 200 });
  });

  it('takes a body exactly at the limit of bodies in flight', async () => {
    const w = world(() => new Promise<Response>(() => {}), { maxBodiesInFlight: 12 });
    const body = Buffer.alloc(6).toString('base64');
    void w.fetch({ stream: 1, method: 'POST', body }).catch(() => {});
    void w.fetch({ stream: 2, method: 'POST', body }).catch(() => {});
    const error = await failure(w.fetch({ stream: 3, method: 'POST', body }));
    expect(error?.message).toMatch(/has 12 bytes of request bodies waiting on upstream already; another 6 would pass the limit of 12/);
    expect(error?.code).toBe('fetch_bodies_limit');
    w.proxy.close();
  });
});

describe('fetch proxy: the request upstream and the answer', () => {
  it('sends the method, body and headers minus hop-by-hop ones, never follows redirects itself; answers the head', async () => {
    const w = world(
      () =>
        new Response('hello', {
          status: 201,
          statusText: 'Created',
          headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': '5', 'x-a': '1' },
        }),
      { window: { messages: 3, bytes: 999 } },
    );
    const result = await w.fetch({
      method: 'POST',
      body: Buffer.from('payload').toString('base64'),
      headers: [
        ['Authorization', 'Bearer k'],
        ['Connection', 'close'],
        ['keep-alive', '1'],
        ['Transfer-Encoding', 'chunked'],
        ['Host', 'evil'],
        ['Content-Length', '9'],
        ['upgrade', 'h2'],
        ['TE', 'x'],
        ['trailer', 'x'],
      ],
    });
    expect(w.seen[0]).toMatchObject({ url: 'https://a.example/v1', method: 'POST', headers: [['Authorization', 'Bearer k']], redirect: 'manual' });
    expect(Buffer.from(w.seen[0]!.body!).toString()).toBe('payload');
    expect(result).toEqual({
      status: 201,
      statusText: 'Created',
      headers: [
        ['content-type', 'text/plain'],
        ['x-a', '1'],
      ],
      url: 'https://a.example/v1',
      window: 3,
      windowBytes: 999,
    });
    await settle();
    expect(text(w.bodies)).toBe('hello');
    expect(w.bodies.at(-1)).toEqual({ stream: 1, done: true });
    expect(w.seen[0]?.body).toBeInstanceOf(Uint8Array);
  });

  it('sends no body when the plugin gave none, and uses the default window', async () => {
    const w = world(() => new Response('x'));
    const result = (await w.fetch({})) as { window: number; windowBytes: number };
    expect(w.seen[0]?.body).toBeUndefined();
    expect(result.window).toBe(32);
    expect(result.windowBytes).toBe(4 * 1024 * 1024);
  });

  it('follows redirects inside the network list, relative ones included, and answers with the final URL', async () => {
    const w = world((_seen, count) =>
      count === 1 ? new Response(null, { status: 302, headers: { location: '/next' } }) : count === 2 ? new Response(null, { status: 307, headers: { location: 'https://b.example:8443/last' } }) : new Response('end'),
    );
    const result = (await w.fetch({ method: 'PUT', body: Buffer.from('b').toString('base64') })) as { url: string };
    expect(w.seen.map((s) => `${s.method} ${s.url} ${s.body ? 'body' : '-'}`)).toEqual([
      'PUT https://a.example/v1 body',
      'PUT https://a.example/next body',
      'PUT https://b.example:8443/last body',
    ]);
    expect(result.url).toBe('https://b.example:8443/last');
  });

  it('turns a 303, and a 301/302 after POST, into a GET without a body; 307 and 308 keep both', async () => {
    for (const [status, method, expected] of [
      [303, 'PUT', 'GET -'],
      [301, 'POST', 'GET -'],
      [302, 'POST', 'GET -'],
      [301, 'PUT', 'PUT body'],
      [307, 'POST', 'POST body'],
      [308, 'POST', 'POST body'],
    ] as const) {
      const w = world((_seen, count) => (count === 1 ? new Response(null, { status, headers: { location: '/b' } }) : new Response('x')));
      await w.fetch({ method, body: Buffer.from('b').toString('base64') });
      expect(`${w.seen[1]?.method} ${w.seen[1]?.body ? 'body' : '-'}`).toBe(expected);
    }
  });

  it('refuses a redirect out of the network list, naming where it came from', async () => {
    const w = world(() => new Response(null, { status: 301, headers: { location: 'http://169.254.169.254/latest' } }));
    const error = await failure(w.fetch({}));
    expect(error?.message).toMatch(/^Plugin 'acme' may not reach http:\/\/169\.254\.169\.254 \(redirect from https:\/\/a\.example\)/);
    expect(w.seen).toHaveLength(1);
  });

  it('stops following after 5 redirects and hands the 6th answer to the plugin; a redirect status without location is an answer', async () => {
    let w = world(() => new Response(null, { status: 302, headers: { location: '/again' } }));
    const result = (await w.fetch({})) as { status: number };
    expect(w.seen).toHaveLength(6);
    expect(result.status).toBe(302);
    w = world(() => new Response(null, { status: 302 }));
    expect(((await w.fetch({})) as { status: number }).status).toBe(302);
    expect(w.seen).toHaveLength(1);
    w = world(() => new Response(null, { status: 300, headers: { location: '/x' } }));
    expect(((await w.fetch({})) as { status: number }).status).toBe(300);
    expect(w.seen).toHaveLength(1);
  });
});

describe('fetch proxy: how a body ends', () => {
  const chunked = (parts: string[], fail?: string) =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = parts.shift();
          if (next !== undefined) controller.enqueue(new TextEncoder().encode(next));
          else if (fail) controller.error(new Error(fail));
          else controller.close();
        },
      }),
    );

  it('a body with no content ends at once with done', async () => {
    const w = world(() => new Response(null, { status: 204 }));
    await w.fetch({});
    await settle();
    expect(w.bodies).toEqual([{ stream: 1, done: true }]);
  });

  it('a body that fails upstream ends with its error', async () => {
    const w = world(() => chunked(['ab'], 'socket hang up'));
    await w.fetch({});
    await settle();
    expect(text(w.bodies)).toBe('ab');
    expect(w.bodies.at(-1)).toEqual({ stream: 1, error: 'socket hang up' });
  });

  it('the plugin\'s cancel stops the body without a word, and frees the stream', async () => {
    const w = world(() => chunked(['a', 'b', 'c']), { window: { messages: 1, bytes: 1_000 } });
    await w.fetch({});
    await settle();
    expect(text(w.bodies)).toBe('a');
    w.cancel(1);
    w.cancel(1);
    w.cancel(9);
    await settle();
    expect(w.bodies).toHaveLength(1);
    expect(w.seen[0]?.signal.aborted).toBe(true);
    await expect(w.fetch({ stream: 1 })).resolves.toMatchObject({ status: 200 });
  });

  it('a credit for an unknown stream, or with counts that are not integers, is ignored', async () => {
    const w = world(() => chunked(['a', 'b', 'c']), { window: { messages: 1, bytes: 1_000 } });
    await w.fetch({});
    await settle();
    w.credit({ stream: 2, credits: 1, bytes: 1 });
    w.credit({ stream: 1, credits: 0.5, bytes: 1 });
    w.credit({ stream: 1, credits: 1, bytes: '1' });
    await settle();
    expect(text(w.bodies)).toBe('a');
    w.credit({ stream: 1, credits: 1, bytes: 1 });
    await settle();
    expect(text(w.bodies)).toBe('ab');
  });

  it('when the call ends, an open body is cut off with the reason, and the next fetch waits for a call', async () => {
    const w = world(() => chunked(['a', 'b']), { window: { messages: 1, bytes: 1_000 } });
    await w.fetch({});
    await settle();
    w.proxy.setActive(false);
    await settle();
    expect(w.bodies.at(-1)).toEqual({ stream: 1, error: "Plugin 'acme' may fetch only while a call is in flight; its call ended." });
    expect(w.bodies.filter((b) => b.error)).toHaveLength(1);
    expect(w.seen[0]?.signal.aborted).toBe(true);
  });

  it('a fetch whose call ends before upstream answers fails with the reason', async () => {
    let answer!: (response: Response) => void;
    const w = world(() => new Promise<Response>((resolve) => (answer = resolve)));
    const pending = failure(w.fetch({}));
    await settle();
    w.proxy.setActive(false);
    answer(new Response('late'));
    const error = await pending;
    expect(error?.message).toBe("Plugin 'acme' may fetch only while a call is in flight; its call ended.");
    expect(error?.code).toBe('fetch_aborted');
  });

  it('a fetch the plugin cancels ($/cancel) before upstream answers is aborted upstream and fails', async () => {
    let answer!: (response: Response) => void;
    const w = world(() => new Promise<Response>((resolve) => (answer = resolve)));
    const controller = new AbortController();
    const pending = failure(w.fetch({}, controller.signal));
    await settle();
    controller.abort();
    expect(w.seen[0]?.signal.aborted).toBe(true);
    answer(new Response('late'));
    const error = await pending;
    expect(error?.message).toBe('The fetch was aborted.');
    expect(error?.code).toBe('fetch_aborted');
  });

  it('an upstream that honours the abort: the fetch fails with the reason the call ended', async () => {
    const w = world(
      (seen) =>
        new Promise<Response>((_resolve, reject) =>
          seen.signal.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError'))),
        ),
    );
    const pending = failure(w.fetch({}));
    await settle();
    w.proxy.setActive(false);
    const error = await pending;
    expect(error?.message).toBe("Plugin 'acme' may fetch only while a call is in flight; its call ended.");
    expect(error?.code).toBe('fetch_aborted');
  });

  it('an aborted fetch whose upstream answers with no body still fails cleanly', async () => {
    let answer!: (response: Response) => void;
    const w = world(() => new Promise<Response>((resolve) => (answer = resolve)));
    const controller = new AbortController();
    const pending = failure(w.fetch({}, controller.signal));
    await settle();
    controller.abort();
    answer(new Response(null, { status: 204 }));
    expect((await pending)?.message).toBe('The fetch was aborted.');
  });

  it('a body whose upstream read fails because the plugin cancelled it ends without an error part', async () => {
    const w = world(
      (seen) =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('a'));
              seen.signal.addEventListener('abort', () => controller.error(new Error('aborted upstream')));
            },
          }),
        ),
    );
    await w.fetch({});
    await settle();
    expect(text(w.bodies)).toBe('a');
    w.cancel(1);
    await settle();
    expect(w.bodies.filter((b) => b.error)).toEqual([]);
  });

  it('a call starting again does not cut off an open body', async () => {
    const w = world(() => chunked(['a', 'b']), { window: { messages: 1, bytes: 1_000 } });
    await w.fetch({});
    await settle();
    w.proxy.setActive(true);
    w.credit({ stream: 1, credits: 1, bytes: 1 });
    await settle();
    expect(text(w.bodies)).toBe('ab');
    expect(w.bodies.filter((b) => b.error)).toEqual([]);
    expect(w.seen[0]?.signal.aborted).toBe(false);
  });

  it('close aborts every open body without a message and forgets them', async () => {
    const w = world(() => chunked(['a', 'b']), { window: { messages: 1, bytes: 1_000 } });
    await w.fetch({});
    await settle();
    w.proxy.close();
    await settle();
    expect(w.bodies.filter((b) => b.error || b.done)).toEqual([]);
    expect(w.seen[0]?.signal.aborted).toBe(true);
    await expect(w.fetch({ stream: 1 })).resolves.toMatchObject({ status: 200 });
  });

  it('a body cut off before its pump starts ends with the reason', async () => {
    const w = world(() => chunked(['a']));
    await w.fetch({});
    w.proxy.setActive(false);
    await settle();
    expect(w.bodies).toEqual([{ stream: 1, error: "Plugin 'acme' may fetch only while a call is in flight; its call ended." }]);
  });

  it('a body cancelled before its pump starts sends nothing', async () => {
    const w = world(() => chunked(['a']));
    await w.fetch({});
    w.cancel(1);
    await settle();
    expect(w.bodies).toEqual([]);
  });
});
