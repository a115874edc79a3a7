// The package as users install it: the packed tarball type-checks under each TypeScript module
// resolution the README lists, `require('anyllm')` works from CommonJS, and an install from a git
// URL (a fresh clone, `prepare` builds, npm packs it) completes a call. No network: npm uses its cache.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalServer, sendJson } from './support/local-server.js';
import { completionBody, onChat } from './support/openai-wire.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules/.bin/tsc');
let work: string;
let server: LocalServer;

/** `node_modules/<name>` in `dir` pointing at the repo's copy. */
function linkFromRepo(dir: string, name: string): void {
  mkdirSync(join(dir, 'node_modules', name, '..'), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'anyllm-install-'));
  server = await LocalServer.start();
  onChat(server, (_request, res) => sendJson(res, 200, completionBody('installed')));
  // The tarball npm would publish (dist/ is built already; `prepare` is covered by the git test).
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
  const pkg = join(work, 'app', 'node_modules', 'anyllm');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, filename), '-C', pkg, '--strip-components=1']);
  for (const name of ['openai', 'json-rpc-2.0', '@types/node']) linkFromRepo(join(work, 'app'), name);
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Uses both entries' types; the `@ts-expect-error` fails the check if a type came back as `any`. */
const usage = `import { AnyLLM, ConnectionError, type ChatCompletion } from 'anyllm';
import { Provider, type CallContext } from 'anyllm/plugin';
export async function ask(): Promise<string | null> {
  const llm = await AnyLLM.create('openai', { apiKey: 'k' });
  const reply: ChatCompletion = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  // @ts-expect-error model must be a string
  await llm.completion({ model: 42, messages: [] });
  const ctx: CallContext = { signal: new AbortController().signal };
  void ctx; void Provider; void ConnectionError;
  return reply.choices[0].message.content;
}
`;

const modes: { name: string; type: 'module' | 'commonjs'; module: string; moduleResolution?: string }[] = [
  { name: 'ESM, nodenext', type: 'module', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'ESM, node16', type: 'module', module: 'node16', moduleResolution: 'node16' },
  { name: 'CommonJS, nodenext (require(esm))', type: 'commonjs', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'CommonJS, module commonjs', type: 'commonjs', module: 'commonjs' },
  { name: 'bundler, module preserve', type: 'module', module: 'preserve', moduleResolution: 'bundler' },
  { name: 'bundler, module esnext', type: 'module', module: 'esnext', moduleResolution: 'bundler' },
];

function fixture(name: string, type: string, compilerOptions: Record<string, unknown>): string {
  const dir = join(work, 'app', name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], ...compilerOptions },
    files: ['index.ts'],
  }));
  writeFileSync(join(dir, 'index.ts'), usage);
  return dir;
}

async function typecheck(dir: string): Promise<{ ok: boolean; output: string }> {
  return run(tsc, ['-p', dir], { cwd: dir }).then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? String(error) }),
  );
}

describe('the packed package under TypeScript', () => {
  it.each(modes)('$name finds the code and the types of anyllm and anyllm/plugin', async ({ name, type, module, moduleResolution }) => {
    const result = await typecheck(fixture(name, type, { module, ...(moduleResolution ? { moduleResolution } : {}) }));
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('node16 in a CommonJS file is refused, as the README says (Node 16 had no require(esm))', async () => {
    const result = await typecheck(fixture('cjs-node16', 'commonjs', { module: 'node16', moduleResolution: 'node16' }));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('TS1479');
  });
});

describe('CommonJS', () => {
  it('require("anyllm") completes a call', async () => {
    const script = join(work, 'app', 'call.cjs');
    writeFileSync(script, `
const { AnyLLM, ConnectionError } = require('anyllm');
const { Provider } = require('anyllm/plugin');
(async () => {
  const llm = await AnyLLM.create('openai', { apiKey: 'k', apiBase: process.argv[2], retry: false });
  const reply = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  await llm.close();
  console.log(JSON.stringify({ content: reply.choices[0].message.content, classes: typeof ConnectionError + typeof Provider }));
})();
`);
    const { stdout } = await run(process.execPath, [script, `${server.origin}/v1`], { cwd: join(work, 'app'), timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ content: 'installed', classes: 'functionfunction' });
  });
});

describe('installed from a git URL', () => {
  it('a fresh clone builds on prepare, packs, installs beside openai and completes a call', async () => {
    const app = join(work, 'git-app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'git-app', private: true, type: 'module' }));
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const openai = (JSON.parse(readFileSync(join(root, 'node_modules/openai/package.json'), 'utf8')) as { version: string }).version;
    // npm clones the commit, installs its devDependencies, runs `prepare` (the build) and packs it.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${root}#${commit}`, `openai@${openai}`], {
      cwd: app,
      timeout: 300_000,
    });
    writeFileSync(join(app, 'call.mjs'), `
import { completion } from 'anyllm';
const reply = await completion({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, { apiKey: 'k', apiBase: process.argv[2], retry: false });
console.log(reply.choices[0].message.content);
`);
    const { stdout } = await run(process.execPath, [join(app, 'call.mjs'), `${server.origin}/v1`], { cwd: app, timeout: 20_000 });
    expect(stdout.trim()).toBe('installed');
  }, 320_000);
});
