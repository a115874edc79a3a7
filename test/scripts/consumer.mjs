// An app outside the project: imports 'anyllm' and 'anyllm/plugin' by package name.
const { AnyLLM, LLMProvider, InvalidRequestError } = await import('anyllm');
const plugin = await import('anyllm/plugin');
const llm = await AnyLLM.create(LLMProvider.OPENAI, { apiKey: 'sk-test', apiBase: process.argv[2] });
const res = await llm.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
// The host entry is bundled: an error it throws must still be the class both entries export.
const refused = await llm.completion({ model: 'gpt-4o-mini', messages: [] }).catch((error) => error);
await llm.close();
console.log(
  JSON.stringify({
    content: res.choices[0].message.content,
    provider: typeof plugin.Provider,
    error: typeof InvalidRequestError,
    sameErrorClass: plugin.InvalidRequestError === InvalidRequestError,
    refusedIsPluginClass: refused instanceof plugin.InvalidRequestError,
  }),
);
