// Builds dist/: compiles TypeScript, then copies each built-in plugin's manifest beside its code.
// `--clean` empties dist/ first, so no stale module from a renamed source survives.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

if (process.argv.includes('--clean')) rmSync('dist', { recursive: true, force: true });
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
for (const name of readdirSync('plugins')) {
  const manifest = join('plugins', name, 'manifest.json');
  if (existsSync(manifest)) cpSync(manifest, join('dist', 'plugins', name, 'manifest.json'));
}
process.exitCode = tsc.status ?? 1;
