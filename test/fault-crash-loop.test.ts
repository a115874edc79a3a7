// 100 crashes in a row mid-stream: every stream fails with PluginCrashedError, nothing leaks (abort
// listeners, process listeners, timers, handles), and the process exits by itself afterwards.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./scripts/crash-loop.mjs', import.meta.url));

interface Report {
  errors: Record<string, number>;
  chunksBeforeCrash: number;
  exits: number;
  good: string;
  abortListeners: number;
  processListenersAfterFirst: number;
  processListenersAtEnd: number;
  stats: { crashes: number; starts: number; inFlight: number };
  resources: string[];
}

/** Runs the script with the runtime running this test; resolves with its report once it exited by itself. */
function run(isolation: string): Promise<{ code: number | null; report: Report }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [script, isolation], { timeout: 110_000 }, (error, stdout) => {
      if (error && error.killed) return reject(new Error(`the script did not exit by itself: ${error.message}`));
      try {
        resolve({ code: child.exitCode, report: JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Report });
      } catch (parseError) {
        reject(parseError as Error);
      }
    });
  });
}

describe('100 crashes in a row mid-stream', () => {
  it.each(['worker', 'process'])('in a %s: each fails with PluginCrashedError, nothing leaks, the process exits by itself', async (isolation) => {
    const { code, report } = await run(isolation);
    expect(code).toBe(0);
    expect(report.errors).toEqual({ PluginCrashedError: 100 });
    // Every stream delivered its chunks before the crash.
    expect(report.chunksBeforeCrash).toBe(300);
    expect(report.exits).toBe(100);
    expect(report.stats).toMatchObject({ crashes: 100, starts: 101, inFlight: 0 });
    expect(report.good).toBe('ok');
    expect(report.abortListeners).toBe(0);
    expect(report.processListenersAtEnd).toBe(report.processListenersAfterFirst);
    // Nothing keeps the event loop alive once the last call returned: no timer, socket or child.
    expect(report.resources).toEqual([]);
  }, 120_000);
});
