/**
 * A plugin never outlives its host (issue 8, class 5). A host script runs a sandboxed plugin and is
 * killed with SIGKILL, so no exit hook of it runs. With the OS boundary, bubblewrap's
 * `--die-with-parent` takes the whole sandbox down even while the plugin busy-loops. Without it
 * (`os: 'off'`), the plugin runtime's parent watch ends a plugin that removed its stdin `end`
 * listener and holds its event loop open; a busy loop defeats that one (documented, not tested).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPlugin, type PluginCopy } from './support/plugin-copy.js';
import { commandLine, stopsRunning } from './support/processes.js';

let hostile: PluginCopy;

beforeAll(() => {
  hostile = copyPlugin(resolve('test/fixtures/plugins/hostile'), ['http://127.0.0.1:9']);
});

afterAll(() => hostile.remove());

/**
 * Starts a host script that runs `attack` in a sandboxed hostile plugin under `os`, and resolves
 * with the script and the pids below it (as the host sees them) once the attack is under way.
 */
async function hostRunning(os: 'require' | 'off', attack: string, awaitAnswer: boolean) {
  const script = `
    const { readdirSync, readFileSync } = await import('node:fs');
    const { AnyLLM, registerPlugin } = await import(${JSON.stringify(resolve('dist/src/index.js'))});
    await registerPlugin(${JSON.stringify(hostile.dir)});
    const llm = await AnyLLM.create('hostile', { sandbox: { os: '${os}' }, idleTimeoutMs: 0 });
    await llm.start();
    const call = llm.completion({ model: '${attack}', messages: [{ role: 'user', content: '{}' }] });
    call.catch(() => {});
    if (${awaitAnswer}) await call;
    else await new Promise((resolve) => setTimeout(resolve, 300)); // let the loop begin (not asserted)
    const parents = new Map();
    for (const name of readdirSync('/proc').filter((n) => /^\\d+$/.test(n))) {
      try {
        const stat = readFileSync('/proc/' + name + '/stat', 'utf8');
        parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {}
    }
    const below = (pid) => [...parents].filter(([, ppid]) => ppid === pid).flatMap(([child]) => [child, ...below(child)]);
    console.log(JSON.stringify(below(process.pid)));
    setInterval(() => {}, 1000); // stays up until killed
  `;
  const host = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, HOSTILE_API_KEY: 'k' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  host.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const lines = createInterface({ input: host.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), once(host, 'exit').then(() => [`exited early: ${stderr}`])])) as [string];
  lines.close();
  const pids = JSON.parse(line) as number[];
  return { host, pids };
}

async function killHost(host: ReturnType<typeof spawn>): Promise<void> {
  const exited = once(host, 'exit');
  host.kill('SIGKILL');
  await exited;
}

/** Whether each pid ends once the host is gone; any survivor is killed so a failing run leaves no orphan. */
async function allStop(pids: number[]): Promise<boolean[]> {
  const stopped = await Promise.all(pids.map((pid) => stopsRunning(pid)));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  return stopped;
}

describe('a sandboxed plugin whose host is killed with SIGKILL', () => {
  it('dies with it under the OS boundary, even busy-looping', async () => {
    const { host, pids } = await hostRunning('require', 'busy-loop', false);
    // bwrap, the init of its PID namespace, and the plugin's node.
    expect(pids).toHaveLength(3);
    expect(commandLine(pids[0]!)).toContain('bwrap');
    await killHost(host);
    expect(await allStop(pids)).toEqual([true, true, true]);
  });

  it("exits by the runtime's parent watch without it, having removed its stdin listener", async () => {
    const { host, pids } = await hostRunning('off', 'outlive-host', true);
    expect(pids).toHaveLength(1);
    await killHost(host);
    expect(await allStop(pids)).toEqual([true]);
  });
});
