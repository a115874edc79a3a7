// Builds dist/: compiles TypeScript, copies each built-in plugin's manifest beside its code, then
// bundles the host entry (dist/src/index.js) into one file so `import('anyllm')` reads one module
// instead of fifteen. `--clean` empties dist/ first, so no stale module from a renamed source survives.
// `--if-changed` does nothing when dist/ was built from exactly the current inputs (`prepare` builds
// on `npm ci`, and CI's `npm test` right after need not build the same thing again).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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
 * supervisor, the launchers and `json-rpc-2.0`), which `AnyLLM.create` loads on first use. Every
 * module of dist/ stays where tsc put it, for those lazy imports and for the plugins;
 * `package-paths.js` keeps paths right from inside the bundle.
 */
async function bundleHostEntry(entry) {
  // Loaded only when building, so an up-to-date check needs no esbuild.
  const { build } = await import('esbuild');
  const outDir = dirname(resolve(entry));
  const separate = new Set([join(outDir, 'errors.js')]);
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
            if (kind !== 'dynamic-import' && !separate.has(target)) return undefined;
            return { path: `./${relative(outDir, target)}`, external: true };
          });
        },
      },
    ],
  });
}
