// An app that bundles its main-process code with anyllm inside (as Electron templates do) and has
// the `anyllm` package installed beside it: the bundle finds the plugin runtime and the built-in
// plugins by package resolution, and completes a call and a stream in the worker and process tiers.
// Bundled with esbuild (ESM and CommonJS output) and rolldown (Vite 8's bundler, Rollup's API).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
let work: string;
let server: LocalServer;

const APP = `
import { AnyLLM } from 'anyllm';
const [apiBase, isolation] = process.argv.slice(2);
const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase, isolation, retry: false });
const messages = [{ role: 'user', content: 'hi' }];
const res = await llm.completion({ model: 'gpt-4o-mini', messages });
let streamed = '';
for await (const chunk of await llm.completionStream({ model: 'gpt-4o-mini', messages, stream: true })) {
  streamed += chunk.choices[0]?.delta?.content ?? '';
}
await llm.close();
process.stdout.write(JSON.stringify({ content: res.choices[0].message.content, streamed }));
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'anyllm-bundled-'));
  server = await LocalServer.start();
  onChat(server, (request, res) => {
    const body = request.body as { stream?: boolean };
    if (body.stream) void streamChunks(res, syntheticStream(3));
    else sendJson(res, 200, completionBody('bundled'));
  });
  // anyllm installed beside the app: its package.json and dist/ (what npm pack ships of the code).
  const pkg = join(work, 'node_modules', 'anyllm');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
  for (const name of ['openai', 'json-rpc-2.0']) symlinkSync(join(root, 'node_modules', name), join(work, 'node_modules', name), 'dir');
  mkdirSync(join(work, 'src'));
  writeFileSync(join(work, 'src', 'main.mjs'), APP);
  // The app's own output folder has nothing of anyllm's: only the bundle.
  const { build } = await import('esbuild');
  const common = { bundle: true, platform: 'node', logLevel: 'silent' } as const;
  await build({ ...common, entryPoints: [join(work, 'src', 'main.mjs')], format: 'esm', outfile: join(work, 'out-esbuild', 'main.mjs') });
  // CommonJS output has no import.meta.url; top-level await is wrapped so esbuild accepts it.
  writeFileSync(join(work, 'src', 'main-cjs.mjs'), `(async () => {${APP.replace("import { AnyLLM } from 'anyllm';", "const { AnyLLM } = await import('anyllm');")}})();`);
  await build({ ...common, entryPoints: [join(work, 'src', 'main-cjs.mjs')], format: 'cjs', outfile: join(work, 'out-esbuild-cjs', 'main.cjs') });
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({ input: join(work, 'src', 'main.mjs'), platform: 'node', logLevel: 'silent' });
  await bundle.write({ file: join(work, 'out-rolldown', 'main.mjs'), format: 'esm', codeSplitting: false });
  await bundle.close();
}, 120_000);

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe.each([
  ['esbuild, ESM', 'out-esbuild/main.mjs'],
  ['esbuild, CommonJS', 'out-esbuild-cjs/main.cjs'],
  ['rolldown, ESM', 'out-rolldown/main.mjs'],
])('an app bundled with %s', (_name, bundle) => {
  it.each(['worker', 'process'])('completes a call and a stream in the %s tier', async (isolation) => {
    const { stdout } = await run(process.execPath, [join(work, bundle), `${server.origin}/v1`, isolation], { cwd: work, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ content: 'bundled', streamed: 't0 t1 t2 ' });
  }, 90_000);
});
