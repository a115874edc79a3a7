// Imports anyllm in a fresh process and prints which of its own files and which packages that read.
import { registerHooks } from 'node:module';

const dist = new URL('../../dist/', import.meta.url).href;
const loaded = [];
registerHooks({
  load(url, context, next) {
    loaded.push(url);
    return next(url, context);
  },
});
await import('../../dist/src/index.js');
const own = loaded.filter((url) => url.startsWith(dist)).map((url) => url.slice(dist.length));
const packages = loaded.filter((url) => url.includes('/node_modules/'));
console.log(JSON.stringify({ own, packages }));
