/**
 * The native helpers on `process` (and `os`) that act on other processes or on this process's
 * identity, which Node's permission model does not guard (it guards files, child processes,
 * workers, addons, WASI, the inspector and the network; not signals, priorities or credentials).
 *
 * @module
 */
import os from 'node:os';
import { accessDenied, seal } from './grant.js';

const denied = (what: string) => accessDenied(`Access to this API has been restricted: a sandboxed plugin may not ${what}.`);

/** Our own process (0 also means "this process" for priorities, but "my process group" for kill). */
const isSelf = (pid: number) => pid === process.pid;

/**
 * Replaces, on `process` and `os`, every helper that could reach outside the plugin's process.
 *
 * @example
 * ```ts
 * lockDownProcess();
 * process._debugProcess(process.ppid); // throws ERR_ACCESS_DENIED; the host opens no inspector
 * ```
 */
export function lockDownProcess(): void {
  const target = process as unknown as Record<string, unknown>;

  // `_kill` is what `process.kill` calls: any signal to any pid of the user (the host, its process
  // group with pid 0 or negative pids), and ESRCH vs EPERM tells which pids exist. Self only.
  const rawKill = (target._kill as (pid: number, signal: number) => number).bind(process);
  // The pid is read once: an object whose valueOf answers our pid first and the host's next must
  // not pass the check and then reach the native call.
  seal(process, '_kill', (pid: unknown, signal: number) => {
    const target = Number(pid);
    if (!isSelf(target)) throw denied('signal another process');
    return rawKill(target, signal);
  });

  // `_debugProcess(pid)` sends SIGUSR1 (the host would open its inspector on 127.0.0.1:9229, where
  // any local process runs code in it) and answers ESRCH for a missing pid; `_debugEnd` closes an
  // inspector. Neither has a use in a plugin.
  for (const name of ['_debugProcess', '_debugEnd']) {
    seal(process, name, () => {
      throw denied(`call process.${name}`);
    });
  }

  // Credentials: as root (common in containers) `setuid`/`setgroups` would take any other user's
  // identity, whose processes and files the OS then opens to the plugin. `execve` replaces this
  // process with any program: the permission model refuses it (it counts as a child process), and
  // this is the second lock. Read-only getters (`getuid` ...) stay.
  for (const name of ['setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups', 'execve']) {
    if (typeof target[name] !== 'function') continue;
    seal(process, name, () => {
      throw denied(`call process.${name}`);
    });
  }

  // Priority: another pid is refused; our own may only be lowered (niceness raised), as root could
  // otherwise outrank the host with -20. `setPriority(priority)` (one argument) means this process.
  const rawSetPriority = os.setPriority.bind(os);
  const rawGetPriority = os.getPriority.bind(os);
  const setPriority = (...args: [unknown, unknown?]) => {
    const [pid, priority] = args.length >= 2 ? [Number(args[0]), args[1]] : [0, args[0]];
    if (pid !== 0 && !isSelf(pid)) throw denied('change the priority of another process');
    if (typeof priority !== 'number') return rawSetPriority(0, priority as number); // Node's own type error
    if (!(priority >= rawGetPriority(0))) throw denied('raise its own priority (it may only lower it)');
    return rawSetPriority(0, priority);
  };
  seal(os, 'setPriority', setPriority);
}
