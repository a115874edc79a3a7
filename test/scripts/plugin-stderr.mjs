// A host app whose plugin writes `text` to stderr: the test reads this process's own stderr.
// Arguments: the plugin folder, the sandbox's OS-boundary mode, the text (JSON).
const { AnyLLM, registerPlugin } = await import('../../dist/src/index.js');
const [dir, os, text] = process.argv.slice(2);
const provider = await registerPlugin(dir);
const llm = await AnyLLM.create(provider, { apiKey: 'k', idleTimeoutMs: 0, sandbox: { os } });
await llm.completion({ model: 'stderr', messages: [{ role: 'user', content: JSON.stringify({ text: JSON.parse(text) }) }] });
// close() waits for the plugin's exit, and so for the last of its stderr.
await llm.close();
console.log('done');
