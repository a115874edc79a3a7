/**
 * Where this package's own files are. Unbundled, this module sits in `dist/src/`, beside the host
 * entry (the build bundles that entry into one file, `scripts/build.mjs`, and every other module
 * keeps its place), so the paths are relative to its own URL. Bundled into an app (esbuild,
 * webpack, rollup: this module's code is inside the app's bundle), those paths would point into
 * the app's output folder; the package's files are then found by package resolution, the
 * `anyllm` package installed beside the app. Inside an Electron `app.asar`, paths that exist in
 * `app.asar.unpacked` are taken from there (a plain Node binary cannot read the archive).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// `node:fs` through require, as registry.ts does: its ESM facade costs milliseconds of `import('anyllm')`.
const { existsSync } = createRequire(import.meta.url ?? pathToFileURL(process.cwd() + sep).href)('node:fs') as typeof import('node:fs');

/** This module's own file: `import.meta.url` in ESM, `__filename` in a CommonJS bundle. */
function ownFile(): string | undefined {
  if (typeof import.meta.url === 'string') return fileURLToPath(import.meta.url);
  return typeof __filename === 'string' ? __filename : undefined;
}

/**
 * The package's root folder: module-relative when the plugin runtime sits beside this file (the
 * package's own `dist/src/`), else the installed `anyllm` package found from `from` (the bundle's
 * location, then the working folder). Undefined when neither finds it.
 *
 * @example
 * ```ts
 * packageRoot('/app/dist/main.js'); // '/app/node_modules/anyllm' when the app bundled anyllm
 * ```
 */
export function packageRoot(from: string | undefined = ownFile(), cwd: string = process.cwd()): string | undefined {
  // Unbundled (or inside the package's own bundled entry, dist/src/index.js): the runtime sits beside this file.
  if (from !== undefined && existsSync(join(dirname(from), 'plugins', 'worker-main.js'))) return join(dirname(from), '..', '..');
  for (const base of [from, join(cwd, 'noop.js')]) {
    if (base === undefined) continue;
    try {
      return dirname(createRequire(base).resolve('anyllm/package.json'));
    } catch {
      // Not installed where this base looks; try the next.
    }
  }
  return undefined;
}

/**
 * `path` with an `app.asar` segment swapped for `app.asar.unpacked` when that unpacked copy exists
 * (Electron's `asarUnpack`); else `path` unchanged.
 *
 * @example
 * ```ts
 * outsideAsar('/Applications/X.app/Contents/Resources/app.asar/node_modules/anyllm/dist');
 * // '…/app.asar.unpacked/node_modules/anyllm/dist' when the app unpacked it
 * ```
 */
export function outsideAsar(path: string, exists: (path: string) => boolean = existsSync): string {
  const unpacked = path.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked');
  return unpacked !== path && exists(unpacked) ? unpacked : path;
}

const root = packageRoot() ?? join(dirname(ownFile() ?? join(process.cwd(), 'noop.js')), '..', '..');
const at = (path: string) => outsideAsar(join(root, path)) + sep;

/** `dist/src/`: the compiled sources. */
export const sourceDir = at('dist/src');

/** `dist/plugins/`: the built-in providers, one folder each with its manifest. */
export const builtinPluginsDir = at('dist/plugins');

/** `dist/src/plugins/`: the plugin runtime, including the worker and process entry points. */
export const pluginRuntimeDir = at('dist/src/plugins');

/** `dist/src/protocol/`: the protocol, which plugins load too. */
export const protocolDir = at('dist/src/protocol');
