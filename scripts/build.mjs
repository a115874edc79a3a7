// Builds dist/: compiles TypeScript, copies each built-in plugin's manifest beside its code, then
// bundles the host entry (dist/src/index.js) into one file so `import('anyllm')` reads one module
// instead of fifteen. `--clean` empties dist/ first, so no stale module from a renamed source survives.
// `--if-changed` does nothing when dist/ was built from exactly the current inputs (`prepare` builds
// on `npm ci`, and CI's `npm test` right after need not build the same thing again).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const STAMP = 'dist/.build-inputs';
const inputs = inputsHash();
if (process.argv.includes('--if-changed') && existsSync('dist/src/index.js') && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs) {
  console.log('dist/ is up to date with src/ and plugins/: not rebuilt.');
} else {
  if (process.argv.includes('--clean')) rmSync('dist', { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.exitCode = tsc.status ?? 1;
  } else {
    for (const name of readdirSync('plugins')) {
      const manifest = join('plugins', name, 'manifest.json');
      if (existsSync(manifest)) cpSync(manifest, join('dist', 'plugins', name, 'manifest.json'));
      // The OpenAI-compatible table: one row per provider, read by the registry and by its plugin.
      const table = join('plugins', name, 'providers.json');
      if (existsSync(table)) cpSync(table, join('dist', 'plugins', name, 'providers.json'));
    }
    await bundleHostEntry('dist/src/index.js');
    await bundleHostRuntime('dist/src/host/runtime.js');
    // The kit's files are read before any runtime entry is rewritten (none of them is in the kit).
    const kit = await staticGraph('dist/src/plugins/index.js');
    for (const entry of ['worker-main.js', 'process-main.js']) await bundlePluginRuntime(join('dist/src/plugins', entry), kit);
    writeFileSync(STAMP, inputs);
  }
}

/** A hash of everything the build reads: the sources, this script, the compiler settings and the toolchain's versions. */
function inputsHash() {
  const hash = createHash('sha256');
  const files = ['scripts/build.mjs', 'tsconfig.json', 'package.json', 'package-lock.json', ...walk('src'), ...walk('plugins')];
  for (const file of files) {
    if (!existsSync(file)) continue;
    hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.update(process.version).digest('hex');
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Bundles the modules `import('anyllm')` evaluates into `entry`, in place. What stays a separate
 * file: `errors.js`, so an error class is the same class whichever entry (`anyllm`, `anyllm/plugin`)
 * or lazily loaded module created the error; and every dynamic import (`host/runtime.js` with the
 * plugin session, the launchers and `json-rpc-2.0`), which `AnyLLM.create` loads on first use (and
 * which is bundled in its turn, `bundleHostRuntime`). Every module of dist/ stays where tsc put it,
 * for those lazy imports, the plugins and the tests; `package-paths.js` keeps paths right from
 * inside the bundle.
 */
async function bundleHostEntry(entry) {
  await bundleInPlace(entry, { separate: new Set([resolve('dist/src/errors.js')]) });
}

/**
 * Bundles what the first `AnyLLM.create` loads, `host/runtime.js` (the plugin client and session,
 * `json-rpc-2.0`) and the default tier's launcher it imports dynamically, into `runtime.js`:
 * one module to resolve, read and compile instead of thirty. The other tiers' launchers stay a
 * dynamic import of their own files, so a worker-only app never loads them.
 */
async function bundleHostRuntime(entry) {
  await bundleInPlace(entry, {
    separate: new Set([resolve('dist/src/errors.js')]),
    inlineDynamic: new Set([resolve(dirname(entry), 'launchers/worker.js')]),
  });
}

/**
 * Bundles a plugin runtime entry (`worker-main.js`, `process-main.js`) in place. The plugin kit
 * (`anyllm/plugin`, `plugins/index.js`) and everything it reaches stays separate: built-in plugins
 * import the kit by relative path, so a copy inside the runtime would be a second `Provider` class
 * and a second `AsyncLocalStorage` of the fetch attempts. The sandbox tier reads the runtime's
 * folder, so the bundle (and its map) sit where the entry was.
 */
async function bundlePluginRuntime(entry, kit) {
  await bundleInPlace(entry, { separate: kit });
}

/** The files of dist/ that `entry` reaches by static import, the entry included. */
async function staticGraph(entry) {
  const { build } = await import('esbuild');
  const { metafile } = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, packages: 'external', format: 'esm', platform: 'node', logLevel: 'silent' });
  return new Set(Object.keys(metafile.inputs).map((file) => resolve(file)));
}

/**
 * Bundles `entry` into one file, in place, with a linked source map chained through tsc's maps
 * (so stacks still name `src/*.ts`). Kept as imports of their own files: `separate`, every
 * dynamic import not in `inlineDynamic`, and every module that reads `import.meta` from another
 * folder than the entry's (a bundled module's `import.meta.url` is the bundle's, so a path it
 * computes from its own URL would move).
 */
async function bundleInPlace(entry, { separate, inlineDynamic = new Set() }) {
  // Loaded only when building, so an up-to-date check needs no esbuild.
  const { build } = await import('esbuild');
  const outDir = dirname(resolve(entry));
  const readsOwnUrl = (file) => dirname(file) !== outDir && existsSync(file) && /\bimport\.meta\b/.test(readFileSync(file, 'utf8'));
  await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    keepNames: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'keep-separate',
        setup(bundler) {
          bundler.onResolve({ filter: /^\./ }, ({ path, resolveDir, kind }) => {
            const target = resolve(resolveDir, path);
            const inline = kind === 'dynamic-import' ? inlineDynamic.has(target) : !separate.has(target);
            if (inline && !readsOwnUrl(target)) return undefined;
            const specifier = relative(outDir, target).split(sep).join('/');
            return { path: specifier.startsWith('.') ? specifier : `./${specifier}`, external: true };
          });
        },
      },
    ],
  });
}
