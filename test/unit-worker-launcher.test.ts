/**
 * The worker tier's launcher (src/host/launchers/worker.ts) from the host's side, with the misbehaving
 * test plugin (test/fixtures/plugins/faulty) in a real worker: the environment and flags it gets,
 * its heap cap, and how each way of ending is reported (kill, exit code, uncaught throw, out of
 * memory). Supervision on top of it: supervision-crash.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LaunchSpec, PluginInstance } from 'anyllm/internal/host/launchers/launcher.js';
import { launchWorker, PLUGIN_YOUNG_GENERATION_MB } from 'anyllm/internal/host/launchers/worker.js';
import type { PluginManifest } from 'anyllm/internal/host/manifest.js';
import { Connection } from 'anyllm/internal/protocol/connection.js';
import { PROTOCOL_VERSION } from 'anyllm/internal/protocol/methods.js';
import { faultyDir } from './support/faulty-plugin.js';

const running: PluginInstance[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const instance of running.splice(0)) {
    instance.kill('test over');
    await instance.exited;
  }
});

function start(extra: Partial<LaunchSpec> = {}): { instance: PluginInstance; connection: Connection } {
  const spec: LaunchSpec = {
    provider: 'faulty',
    manifest: { provider: 'faulty', network: [], env: [] } as unknown as PluginManifest,
    dir: faultyDir,
    entryPath: join(faultyDir, 'index.js'),
    env: { ONLY_THIS: 'yes' },
    memoryLimitMb: 64,
    capabilities: { completion: true, streaming: true },
    stderr: { forward: false },
    ...extra,
  };
  const instance = launchWorker(spec);
  running.push(instance);
  const connection = new Connection(instance.transport);
  return { instance, connection };
}

async function initialized(extra: Partial<LaunchSpec> = {}) {
  const started = start(extra);
  await started.connection.request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    provider: 'faulty',
    entry: join(faultyDir, 'index.js'),
    capabilities: { completion: true, streaming: true },
  });
  await started.connection.request('client/open', { client: 'c1', clientOptions: {} });
  return started;
}

const crash = (connection: Connection, kind: string) =>
  connection.request('completion', { client: 'c1', params: { model: `crash:${kind}`, messages: [{ role: 'user', content: 'x' }] } }).catch((error: unknown) => error);

describe('launchWorker', () => {
  it('reports a kill with the reason given first', async () => {
    const { instance } = await initialized();
    instance.kill('first');
    instance.kill('second');
    expect(await instance.exited).toEqual({ code: 1, signal: null, reason: 'first' });
  });

  it('reports process.exit with its code', async () => {
    const { instance, connection } = await initialized();
    void crash(connection, 'exit');
    expect(await instance.exited).toEqual({ code: 3, signal: null, reason: 'exited with code 3' });
  });

  it('reports an uncaught throw with its message', async () => {
    const { instance, connection } = await initialized();
    void crash(connection, 'throw');
    expect(await instance.exited).toMatchObject({ code: 1, signal: null, reason: 'threw: faulty plugin threw at top level' });
  });

  it('caps the heap at memoryLimitMb and names the limit when the plugin runs out', async () => {
    const { instance, connection } = await initialized({ memoryLimitMb: 32 });
    void crash(connection, 'oom');
    expect(await instance.exited).toMatchObject({ signal: null, reason: 'ran out of memory (limit 32 MiB)' });
  });

  it('keeps the young generation at PLUGIN_YOUNG_GENERATION_MB however fast the plugin allocates', async () => {
    const { connection } = await initialized();
    const answer = (await connection.request('completion', { client: 'c1', params: { model: 'churn', messages: [{ role: 'user', content: 'x' }] } })) as {
      choices: { message: { content: string } }[];
    };
    const { youngMb } = JSON.parse(answer.choices[0].message.content) as { youngMb: number };
    // V8's own default grows past it under this churn (24 MiB and more), and stays committed in host RSS.
    expect(youngMb).toBeGreaterThan(0);
    expect(youngMb).toBeLessThanOrEqual(PLUGIN_YOUNG_GENERATION_MB);
  });

  it("delivers the plugin's stderr lines to the spec's listener", async () => {
    const lines: string[] = [];
    const { connection, instance } = await initialized({ stderr: { forward: false, onLine: (line) => lines.push(line) } });
    await connection.request('completion', { client: 'c1', params: { model: 'log:hello', messages: [{ role: 'user', content: 'x' }] } });
    await vi.waitFor(() => expect(lines).toContain('faulty says hello'), { timeout: 10_000 });
    instance.kill('done');
    await instance.exited;
  });

  it('lets the host exit while unref\'d and holds it while ref\'d', async () => {
    const { instance } = start();
    const active = () => process.getActiveResourcesInfo().filter((name) => name === 'Worker' || name === 'MessagePort').length;
    const referenced = active();
    instance.unref();
    // The worker's own port and the port its stderr comes over.
    expect(referenced - active()).toBe(2);
    instance.ref();
    expect(active()).toBe(referenced);
  });
});
