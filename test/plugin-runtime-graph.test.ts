// What a worker plugin's start reads: the runtime's bundles and the kit's, one instance of each
// module (a built-in plugin imports the kit's entry by relative path; the runtime shares its chunks).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./scripts/plugin-graph.mjs', import.meta.url));

describe('the plugin runtime', () => {
  it('reads its bundles, errors.js, the kit entry and the plugin to initialize, and no package', async () => {
    const { stdout } = await run(process.execPath, [script], { timeout: 20_000 });
    const report = JSON.parse(stdout) as { initialized: boolean; own: string[]; packages: string[] };
    expect(report.initialized).toBe(true);
    const files = [...new Set(report.own.map((file) => file.replace(/shared-[A-Z0-9]+\.js$/, 'shared-*.js')))].sort();
    expect(files).toEqual(['plugins/openai/index.js', 'src/errors.js', 'src/plugins/index.js', 'src/plugins/shared-*.js', 'src/plugins/worker-main.js']);
    expect(report.packages).toEqual([]);
  });
});
