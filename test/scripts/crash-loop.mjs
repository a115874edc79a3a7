// Crashes the faulty plugin mid-stream 100 times in a row, then makes one good call and returns
// without closing anything: the process must exit by itself. Prints what it saw as JSON.
import { getEventListeners } from 'node:events';
// What the process holds before anything runs (its own stdio pipes): not counted as leaks.
// (stdout and stderr are opened lazily: open them first.)
void process.stdout.writable;
void process.stderr.writable;
const baseline = process.getActiveResourcesInfo();
const { AnyLLM, registerPlugin } = await import('../../dist/src/index.js');

const name = await registerPlugin(new URL('../fixtures/plugins/faulty/', import.meta.url).pathname);
const llm = await AnyLLM.create(name, {
  isolation: process.argv[2] ?? 'worker',
  supervision: { maxCrashes: Infinity },
});
const messages = [{ role: 'user', content: 'Hi' }];
// One signal shared by every call: a leaked abort listener would pile up on it.
const { signal } = new AbortController();
const errors = {};
let chunksBeforeCrash = 0;
let exits = 0;
llm.on('plugin:exit', () => exits++);
const listenerTotal = () => process.eventNames().reduce((sum, event) => sum + process.listenerCount(event), 0);
let processListenersAfterFirst = 0;
for (let i = 0; i < 100; i++) {
  const fault = i % 2 === 0 ? 'throw' : 'exit';
  try {
    for await (const _chunk of llm.completionStream({ model: `then:3:${fault}`, messages }, { signal, idleTimeoutMs: 30_000, timeoutMs: 60_000 })) {
      chunksBeforeCrash++;
    }
    errors.none = (errors.none ?? 0) + 1;
  } catch (error) {
    errors[error.name] = (errors[error.name] ?? 0) + 1;
  }
  if (i === 0) processListenersAfterFirst = listenerTotal();
}
const good = await llm.completion({ model: 'ok', messages }, { signal, timeoutMs: 60_000 });
const resources = process.getActiveResourcesInfo();
for (const held of baseline) {
  const at = resources.indexOf(held);
  if (at >= 0) resources.splice(at, 1);
}
console.log(
  JSON.stringify({
    errors,
    chunksBeforeCrash,
    exits,
    good: good.choices[0].message.content,
    abortListeners: getEventListeners(signal, 'abort').length,
    processListenersAfterFirst,
    processListenersAtEnd: listenerTotal(),
    stats: llm.stats(),
    resources,
  }),
);
