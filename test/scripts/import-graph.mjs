// Imports anyllm in a fresh process and prints which of its own files and which packages that read;
// with `create`, what the first `AnyLLM.create` (worker tier, no plugin started) reads after it.
import { registerHooks } from 'node:module';

const dist = new URL('../../dist/', import.meta.url).href;
const loaded = [];
registerHooks({
  load(url, context, next) {
    loaded.push(url);
    return next(url, context);
  },
});
const { AnyLLM } = await import('../../dist/src/index.js');
if (process.argv[2] === 'create') {
  loaded.length = 0;
  await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: 'http://127.0.0.1:9/v1' });
}
const own = loaded.filter((url) => url.startsWith(dist)).map((url) => url.slice(dist.length));
const packages = loaded.filter((url) => url.includes('/node_modules/'));
console.log(JSON.stringify({ own, packages }));
