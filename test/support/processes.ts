/**
 * Finding a plugin's processes from the host's side. Inside the OS boundary a plugin sees only its
 * own PID namespace (its `process.pid` is 2 there), so tests look for it from outside: the
 * descendants of a host process whose command line names the plugin's folder (bwrap's binds,
 * node's `--allow-fs-read`, or the `cwd` argument Node is given).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Every live process below `root` (children, grandchildren ...), from `/proc`. */
export function descendants(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The command line of `pid` (arguments joined by spaces), or '' once it has gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The descendants of this process whose command line mentions `text` (a plugin's folder). */
export function processesMentioning(text: string, root: number = process.pid): number[] {
  return descendants(root).filter((pid) => commandLine(pid).includes(text));
}

/** Whether `pid` is alive now (not gone, not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Whether `pid` has ended (a zombie awaiting its reaper counts as ended), waiting up to `waitMs`. */
export async function stopsRunning(pid: number, waitMs = 5_000): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < waitMs; ) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isRunning(pid);
}
