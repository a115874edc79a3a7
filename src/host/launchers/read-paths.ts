/**
 * What a sandboxed plugin may read: its own folder, the plugin runtime of this package, and the
 * packages it depends on (which npm may have hoisted out of its folder). Nothing else.
 *
 * @module
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { protocolDir, pluginRuntimeDir, sourceDir } from '../../package-paths.js';

/** The parts of this package a plugin process loads (never the host side). */
function runtimePaths(): string[] {
  const paths = [pluginRuntimeDir, protocolDir, join(sourceDir, 'errors.js'), join(sourceDir, 'types.js')];
  const rpc = findPackage('json-rpc-2.0', sourceDir);
  if (rpc) paths.push(rpc);
  return paths;
}

/**
 * The folders and files the plugin in `dir` may read: itself, the runtime, and its dependencies
 * (its `package.json` dependencies, plus `sdk` for built-ins), transitively.
 *
 * @example
 * ```ts
 * const flags = sandboxReadPaths('/app/node_modules/anyllm-plugin-acme').map((p) => `--allow-fs-read=${p}`);
 * ```
 */
export function sandboxReadPaths(dir: string, sdk?: string): string[] {
  const paths = new Set<string>([dir, ...runtimePaths()]);
  const seen = new Set<string>();
  const visit = (packageDir: string, names: string[]) => {
    for (const name of names) {
      const found = findPackage(name, packageDir);
      if (!found || seen.has(found)) continue;
      seen.add(found);
      paths.add(found);
      visit(found, dependenciesOf(found));
    }
  };
  visit(dir, [...dependenciesOf(dir), ...(sdk ? [sdk] : [])]);
  return [...paths].map((path) => safeRealpath(path));
}

function dependenciesOf(packageDir: string): string[] {
  try {
    const json = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    // 'anyllm' itself resolves to the host's copy (see plugins/plugin-resolve.ts).
    return Object.keys({ ...json.dependencies, ...json.optionalDependencies }).filter((name) => name !== 'anyllm');
  } catch {
    return [];
  }
}

/** Node's lookup: `node_modules/<name>` in `from` and each folder above it. */
function findPackage(name: string, from: string): string | undefined {
  let dir = from;
  const { root } = parse(dir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    dir = dirname(dir);
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
