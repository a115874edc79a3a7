// A host in its own process, for settings Node reads at startup (NODE_USE_ENV_PROXY, HTTP_PROXY,
// NODE_EXTRA_CA_CERTS): makes one completion per entry of its JSON argument and prints the outcomes.
// argv[2]: { plugin?: folder to register, calls: [{ provider, options }] }
import { AnyLLM, registerPlugin } from 'anyllm';

const { plugin, calls } = JSON.parse(process.argv[2]);
if (plugin) await registerPlugin(plugin);
const outcomes = [];
for (const { provider, options } of calls) {
  const llm = await AnyLLM.create(provider, { apiKey: 'test-key', retry: false, ...options });
  try {
    const res = await llm.completion({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    outcomes.push({ isolation: llm.isolation, content: res.choices[0].message.content });
  } catch (error) {
    outcomes.push({ isolation: llm.isolation, error: `${error.name}: ${error.message}` });
  } finally {
    await llm.close();
  }
}
process.stdout.write(JSON.stringify(outcomes));
