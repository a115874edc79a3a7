// An app outside the project: imports 'anyllm' and 'anyllm/plugin' by package name.
const { AnyLLM, LLMProvider, InvalidRequestError } = await import('anyllm');
const { Provider } = await import('anyllm/plugin');
const llm = await AnyLLM.create(LLMProvider.OPENAI, { apiKey: 'sk-test', apiBase: process.argv[2] });
const res = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
await llm.close();
console.log(JSON.stringify({ content: res.choices[0].message.content, provider: typeof Provider, error: typeof InvalidRequestError }));
