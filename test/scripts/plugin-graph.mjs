// Starts the worker plugin runtime on the built-in openai plugin, as the worker launcher does, up to
// `initialize` (the SDK loads later, on `client/open`), and prints which of anyllm's files and which
// packages the worker read. A module hook in the worker appends each URL to a file (hooks registered
// here would see only this thread).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const dist = new URL('../../dist/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'anyllm-plugin-graph-'));
const log = join(dir, 'loaded.txt');
const hook = join(dir, 'hook.mjs');
writeFileSync(
  hook,
  `import { appendFileSync } from 'node:fs';\nimport { registerHooks } from 'node:module';\n` +
    `registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });\n`,
);
writeFileSync(log, '');
const worker = new Worker(new URL('src/plugins/worker-main.js', dist), { workerData: {}, execArgv: ['--import', pathToFileURL(hook).href] });
const reply = new Promise((resolve, reject) => {
  worker.once('message', resolve);
  worker.once('error', reject);
});
worker.postMessage({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: 2, provider: 'openai', entry: fileURLToPath(new URL('plugins/openai/index.js', dist)), capabilities: {} },
});
const answer = await reply;
await worker.terminate();
const loaded = readFileSync(log, 'utf8').split('\n').filter((url) => url !== '');
rmSync(dir, { recursive: true, force: true });
const own = loaded.filter((url) => url.startsWith(dist.href)).map((url) => url.slice(dist.href.length));
const packages = loaded.filter((url) => url.includes('/node_modules/'));
console.log(JSON.stringify({ initialized: answer.result !== undefined, own, packages }));
