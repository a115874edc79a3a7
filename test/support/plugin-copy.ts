/**
 * Installs a copy of a plugin folder in a temporary directory outside this repository, with its
 * manifest's `network` list replaced (tests declare their local servers' origins). Outside the repo,
 * `import 'anyllm/plugin'` can only resolve through the plugin runtime's hook, as for a real install.
 */
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PluginCopy {
  dir: string;
  remove(): void;
}

/** Copies `source` to `<tmp>/node_modules/<package name>` and declares `network` as its origins. */
export function copyPlugin(source: string, network: string[], edit: (manifest: Record<string, unknown>) => void = () => {}): PluginCopy {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'anyllm-plugin-')));
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { name: string; anyllm: Record<string, unknown> };
  const dir = join(root, 'node_modules', pkg.name);
  cpSync(source, dir, { recursive: true });
  pkg.anyllm.network = network;
  edit(pkg.anyllm);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
