/**
 * The shortest plugin in docs/PLUGINS.md, exactly as printed there (its package.json and index.js
 * are read from the document), installed as a community plugin and run in the sandbox against a
 * local OpenAI-shaped server: a completion, a stream and the model list.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AnyLLM, registerPlugin } from 'anyllm';
import { LocalServer, sendJson, sendSse } from './support/local-server.js';

const doc = readFileSync(new URL('../docs/PLUGINS.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## The shortest plugin'), doc.indexOf('## ', doc.indexOf('## The shortest plugin') + 3));
const block = (lang: string) => {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  if (!match) throw new Error(`no ${lang} block in the shortest-plugin section`);
  return match[1]!;
};

const root = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-doc-plugin-')));
let server: LocalServer;
let llm: AnyLLM;

beforeAll(async () => {
  server = await LocalServer.start();
  server.on('POST', '/v1/chat/completions', async (request, res) => {
    const body = request.body as { stream?: boolean };
    if (!body.stream) {
      sendJson(res, 200, {
        id: 'c1', object: 'chat.completion', created: 1, model: 'acme-1',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hello from acme' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      });
      return;
    }
    const chunk = (delta: object, finish: string | null) =>
      JSON.stringify({ id: 'c2', object: 'chat.completion.chunk', created: 1, model: 'acme-1', choices: [{ index: 0, delta, finish_reason: finish }] });
    await sendSse(res, [chunk({ role: 'assistant', content: 'str' }, null), chunk({ content: 'eamed' }, 'stop'), '[DONE]'].map((data) => `data: ${data}`));
  });
  server.on('GET', '/v1/models', (_request, res) => sendJson(res, 200, { object: 'list', data: [{ id: 'acme-1', object: 'model', created: 1, owned_by: 'acme' }] }));

  const manifest = JSON.parse(block('json')) as { name: string; anyllm: { network: string[]; defaultBaseUrl: string } };
  // The only edit: the local server stands in for api.acme.example.
  manifest.anyllm.network = [server.origin];
  manifest.anyllm.defaultBaseUrl = `${server.origin}/v1`;
  const dir = join(root, 'node_modules', manifest.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'index.js'), block('js'));
  // Its declared dependency, installed beside it.
  symlinkSync(fileURLToPath(new URL('../node_modules/openai', import.meta.url)), join(root, 'node_modules', 'openai'), 'dir');
  const name = await registerPlugin(dir);
  llm = await AnyLLM.create(name, { apiKey: 'acme-key', pluginStderr: 'pipe' });
});

afterAll(async () => {
  await llm?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

it('runs sandboxed: a completion, a stream and the model list', async () => {
  expect(llm.isolation).toBe('sandbox');
  const reply = await llm.completion({ model: 'acme-1', messages: [{ role: 'user', content: 'Hi' }] });
  expect(reply.choices[0]?.message.content).toBe('hello from acme');
  let text = '';
  for await (const chunk of llm.completionStream({ model: 'acme-1', messages: [{ role: 'user', content: 'Hi' }] })) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  expect(text).toBe('streamed');
  expect((await llm.listModels()).map((model) => model.id)).toEqual(['acme-1']);
  expect(server.requests.find((r) => r.path === '/v1/chat/completions')?.headers.authorization).toBe('Bearer acme-key');
});
