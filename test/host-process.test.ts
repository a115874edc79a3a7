// What a host process sees of anyllm: it never loads a provider SDK, and it exits by itself when
// the script returns, with no close() and no leaked handle.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalServer } from './support/local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './support/openai-wire.js';

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));
let server: LocalServer;

beforeAll(async () => {
  server = await LocalServer.start();
  onChat(server, (req, res) => {
    if ((req.body as { stream?: boolean }).stream) return streamChunks(res, syntheticStream(50), { delayMs: 1 });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completionBody('from the plugin')));
  });
});
afterAll(() => server.close());

describe('the host process', () => {
  it('an app in another folder imports the built package by name', async () => {
    const app = mkdtempSync(join(tmpdir(), 'anyllm-consumer-'));
    try {
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(fileURLToPath(new URL('..', import.meta.url)), join(app, 'node_modules', 'anyllm'), 'dir');
      copyFileSync(script('consumer.mjs'), join(app, 'consumer.mjs'));
      const { stdout } = await run(process.execPath, [join(app, 'consumer.mjs'), `${server.origin}/v1`], { cwd: app, timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({
        content: 'from the plugin',
        provider: 'function',
        error: 'function',
        sameErrorClass: true,
        refusedIsPluginClass: true,
      });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it.each(['worker', 'process'])('never loads the openai package; only the plugin does (%s tier)', async (isolation) => {
    const { stdout } = await run(process.execPath, [script('sdk-loads.mjs'), `${server.origin}/v1`, isolation], { timeout: 20_000 });
    const report = JSON.parse(stdout) as { content: string; chunks: number; sdks: string[]; modules: number; builtins: string[] };
    expect(report.content).toBe('from the plugin'); // the SDK ran, in the worker
    expect(report.chunks).toBe(52);
    expect(report.modules).toBeGreaterThan(5); // the hook saw the host's own modules
    expect(report.sdks).toEqual([]);
    // A worker or process client's host loads no TLS and no undici (tens of ms of its cold start):
    // only a sandbox's fetch proxy needs them (launchers/sandbox-network.ts).
    expect(report.builtins).toEqual([]);
  });

  it("import('anyllm') reads the bundled entry and errors.js, and no package", async () => {
    const { stdout } = await run(process.execPath, [script('import-graph.mjs')], { timeout: 20_000 });
    const report = JSON.parse(stdout) as { own: string[]; packages: string[] };
    expect(report.own.sort()).toEqual(['src/errors.js', 'src/index.js']);
    expect(report.packages).toEqual([]);
  });

  it('the first AnyLLM.create reads the bundled host runtime and package-paths.js, and no package', async () => {
    // Part of every cold start: one bundle (session, client, worker launcher, json-rpc-2.0), not thirty modules.
    const { stdout } = await run(process.execPath, [script('import-graph.mjs'), 'create'], { timeout: 20_000 });
    const report = JSON.parse(stdout) as { own: string[]; packages: string[] };
    expect(report.own.sort()).toEqual(['src/host/runtime.js', 'src/package-paths.js']);
    expect(report.packages).toEqual([]);
  });

  it.each(['top-level-completion', 'top-level-stream', 'client-no-close', 'start-then-call', 'break-mid-stream'])(
    'exits by itself after %s',
    async (scenario) => {
      // execFile's timeout kills a process that hangs: the promise then rejects and the test fails.
      const { stdout } = await run(process.execPath, [script('exits-by-itself.mjs'), scenario, `${server.origin}/v1`], {
        timeout: 15_000,
        killSignal: 'SIGKILL',
      });
      expect(stdout.trim()).toBe('returned');
    },
  );
});
