// Where anyllm finds its own files: beside its module when unbundled, by package resolution from
// an app's bundle, and outside Electron's app.asar when the app unpacked them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { outsideAsar, packageRoot, pluginRuntimeDir } from 'anyllm/internal/package-paths.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'anyllm-paths-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('packageRoot', () => {
  it('is the package itself when its runtime sits beside the module (unbundled)', () => {
    expect(pluginRuntimeDir).toBe(join(repo, 'dist', 'src', 'plugins') + sep);
    expect(packageRoot(join(repo, 'dist', 'src', 'package-paths.js'))).toBe(join(repo, 'dist', 'src', '..', '..'));
  });

  it("is the installed anyllm package beside an app's bundle", () => {
    const pkg = join(work, 'app', 'node_modules', 'anyllm');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'anyllm', exports: { './package.json': './package.json' } }));
    mkdirSync(join(work, 'app', 'out'));
    expect(packageRoot(join(work, 'app', 'out', 'main.js'), work)).toBe(pkg);
  });

  it('is undefined when no anyllm is installed where the bundle or the working folder looks', () => {
    mkdirSync(join(work, 'lonely', 'out'), { recursive: true });
    expect(packageRoot(join(work, 'lonely', 'out', 'main.js'), join(work, 'lonely'))).toBeUndefined();
  });
});

describe('outsideAsar', () => {
  const inAsar = '/Applications/X.app/Contents/Resources/app.asar/node_modules/anyllm/dist/src/plugins';
  it('takes the app.asar.unpacked copy when the app unpacked it', () => {
    expect(outsideAsar(inAsar, (path) => path.includes('app.asar.unpacked'))).toBe(
      '/Applications/X.app/Contents/Resources/app.asar.unpacked/node_modules/anyllm/dist/src/plugins',
    );
  });
  it('keeps the path when nothing was unpacked, or when it is not in an archive', () => {
    expect(outsideAsar(inAsar, () => false)).toBe(inAsar);
    expect(outsideAsar('/srv/app.asarx/anyllm', () => true)).toBe('/srv/app.asarx/anyllm');
  });
});
