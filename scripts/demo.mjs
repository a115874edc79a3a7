// `npm run demo`: the README's main command, end to end, with no key and no network.
// Starts a local OpenAI-wire server, then runs `anyllm chat` against it in a fresh process,
// with --verbose so you can see the plugin start lazily on the first call.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.mjs';

const server = await startDemoServer();
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const args = ['chat', '-m', 'openai:gpt-4o-mini', '--api-base', server.url, '--verbose', 'Say hello from the demo.'];
console.log(`$ anyllm ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
const child = spawn(process.execPath, [cli, ...args], {
  stdio: 'inherit',
  env: { ...process.env, OPENAI_API_KEY: 'demo-key-not-secret' },
});
const code = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
await server.close();
process.exitCode = code;
