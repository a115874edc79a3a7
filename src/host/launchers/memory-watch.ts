/**
 * The resident-memory ceiling of a child plugin: the heap cap does not see buffers allocated
 * outside V8's heap, so the host polls the process's resident set (Linux `/proc`) and kills it
 * above the ceiling. Every child launcher (process, sandbox, Electron's utility process) uses it.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';

const WATCH_INTERVAL_MS = 100;

/**
 * Polls the resident memory of the process `pid()` names (undefined: nothing to watch this time)
 * every 100 ms on an unref'd timer, and calls `kill` above `limitMb`. Not on other platforms.
 *
 * @example
 * ```ts
 * const timer = watchResident(() => child.pid, rssLimitMb(512), (reason) => child.kill('SIGKILL'));
 * // when the child has exited: clearInterval(timer);
 * ```
 */
export function watchResident(
  pid: () => number | undefined | Promise<number | undefined>,
  limitMb: number,
  kill: (reason: string) => void,
): NodeJS.Timeout | undefined {
  if (process.platform !== 'linux') return undefined;
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    Promise.resolve(pid())
      .then((current) => (current === undefined ? undefined : readFile(`/proc/${current}/status`, 'utf8')))
      .then((status) => {
        if (status === undefined) return;
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (kb / 1024 > limitMb) kill(`ran out of memory (resident ${Math.round(kb / 1024)} MiB, limit ${limitMb} MiB)`);
      })
      .catch(() => {
        // The process went between two reads: its exit is reported elsewhere.
      })
      .finally(() => {
        reading = false;
      });
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return timer;
}
