// Red team (issue 10): the heartbeat judges the plugin, not the host. When the host's own event
// loop is blocked past `heartbeatTimeoutMs` while a ping is out, the answer is already waiting to be
// read when the timeout fires; a live (shared: every client's calls on it) plugin must not be killed
// as unresponsive for the host's stall. A plugin that really does not answer still is.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Heartbeat } from 'anyllm/internal/host/heartbeat.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A heartbeat whose pings a peer on a message port answers (as a plugin over its port would); `stallAfterPing` blocks the host right after the first. */
function heartbeat(answer: boolean, stallAfterPing: number) {
  const channel = new MessageChannel();
  channels.push(channel);
  channel.port2.on('message', () => {
    if (answer) channel.port2.postMessage({ ok: true });
  });
  const waiting: ((value: unknown) => void)[] = [];
  channel.port1.on('message', (result) => waiting.shift()?.(result));
  let pings = 0;
  const outcome = { dead: 0, broken: [] as string[], pings: () => pings };
  const beat = new Heartbeat({
    ping: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        channel.port1.postMessage('ping');
        // From a check-phase callback (as from an I/O callback): the loop's next step is its timers.
        if (pings++ === 0) setImmediate(() => blockEventLoop(stallAfterPing));
      }),
    check: (result) => ((result as { ok?: unknown })?.ok === true ? undefined : 'bad'),
    intervalMs: 20,
    timeoutMs: 300,
    onDead: () => outcome.dead++,
    onBroken: (reason) => outcome.broken.push(reason),
  });
  return { beat, outcome };
}

describe('the heartbeat', () => {
  it("does not declare a live plugin dead for the host's own stall past the timeout", async () => {
    const { beat, outcome } = heartbeat(true, 600);
    beat.start();
    // Well past the stall: later pings are sent and answered.
    while (outcome.pings() < 5 && outcome.dead === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    beat.stop();
    expect(outcome.dead).toBe(0);
    expect(outcome.broken).toEqual([]);
  });

  it('still declares a silent plugin dead', async () => {
    const { beat, outcome } = heartbeat(false, 0);
    beat.start();
    while (outcome.dead === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    beat.stop();
    expect(outcome.dead).toBe(1);
  });
});
