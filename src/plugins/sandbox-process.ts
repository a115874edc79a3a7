/**
 * Closes what Node's permission model leaves open to a sandboxed plugin's own code: signalling
 * other processes of the same user (the host included) and changing their priority. Runs before
 * any plugin code loads; the raw functions survive only inside these closures.
 *
 * @module
 */
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';

function denied(what: string): Error {
  return Object.assign(new Error(`Access to this API has been restricted: a sandboxed plugin may not ${what}.`), {
    code: 'ERR_ACCESS_DENIED',
  });
}

const isSelf = (pid: unknown) => Number(pid) === process.pid || Number(pid) === 0;

/**
 * Replaces `process.kill` (and the internal `process._kill` it calls) and `os.setPriority` with
 * versions that act on this process only.
 *
 * @example
 * ```ts
 * lockDownProcess();
 * process.kill(process.ppid, 'SIGKILL'); // throws ERR_ACCESS_DENIED
 * ```
 */
export function lockDownProcess(): void {
  const target = process as unknown as { _kill?: (pid: number, signal: number) => unknown };
  const rawKill = target._kill?.bind(process);
  const guardedKill = (pid: number, signal: number) => {
    if (Number(pid) !== process.pid) throw denied('signal another process');
    return rawKill?.(pid, signal);
  };
  Object.defineProperty(process, '_kill', { value: guardedKill, writable: false, configurable: false });
  const rawSetPriority = os.setPriority.bind(os);
  const setPriority = ((pid: number, priority?: number) => {
    if (priority === undefined) return rawSetPriority(pid);
    if (!isSelf(pid)) throw denied('change the priority of another process');
    return rawSetPriority(pid, priority);
  }) as typeof os.setPriority;
  Object.defineProperty(os, 'setPriority', { value: setPriority, writable: false, configurable: false });
  // `import { setPriority } from 'node:os'` reads the ESM view, which is only refreshed on request.
  syncBuiltinESMExports();
}
