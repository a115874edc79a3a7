// A plugin starts the same however the host was started: flags meant for the host's own entry
// (`--input-type=module -e`, the app's `--import` hooks, `--inspect`) never reach a plugin, in the
// worker and process tiers; the host's diagnostics settings (source maps, silenced warnings) do.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginFlags, withoutNodeOptions } from 'anyllm/internal/host/launchers/plugin-flags.js';
import { sendJson, LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

const entry = pathToFileURL(fileURLToPath(new URL('../dist/src/index.js', import.meta.url))).href;
let server: LocalServer;
let dir: string;

/** The host: one call and one stream on the tier in TEST_ISOLATION, then a JSON line with what it saw. */
const hostScript = `
import { AnyLLM } from ${JSON.stringify(entry)};
const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: process.env.TEST_API_BASE, isolation: process.env.TEST_ISOLATION, retry: false });
const messages = [{ role: 'user', content: 'Hi' }];
const res = await llm.completion({ model: 'gpt-4o-mini', messages });
let streamed = '';
for await (const chunk of llm.completionStream({ model: 'gpt-4o-mini', messages })) streamed += chunk.choices[0]?.delta.content ?? '';
await llm.close();
console.log(JSON.stringify({ content: res.choices[0].message.content, streamed, hooked: globalThis.appHooked === true }));
`;

/** An app's own hook: marks the host, and would kill any plugin it ran in. */
const appHook = `
import { isMainThread } from 'node:worker_threads';
if (!isMainThread || process.argv.some((arg) => arg.includes('process-main'))) throw new Error('the app hook ran in a plugin');
globalThis.appHooked = true;
`;

interface HostRun { code: number | null; stdout: string; stderr: string }

function runHost(args: string[], isolation: string, env: Record<string, string> = {}): Promise<HostRun> {
  return new Promise((resolve) => {
    const options = { cwd: dir, timeout: 20_000, env: { PATH: process.env.PATH ?? '', TEST_API_BASE: `${server.origin}/v1`, TEST_ISOLATION: isolation, ...env } };
    execFile(process.execPath, args, options, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

function seen(run: HostRun): { content: string; streamed: string; hooked: boolean } {
  expect(run.stderr).not.toContain('[anyllm:');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as { content: string; streamed: string; hooked: boolean };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'anyllm-flags-'));
  writeFileSync(join(dir, 'host.mjs'), hostScript);
  writeFileSync(join(dir, 'app-hook.mjs'), appHook);
  server = await LocalServer.start();
  onChat(server, (request, res) =>
    (request.body as { stream?: boolean }).stream ? streamChunks(res, syntheticStream(3)) : sendJson(res, 200, completionBody('hello')),
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['worker', 'process'])('a %s plugin', (isolation) => {
  it('runs for a host started as `node --input-type=module -e …`', async () => {
    const result = seen(await runHost(['--input-type=module', '-e', hostScript], isolation));
    expect(result).toEqual({ content: 'hello', streamed: 't0 t1 t2 ', hooked: false });
  });

  it('runs without the app hook the host was started with (`--import`)', async () => {
    const result = seen(await runHost(['--import', './app-hook.mjs', 'host.mjs'], isolation));
    expect(result).toEqual({ content: 'hello', streamed: 't0 t1 t2 ', hooked: true });
  });

  it('runs without the app hook the host got through NODE_OPTIONS', async () => {
    const result = seen(await runHost(['host.mjs'], isolation, { NODE_OPTIONS: `--import=${pathToFileURL(join(dir, 'app-hook.mjs')).href}` }));
    expect(result).toEqual({ content: 'hello', streamed: 't0 t1 t2 ', hooked: true });
  });

  it('opens no inspector of its own when the host runs with --inspect=0', async () => {
    const run = await runHost(['--inspect=0', 'host.mjs'], isolation);
    expect(seen(run).content).toBe('hello');
    // The host's own inspector, once; a plugin's would be a second line.
    expect(run.stderr.match(/Debugger listening on/g)).toHaveLength(1);
  });
});

describe('pluginFlags', () => {
  it('keeps source maps and silenced warnings, nothing else of the host', () => {
    const quiet = { sourceMapsEnabled: true, noDeprecation: true, flags: ['--no-warnings', '--import', './hook.mjs', '--inspect', '--input-type=module'] };
    expect(pluginFlags(quiet)).toEqual(['--enable-source-maps', '--no-deprecation', '--no-warnings']);
    expect(pluginFlags({ sourceMapsEnabled: false, noDeprecation: false, flags: ['--watch', '--experimental-vm-modules', '-e', 'x'] })).toEqual([]);
  });

  it('never passes NODE_OPTIONS to a child, even when a manifest lists it', () => {
    expect(withoutNodeOptions({ NODE_OPTIONS: '--import ./hook.mjs', ACME_API_KEY: 'k' })).toEqual({ ACME_API_KEY: 'k' });
  });
});
