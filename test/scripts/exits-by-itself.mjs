// Makes calls and returns without closing anything: the process must exit by itself.
const { AnyLLM, completion, completionStream } = await import('../../dist/src/index.js');
const apiBase = process.argv[3];
const messages = [{ role: 'user', content: 'Hi' }];
switch (process.argv[2]) {
  case 'top-level-completion':
    await completion({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-test', apiBase });
    break;
  case 'top-level-stream':
    for await (const _ of completionStream({ model: 'openai:gpt-4o-mini', messages }, { apiKey: 'sk-test', apiBase }));
    break;
  case 'client-no-close': {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase });
    await llm.completion({ model: 'gpt-4o-mini', messages });
    for await (const _ of llm.completionStream({ model: 'gpt-4o-mini', messages }));
    break;
  }
  case 'start-then-call': {
    // start() alone must keep the process alive until the plugin is ready.
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase });
    await llm.start();
    await llm.completion({ model: 'gpt-4o-mini', messages });
    break;
  }
  case 'break-mid-stream': {
    const llm = await AnyLLM.create('openai', { apiKey: 'sk-test', apiBase });
    for await (const _ of llm.completionStream({ model: 'gpt-4o-mini', messages })) break;
    break;
  }
  default:
    throw new Error(`unknown case ${process.argv[2]}`);
}
console.log('returned');
