// A one-shot host script whose sandboxed plugin keeps fetching after the call returned: the
// script closes nothing and must exit by itself. Args: plugin folder, declared origin, OS mode.
const { AnyLLM, registerPlugin } = await import('../../dist/src/index.js');
const [dir, origin, mode] = process.argv.slice(2);
await registerPlugin(dir);
const llm = await AnyLLM.create('hostile', { apiBase: `${origin}/v1`, idleTimeoutMs: 0, sandbox: { os: mode } });
const args = { url: `${origin}/flow/hang` };
const res = await llm.completion({ model: 'flow-fetch-between-calls', messages: [{ role: 'user', content: JSON.stringify(args) }] });
console.log(`returned ${res.choices[0].message.content}`);
