// completion() and completionStream() take 'provider:model', split at the first ':'.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completion, completionStream, InvalidRequestError, UnsupportedProviderError } from 'anyllm';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

let server: LocalServer;
let apiBase: string;
const messages = [{ role: 'user' as const, content: 'Hi' }];

beforeAll(async () => {
  server = await LocalServer.start();
  apiBase = `${server.origin}/v1`;
  onChat(server, (req, res) => {
    if ((req.body as { stream?: boolean }).stream) return streamChunks(res, syntheticStream(3));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('top-level')));
  });
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

describe('top-level completion()', () => {
  it('routes openai:gpt-4o-mini to the openai plugin with model gpt-4o-mini', async () => {
    const res = await completion({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-test', apiBase });
    expect(res.choices[0].message.content).toBe('top-level');
    expect(server.requests[0].body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('splits at the first colon only, so model ids may contain colons', async () => {
    await completion({ model: 'openai:ft:gpt-4o-mini:acme::abc123', messages }, { apiKey: 'sk-test', apiBase });
    expect(server.requests[0].body).toMatchObject({ model: 'ft:gpt-4o-mini:acme::abc123' });
  });

  it.each(['gpt-4o-mini', ':gpt-4o-mini', 'openai:', ''])('refuses the model %j without a provider prefix', async (model) => {
    await expect(completion({ model, messages }, { apiKey: 'sk-test', apiBase })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an unknown provider', async () => {
    await expect(completion({ model: 'nope:model', messages })).rejects.toBeInstanceOf(UnsupportedProviderError);
  });
});

describe('top-level completionStream()', () => {
  it('streams from the provider named in the model', async () => {
    const contents: string[] = [];
    for await (const chunk of completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-test', apiBase })) {
      contents.push(chunk.choices[0]?.delta.content ?? '');
    }
    expect(contents.slice(0, 3)).toEqual(['t0 ', 't1 ', 't2 ']);
    expect(server.requests[0].body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
  });

  it('surfaces a bad model when iterated', async () => {
    const consume = async () => {
      for await (const _ of completionStream({ model: 'no-prefix', messages })) {
        // not reached
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
