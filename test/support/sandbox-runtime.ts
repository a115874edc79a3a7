/**
 * Runs the sandbox runtime (src/plugins/sandbox/) where it really runs: in a child Node process of
 * its own, under `--permission` with read grants, locked down by `lockDownSandbox()` before the
 * scenario's code runs (test/fixtures/sandbox-runtime/run.mjs, scenarios.mjs). The lockdown is
 * for good (sealed, module hooks registered), so it can never run inside the test process.
 *
 * Mutation testing reaches it here: the child imports the TypeScript sources (Stryker's
 * instrumented copy under a Stryker run), is given the active mutant in
 * `__STRYKER_ACTIVE_MUTANT__` (which the instrumented code reads at start), and hands back the
 * mutants it covered, which are added to the current test's coverage in this process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../fixtures/sandbox-runtime/', import.meta.url));
const src = fileURLToPath(new URL('../../src/', import.meta.url));

interface StrykerNamespace {
  activeMutant?: string | number;
  currentTestId?: string;
  mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}
type Coverage = NonNullable<StrykerNamespace['mutantCoverage']>;

export interface RuntimeOptions {
  /** Folders or files granted with `--allow-fs-read` besides the runtime's own sources; none with `permission: false`. */
  grants?: string[];
  /** Default true: run under Node's permission model. */
  permission?: boolean;
  /** Default true: lock down before the scenario (false: the same scenario without the lockdown, for contrast). */
  lockdown?: boolean;
  /** Specifiers a hook of the runtime maps to these URLs, installed before the lockdown. */
  mapped?: Record<string, string>;
  /** The child's working folder (default: this process's). */
  cwd?: string;
  /** Anything else the scenario reads. */
  [key: string]: unknown;
}

export interface RuntimeRun<T> {
  result: T;
  stderr: string;
  code: number | null;
}

/**
 * Runs scenario `name` of test/fixtures/sandbox-runtime/scenarios.mjs in a locked-down child.
 *
 * @example
 * ```ts
 * const { result } = await inSandboxRuntime<Record<string, string>>('builtins');
 * ```
 */
export function inSandboxRuntime<T>(name: string, options: RuntimeOptions = {}): Promise<RuntimeRun<T>> {
  return inSourceChild<T>('run.mjs', [name, JSON.stringify(options)], options);
}

/**
 * Runs `script` (in test/fixtures/sandbox-runtime/) in a child Node process that imports src/ as
 * TypeScript (ts-sources.mjs), with the active mutant and coverage carried as for
 * {@link inSandboxRuntime}; the script prints `{ result, coverage }` as its last line.
 *
 * @example
 * ```ts
 * await inSourceChild('host-exit.mjs', [binary, record, dir], { permission: false });
 * ```
 */
export async function inSourceChild<T>(script: string, args: string[], options: RuntimeOptions = {}): Promise<RuntimeRun<T>> {
  const stryker = (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;
  const permission = options.permission !== false;
  const flags = permission ? ['--permission', ...[src, fixtures, ...(options.grants ?? [])].map((path) => `--allow-fs-read=${path}`)] : [];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (stryker?.activeMutant !== undefined) env.__STRYKER_ACTIVE_MUTANT__ = String(stryker.activeMutant);
  const child = spawn(process.execPath, [...flags, '--no-warnings=ExperimentalWarning', `${fixtures}${script}`, ...args], {
    env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  let parsed: { result: T; coverage: Coverage | null };
  try {
    parsed = JSON.parse(last) as typeof parsed;
  } catch {
    throw new Error(`the sandbox-runtime child printed no result (exit ${code}):\n${stdout}\n${stderr}`);
  }
  if (stryker && parsed.coverage) addCoverage(stryker, parsed.coverage);
  return { result: parsed.result, stderr, code };
}

/** The child ran with no current test: its coverage is the current test's here. */
function addCoverage(stryker: StrykerNamespace, coverage: Coverage): void {
  const all = (stryker.mutantCoverage ??= { static: {}, perTest: {} });
  const target = stryker.currentTestId === undefined ? all.static : (all.perTest[stryker.currentTestId] ??= {});
  for (const counts of [coverage.static, ...Object.values(coverage.perTest)]) {
    for (const [id, count] of Object.entries(counts)) target[id] = (target[id] ?? 0) + count;
  }
}
