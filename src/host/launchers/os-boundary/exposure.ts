/**
 * How a host path is made visible inside a fresh mount namespace at the same absolute path: the
 * real file or folder is bound read-only, and every symbolic link on the way to it is recreated as
 * the same link, so a path the host knows by a linked name (`/lib64/ld-linux.so`, a symlinked
 * project folder) resolves inside exactly as outside, and nothing beside it becomes visible.
 *
 * @module
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

/** What to create inside: links (`at` → `target`, as the host's link says) and real paths to bind. */
export interface Exposure {
  /** Symbolic links to recreate: `[target, at]`, the target as the host's link holds it. */
  symlinks: [target: string, at: string][];
  /** Real (link-free) paths to bind read-only at the same place. */
  binds: string[];
}

/** At most this many links followed for one path (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * The links on the way to `path` and its real path, asynchronously (the probe's work).
 *
 * @example
 * ```ts
 * await expose('/lib64/ld-linux-x86-64.so.2');
 * // { symlinks: [['usr/lib64', '/lib64'], ...], binds: ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'] }
 * ```
 */
export async function expose(path: string): Promise<Exposure> {
  const symlinks = await linksOnTheWay(path, async (at) => ((await lstat(at)).isSymbolicLink() ? readlink(at) : undefined));
  return { symlinks, binds: [await realpath(path)] };
}

/**
 * The links on the way to `path` (no bind: the real path is bound by whoever granted it). A few
 * `lstat` calls, never a read, so it cannot block on a pipe.
 *
 * @example
 * ```ts
 * linksOnTheWaySync('/home/me/app-link/node_modules/x'); // [['/srv/app', '/home/me/app-link']]
 * ```
 */
export function linksOnTheWaySync(path: string): [target: string, at: string][] {
  const found: [string, string][] = [];
  walk(path, (at) => (lstatSync(at).isSymbolicLink() ? readlinkSync(at) : undefined), found);
  return found;
}

async function linksOnTheWay(path: string, linkOf: (at: string) => Promise<string | undefined>): Promise<[string, string][]> {
  const found: [string, string][] = [];
  let current: string | undefined = resolve(path);
  for (let hops = 0; current !== undefined && hops <= MAX_LINKS; hops++) {
    const parts = current.split(sep).filter(Boolean);
    current = undefined;
    for (let i = 0, at: string = sep; i < parts.length; i++) {
      at = join(at, parts[i]!);
      const target = await linkOf(at).catch(() => undefined);
      if (target === undefined) continue;
      found.push([target, at]);
      current = follow(at, target, parts.slice(i + 1));
      break;
    }
  }
  return dedupe(found);
}

function walk(path: string, linkOf: (at: string) => string | undefined, found: [string, string][]): void {
  let current: string | undefined = resolve(path);
  for (let hops = 0; current !== undefined && hops <= MAX_LINKS; hops++) {
    const parts = current.split(sep).filter(Boolean);
    current = undefined;
    for (let i = 0, at: string = sep; i < parts.length; i++) {
      at = join(at, parts[i]!);
      let target: string | undefined;
      try {
        target = linkOf(at);
      } catch {
        return;
      }
      if (target === undefined) continue;
      found.push([target, at]);
      current = follow(at, target, parts.slice(i + 1));
      break;
    }
  }
}

/** Where `at` → `target` leads, with the rest of the path after it. */
function follow(at: string, target: string, rest: string[]): string {
  return join(isAbsolute(target) ? target : join(dirname(at), target), ...rest);
}

function dedupe(links: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return links.filter(([, at]) => !seen.has(at) && seen.add(at) !== undefined);
}

/**
 * Merges exposures, dropping repeats; binds sorted so a folder is bound before anything inside it.
 *
 * @example
 * ```ts
 * mergeExposures([await expose(node), ...libraries]);
 * ```
 */
export function mergeExposures(parts: readonly Exposure[]): Exposure {
  const symlinks = dedupe(parts.flatMap((part) => part.symlinks));
  const binds = [...new Set(parts.flatMap((part) => part.binds))].sort((a, b) => a.length - b.length || a.localeCompare(b));
  return { symlinks, binds };
}
