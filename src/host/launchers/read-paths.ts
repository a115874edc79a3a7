/**
 * What a sandboxed plugin may read: its own folder, the plugin runtime of this package, and the
 * packages it depends on (which npm may have hoisted out of its folder). Nothing else.
 *
 * Every path here is built from checked data only, and computed again at each launch (never cached),
 * so a folder changed after `registerPlugin` is checked as it is when the plugin starts:
 *
 * - dependency names (`dependencies`, `optionalDependencies`, the manifest's `sdk`, transitively)
 *   must be npm package names before they are joined into a path;
 * - a dependency is found as Node finds it, `<folder or an ancestor>/node_modules/<name>`; after
 *   resolving symlinks it must still be a `node_modules/<name>` folder (pnpm's layout is; a
 *   workspace or `npm link` folder is not) whose `package.json` says `"name": "<name>"`;
 * - inside every granted folder, a symlink whose target leaves the granted set, a file with more
 *   than one hard link, and anything that is neither a regular file nor a folder (FIFO, socket,
 *   device) is refused: the permission model follows links, and a hard link is the file itself.
 *
 * @module
 */
import { lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, join, parse, sep } from 'node:path';
import { InvalidRequestError } from '../../errors.js';
import { protocolDir, pluginRuntimeDir, sourceDir } from '../../package-paths.js';
import { dependencyNames, isPackageName } from '../manifest.js';
import { describeType, readPluginJson } from '../safe-read.js';

/** Bounds of one launch's check (a plugin with the openai SDK has ~4,300 entries, 6 levels deep). */
export const GRANT_LIMITS: Readonly<GrantLimits> = { maxEntries: 50_000, maxDepth: 40, maxPackages: 2_000 };

/** How much one launch's check may walk. */
export interface GrantLimits {
  /** Folder entries over the plugin and all its dependencies. */
  maxEntries: number;
  maxDepth: number;
  /** Dependency packages, transitively. */
  maxPackages: number;
}

/** A built-in plugin another one's code imports (its manifest's `builtOn`): its real folder and SDK. */
export interface PluginBase {
  dir: string;
  sdk?: string;
}

/**
 * The folders and files the plugin in `dir` may read, as absolute real paths: itself, the runtime,
 * and its dependencies (its `package.json` dependencies and `sdk`), transitively; and for a
 * built-in with `bases` (the built-ins it builds on), their folders and dependencies too. Throws
 * `InvalidRequestError` (code `unsafe_plugin_file`, or `invalid_manifest` for a bad name) naming the
 * path that made the plugin unsafe to grant.
 *
 * @example
 * ```ts
 * const flags = sandboxReadPaths('/app/node_modules/anyllm-plugin-acme').map((p) => `--allow-fs-read=${p}`);
 * ```
 */
export function sandboxReadPaths(
  dir: string,
  sdk?: string,
  limits: Readonly<GrantLimits> = GRANT_LIMITS,
  bases: readonly PluginBase[] = [],
): string[] {
  const refuse = (problem: string): never => {
    throw new InvalidRequestError(`Cannot sandbox the plugin in ${dir}: ${problem}.`, { code: 'unsafe_plugin_file' });
  };
  for (const folder of [dir, ...bases.map((base) => base.dir)]) {
    const real = safeRealpath(folder);
    if (real !== folder) refuse(`the folder now resolves to ${real ?? 'nothing'}; it was ${folder} when registered`);
    if (!lstatSync(folder).isDirectory()) refuse(`${folder === dir ? 'it' : folder} is not a folder`);
  }

  const packages = [
    ...new Set([dir, ...bases.map((base) => base.dir)].flatMap((folder, i) => dependencyFolders(folder, i === 0 ? sdk : bases[i - 1].sdk, refuse, limits.maxPackages))),
  ];
  const runtime = runtimePaths().map((path) => safeRealpath(path) ?? path);
  refuseEnclosing(packages, dir, runtime, refuse);
  const granted = [...new Set([dir, ...bases.map((base) => base.dir), ...runtime, ...packages])];
  // Node's --allow-fs-read takes a '*' anywhere in a path as "every path starting here": no escape exists.
  const starred = granted.find((path) => path.includes('*'));
  if (starred !== undefined) {
    refuse(`${starred} has a '*' in its path, which Node's permission model reads as a wildcard (it would grant every path sharing the part before it)`);
  }
  // A package nested in the plugin's own node_modules is walked with the plugin folder.
  const walked = [dir, ...bases.map((base) => base.dir), ...packages].filter((folder, i, all) => !all.some((other, j) => j !== i && inside(folder, other) && folder !== other));
  checkFolders([...new Set(walked)], granted, refuse, limits);
  return granted;
}

/**
 * A dependency folder is granted whole, so it must be a package and nothing more: not a folder that
 * holds the plugin itself (the host app installed as a package, a global CLI, naming itself as the
 * plugin's dependency: its config and `.env` would be granted), nor the host's own code or working
 * folder (the app a plugin installed beside it names).
 */
function refuseEnclosing(packages: string[], dir: string, runtime: string[], refuse: (problem: string) => never): void {
  const host = [process.cwd(), process.argv[1]].flatMap((path) => (path ? [safeRealpath(path) ?? path] : []));
  for (const folder of packages) {
    if (inside(dir, folder)) refuse(`its dependency ${folder} holds the plugin itself; a package that contains its dependent is no dependency to grant`);
    const held = [...runtime, ...host].find((path) => inside(path, folder));
    if (held !== undefined) refuse(`its dependency ${folder} holds the host's own files (${held}), so it is the host app, not a package to grant`);
  }
}

