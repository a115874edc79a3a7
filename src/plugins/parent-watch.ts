/**
 * A plugin never outlives its host, best effort: when the host is killed outright (SIGKILL, the
 * OOM killer), an unref'd timer notices its parent is gone and exits. This backs up the stdin
 * `end` listener, which plugin code can remove. It is defeated by a plugin that never yields its
 * event loop (a busy loop runs no timer): only the OS boundary (bubblewrap's `--die-with-parent`)
 * stops that one.
 *
 * @module
 */

const CHECK_INTERVAL_MS = 1000;
const ESRCH = -3;

interface ProcessInternals {
  _kill?: (pid: number, signal: number) => number;
  reallyExit?: (code: number) => never;
}

/**
 * Exits when the parent process is gone (re-parented, or no longer there). What it calls is taken
 * now, before plugin code runs, so a plugin that later overwrites `process.ppid`, `process.exit`,
 * `process.reallyExit` or `process._kill` does not disarm it.
 *
 * @example
 * ```ts
 * watchParent(); // in process-main.ts, before serving
 * ```
 */
export function watchParent(intervalMs = CHECK_INTERVAL_MS): NodeJS.Timeout {
  const parent = process.ppid;
  const internals = process as unknown as ProcessInternals;
  const probe = internals._kill?.bind(process);
  const exitNow = internals.reallyExit?.bind(process) ?? process.exit.bind(process);
  const timer = setInterval(() => {
    // Re-parenting happens as the parent dies (even while it waits, a zombie, to be reaped); a
    // plugin may overwrite `process.ppid`, so signal 0 (does the pid exist? -3 is ESRCH) backs it up.
    if (process.ppid !== parent || probe?.(parent, 0) === ESRCH) exitNow(0);
  }, intervalMs);
  timer.unref();
  return timer;
}
