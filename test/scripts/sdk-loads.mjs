// Runs one completion and one stream through anyllm (in the tier argv[3] names; worker by default), then prints which provider SDKs the host's
// main thread resolved, and which of Node's heavy built-ins it loaded (a worker or process client needs
// no TLS and no undici on the host: those are the sandbox's fetch proxy's). Module hooks registered here
// see only this thread, not the plugin's worker.
import { registerHooks } from 'node:module';

const resolved = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    resolved.add(result.url);
    return result;
  },
});

const { AnyLLM } = await import('../../dist/src/index.js');
const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase: process.argv[2], isolation: process.argv[3] ?? 'worker' });
const res = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
let chunks = 0;
for await (const _ of llm.completionStream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })) chunks++;
await llm.close();
const builtins = process.moduleLoadList.filter((m) => /internal\/deps\/undici|internal\/tls\/|NativeModule _tls_wrap/.test(m));
const sdks = [...resolved].filter((url) => /node_modules\/(openai|@anthropic-ai|@google\/genai)\//.test(url));
console.log(JSON.stringify({ content: res.choices[0].message.content, chunks, sdks, modules: resolved.size, builtins }));