/** The parts of this package a plugin process loads (never the host side). Ours, so not walked. */
function runtimePaths(): string[] {
  const paths = [pluginRuntimeDir, protocolDir, join(sourceDir, 'errors.js'), join(sourceDir, 'types.js')];
  const rpc = lookup('json-rpc-2.0', sourceDir);
  if (rpc) paths.push(rpc);
  return paths;
}

/** Every package the plugin depends on, transitively, as real folders. */
function dependencyFolders(dir: string, sdk: string | undefined, refuse: (problem: string) => never, maxPackages: number): string[] {
  const found = new Set<string>();
  const rootJson = join(dir, 'package.json');
  const queue: { from: string; names: string[]; source: string }[] = [
    { from: dir, names: dependencyNames(readRootJson(rootJson), rootJson), source: rootJson },
  ];
  if (sdk !== undefined) {
    if (!isPackageName(sdk)) refuse(`its manifest's 'sdk' ${JSON.stringify(sdk)} is not an npm package name`);
    queue.push({ from: dir, names: [sdk], source: `${rootJson} ('sdk')` });
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const name of next.names) {
      const folder = resolvePackage(name, next.from, next.source, refuse);
      if (folder === undefined || found.has(folder)) continue;
      found.add(folder);
      if (found.size > maxPackages) refuse(`it depends on more than ${maxPackages} packages`);
      const json = join(folder, 'package.json');
      queue.push({ from: folder, names: dependencyNames(readPluginJson(json, 'dependency manifest'), json), source: json });
    }
  }
  return [...found];
}

/** The plugin's own package.json; a built-in provider's folder has none (its manifest.json names the sdk). */
function readRootJson(path: string): unknown {
  try {
    return readPluginJson(path, 'plugin manifest');
  } catch (error) {
    if ((error as InvalidRequestError).code === 'missing_plugin_file') return {};
    throw error;
  }
}

/**
 * Node's lookup of package `name` from `from`, checked: the real folder must end in
 * `node_modules/<name>` and its package.json must name `name`. `undefined` when it is not
 * installed (the plugin's own import then fails, as it would anywhere).
 */
function resolvePackage(name: string, from: string, source: string, refuse: (problem: string) => never): string | undefined {
  const link = lookup(name, from);
  if (link === undefined) return undefined;
  const real = safeRealpath(link) ?? refuse(`${link} (dependency '${name}' of ${source}) cannot be resolved`);
  const tail = `${sep}node_modules${sep}${name.split('/').join(sep)}`;
  if (!real.endsWith(tail)) {
    refuse(
      `dependency '${name}' of ${source} is ${link}, which resolves to ${real}, not a node_modules${sep}${name} folder ` +
        '(workspace and `npm link` packages are not granted to a sandbox; install the package instead)',
    );
  }
  const pkg = readPluginJson(join(real, 'package.json'), 'dependency manifest') as { name?: unknown } | null;
  if (pkg?.name !== name) {
    refuse(`dependency '${name}' of ${source} resolves to ${real}, whose package.json names ${JSON.stringify(pkg?.name)}`);
  }
  return real;
}

/** `<from or an ancestor>/node_modules/<name>` holding a package.json, as Node looks (skipping `node_modules/node_modules`). */
function lookup(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', ...name.split('/'));
      if (lstatOrUndefined(join(candidate, 'package.json')) !== undefined) return candidate;
    }
    if (dir === parse(dir).root) return undefined;
  }
}

/** Walks each folder (bounded), refusing what would let the plugin read outside `granted`. */
function checkFolders(folders: string[], granted: string[], refuse: (problem: string) => never, limits: Readonly<GrantLimits>): void {
  let entries = 0;
  const walk = (folder: string, depth: number) => {
    if (depth > limits.maxDepth) refuse(`${folder} is nested more than ${limits.maxDepth} folders deep`);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (error) {
      return refuse(`${folder} cannot be listed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    for (const name of names) {
      if (++entries > limits.maxEntries) refuse(`it and its dependencies hold more than ${limits.maxEntries} files`);
      const path = join(folder, name);
      const stats = lstatOrUndefined(path) ?? refuse(`${path} vanished while being checked`);
      if (stats.isDirectory()) walk(path, depth + 1);
      else if (stats.isFile()) checkFile(path, stats, refuse);
      else if (stats.isSymbolicLink()) checkLink(path, granted, refuse);
      else refuse(`${path} is ${describeType(stats)}, not a regular file or folder`);
    }
  };
  for (const folder of folders) walk(folder, 0);
}

function checkFile(path: string, stats: Stats, refuse: (problem: string) => never): void {
  if (stats.nlink > 1) {
    refuse(
      `${path} has ${stats.nlink} hard links, so it may be a file from outside the plugin ` +
        '(installers that hard-link from a store, like pnpm and bun, need their copy mode for a sandboxed plugin)',
    );
  }
}

function checkLink(path: string, granted: string[], refuse: (problem: string) => never): void {
  const target = safeRealpath(path) ?? refuse(`${path} is a symlink that leads nowhere (or in a loop)`);
  if (!granted.some((allowed) => inside(target, allowed))) {
    refuse(`${path} is a symlink to ${target}, outside the folders the plugin may read`);
  }
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
