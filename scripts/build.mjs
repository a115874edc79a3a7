// Builds dist/: compiles TypeScript, copies each built-in plugin's manifest beside its code, then
// bundles with esbuild, in place: the host entry (dist/src/index.js), so `import('anyllm')` reads one
// module instead of fifteen; what the first `AnyLLM.create` loads (dist/src/host/runtime.js); and the
// plugin side (the runtime entries and the plugin kit, sharing chunks), so a plugin starts from a
// handful of files instead of forty. `--clean` empties dist/ first, so no stale module from a renamed source survives.
// `--if-changed` does nothing when dist/ was built from exactly the current inputs (`prepare` builds
// on `npm ci`, and CI's `npm test` right after need not build the same thing again).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const STAMP = 'dist/.build-inputs';
// Kept out of every bundle: one error class whichever module threw it (see bundleHostEntry).
const ERRORS = resolve('dist/src/errors.js');
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
    await bundlePluginSide('dist/src/plugins');
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
  await bundleInPlace([entry], { separate: new Set([ERRORS]) });
}

/**
 * Bundles what the first `AnyLLM.create` loads, `host/runtime.js` (the plugin client and session,
 * `json-rpc-2.0`) and the default tier's launcher it imports dynamically, into `runtime.js`:
 * one module to resolve, read and compile instead of thirty. The other tiers' launchers stay a
 * dynamic import of their own files, so a worker-only app never loads them.
 */
async function bundleHostRuntime(entry) {
  await bundleInPlace([entry], { separate: new Set([ERRORS]), inlineDynamic: new Set([resolve(dirname(entry), 'launchers/worker.js')]) });
}

/**
 * Bundles the plugin side in one pass: the runtime entries (`worker-main.js`, `process-main.js`,
 * `utility-main.js`) and the plugin kit (`plugins/index.js`, `anyllm/plugin`), split into shared
 * chunks beside them. One pass because they must share one instance of the kit: a built-in plugin
 * imports the kit's entry by relative path and the runtime checks its `Provider` class and holds
 * the `AsyncLocalStorage` of the fetch attempts; with code splitting, code both reach lives in one
 * chunk that both import. A plugin start then reads a handful of files instead of forty. The
 * sandbox tier grants the runtime's folder, where the chunks (and their maps) are.
 */
async function bundlePluginSide(dir) {
  const entries = ['worker-main.js', 'process-main.js', 'utility-main.js', 'index.js'].map((name) => join(dir, name));
  await bundleInPlace(entries, { separate: new Set([ERRORS]), chunkNames: 'shared-[hash]' });
}

/** The files of dist/ that `entry` reaches by static import (and by the dynamic imports in `follow`), the entry included. */
async function staticGraph(entry, follow = new Set()) {
  const { build } = await import('esbuild');
  const lazy = {
    name: 'no-lazy',
    setup(bundler) {
      bundler.onResolve({ filter: /^\./ }, ({ path, resolveDir, kind }) =>
        kind === 'dynamic-import' && !follow.has(resolve(resolveDir, path)) ? { path, external: true } : undefined,
      );
    },
  };
  const { metafile } = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, packages: 'external', format: 'esm', platform: 'node', logLevel: 'silent', plugins: [lazy] });
  return new Set(Object.keys(metafile.inputs).map((file) => resolve(file)));
}

/** Whether bare specifier `specifier` names one of package.json's `dependencies` (which ship with the package). */
function ownDependency(specifier) {
  const { dependencies = {} } = JSON.parse(readFileSync('package.json', 'utf8'));
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  return Object.hasOwn(dependencies, name);
}

/**
 * Whether `file`'s code (not its comments) reads `import.meta` for anything but `createRequire`,
 * which finds builtins and packages the same from any file of dist/.
 */
function readsImportMeta(file) {
  const code = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/createRequire\(import\.meta\.url\b/g, '');
  return /\bimport\.meta\b/.test(code);
}

/**
 * Bundles `entries` (one folder's) in place, into one file each, or with shared chunks named
 * `chunkNames` beside them; linked source maps chained through tsc's (stacks still name
 * `src/*.ts`). Kept as imports of their own files: `separate`; every dynamic import not in
 * `inlineDynamic`; every module that reads `import.meta` from another folder than the entries'
 * (a bundled module's `import.meta.url` is the bundle's, so a path computed from it would move);
 * and everything such a kept module imports, so no module is both inside the bundle and loaded
 * from its own file (two instances of its state and classes). The build fails if that still happens.
 */
async function bundleInPlace(entries, { separate: given, inlineDynamic = new Set(), chunkNames }) {
  // Loaded only when building, so an up-to-date check needs no esbuild.
  const { build } = await import('esbuild');
  const outDir = dirname(resolve(entries[0]));
  const separate = new Set(given);
  const reached = new Set();
  for (const entry of entries) for (const file of await staticGraph(entry, inlineDynamic)) reached.add(file);
  for (const file of reached) {
    if (dirname(file) !== outDir && !separate.has(file) && readsImportMeta(file)) for (const kept of await staticGraph(file)) separate.add(kept);
  }
  const { metafile } = await build({
    entryPoints: entries,
    ...(chunkNames ? { outdir: outDir, splitting: true, chunkNames, entryNames: '[name]' } : { outfile: entries[0] }),
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    // Off: nothing reads a bundled function's name at run time (the error classes, whose `name` is
    // their identity across the wire, are a file of their own, errors.js, never bundled), and
    // keepNames wraps every closure a hot function makes in a defineProperty call: host main-thread
    // CPU per non-streaming call 160-165 µs with it, 120-133 without (docs/PERFORMANCE.md).
    keepNames: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'keep-separate',
        setup(bundler) {
          // Only this package's own dependencies are bundled; a provider SDK (a peer) is the app's install.
          bundler.onResolve({ filter: /^[^./]/ }, ({ path }) => (ownDependency(path) ? undefined : { path, external: true }));
          bundler.onResolve({ filter: /^\./ }, ({ path, resolveDir, kind }) => {
            const target = resolve(resolveDir, path);
            const inline = kind === 'dynamic-import' ? inlineDynamic.has(target) : !separate.has(target);
            if (inline && !separate.has(target)) return undefined;
            const specifier = relative(outDir, target).split(sep).join('/');
            return { path: specifier.startsWith('.') ? specifier : `./${specifier}`, external: true };
          });
        },
      },
    ],
  });
  // A file loaded on its own (a kept import) must not reach a module the bundle also holds.
  const inlined = new Set(Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs)).map((file) => resolve(file)));
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external, kind } of output.imports) {
      if (!external || !path.startsWith('.') || kind === 'dynamic-import') continue;
      const twice = [...(await staticGraph(resolve(outDir, path)))].filter((file) => inlined.has(file));
      if (twice.length > 0) throw new Error(`Bundling ${entries.join(', ')}: ${path} is kept separate but imports ${twice.join(', ')}, which the bundle also holds.`);
    }
  }
}
