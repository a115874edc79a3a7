// One fresh-process cold start for bench/cold.mjs: `sdk` or `any`, the server port, the dist entry URL.
const [kind, port, dist] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}/v1`;
const messages = [{ role: 'user', content: 'hi' }];
const t0 = performance.now();
if (kind === 'sdk') {
  const { default: OpenAI } = await import('openai');
  const t1 = performance.now();
  const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
  await client.chat.completions.create({ model: 'bench', messages });
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ importMs: t1 - t0, coldMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000 }));
} else {
  const { AnyLLM } = await import(dist);
  const t1 = performance.now();
  const llm = await AnyLLM.create('openai', { apiKey: 'k', apiBase: base, maxRetries: 0 });
  const t2 = performance.now();
  await llm.completion({ model: 'bench', messages });
  const t3 = performance.now();
  const cpu = process.cpuUsage();
  await llm.close();
  console.log(JSON.stringify({ importMs: t1 - t0, coldMs: t3 - t1, createMs: t2 - t1, cpuMs: (cpu.user + cpu.system) / 1000 }));
}
