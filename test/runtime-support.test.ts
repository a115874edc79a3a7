// On a Node.js anyllm cannot run on (the machine's own Node 20, or a runtime lacking a built-in it
// calls), `import('anyllm')`, `import('anyllm/plugin')` and the CLI fail at once, naming the
// version needed and the one found: no raw TypeError, no hang.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unsupportedRuntime } from '../src/errors.js';

const dist = (path: string) => fileURLToPath(new URL(`../dist/${path}`, import.meta.url));

/** The first `node` on PATH (or in the usual system places) older than 22, not a node_modules copy. */
function findOldNode(): { path: string; version: string } {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir || dir.includes('node_modules')) continue;
    const path = join(dir, 'node');
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) < 22) return { path, version };
  }
  throw new Error(`No Node.js older than 22 found on PATH or in /usr/bin, /usr/local/bin: this test needs the machine's system Node.`);
}

interface Run { code: number | null; killed: boolean; stdout: string; stderr: string }

function run(node: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(node, args, { env: { PATH: process.env.PATH ?? '' }, timeout: 10_000, cwd: fileURLToPath(new URL('..', import.meta.url)) }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: unknown; killed?: boolean }) | null;
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, killed: failure?.killed ?? false, stdout, stderr });
    });
  });
}

/** Imports `module` and prints the error's name and message, exiting non-zero when it throws. */
const importScript = (module: string) =>
  `import(${JSON.stringify(module)}).then(() => console.log('imported'), (e) => { console.error(e.name + ': ' + e.message); process.exit(3); })`;

describe('on the system Node (older than 22)', () => {
  const old = findOldNode();
  const needs = `anyllm needs Node.js 22 or newer; this is Node.js ${old.version}.`;

  it.each([
    ['anyllm', 'src/index.js'],
    ['anyllm/plugin', 'src/plugins/index.js'],
  ])('import(%j) fails at once, naming both versions', async (_name, file) => {
    const result = await run(old.path, ['--input-type=module', '-e', importScript(dist(file))]);
    expect(result.killed).toBe(false);
    expect(result.stdout).not.toContain('imported');
    expect(result.stderr.trim()).toBe(`UnsupportedRuntimeError: ${needs}`);
    expect(result.code).toBe(3);
  });

  it('the CLI prints one line and exits 1', async () => {
    const result = await run(old.path, [dist('src/cli.js'), 'chat', '-m', 'openai:gpt-4o-mini', 'Hello']);
    expect(result.killed).toBe(false);
    expect(result.stderr).toBe(`${needs}\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
  });
});

describe('on a Node that claims 22+ but lacks a built-in anyllm calls', () => {
  it('import("anyllm") names what is missing', async () => {
    const strip = 'data:text/javascript,delete Promise.withResolvers';
    const result = await run(process.execPath, ['--import', strip, '--input-type=module', '-e', importScript(dist('src/index.js'))]);
    expect(result.stderr).toContain(`this runtime (Node.js v${process.versions.node}) lacks Promise.withResolvers.`);
    expect(result.code).toBe(3);
  });
});

describe('unsupportedRuntime', () => {
  it('accepts 22 and newer with every built-in, refuses the rest', () => {
    const all = () => true;
    expect(unsupportedRuntime('22.0.0', all)).toBeUndefined();
    expect(unsupportedRuntime('26.1.0', all)).toBeUndefined();
    expect(unsupportedRuntime('21.7.3', all)).toBe('anyllm needs Node.js 22 or newer; this is Node.js v21.7.3.');
    expect(unsupportedRuntime('garbage', all)).toContain('this is Node.js vgarbage');
    expect(unsupportedRuntime('22.3.0', (name) => name !== 'structuredClone')).toContain('lacks structuredClone');
  });
});
