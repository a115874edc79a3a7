/**
 * A plugin's stderr: by default its lines reach the host's stderr, prefixed (a crashing plugin's
 * last words stay visible); with `pluginStderr: 'pipe'` they only arrive as `plugin:stderr` events,
 * so a caller (or a test provoking a crash) can capture and assert them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginCrashedError, type AnyLLM } from 'anyllm';
import { faulty, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
  vi.restoreAllMocks();
});

/** What this process writes to its stderr while the spy is on (nothing reaches the terminal). */
function captureStderr(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

describe.each(['worker', 'process', 'sandbox'] as const)('%s tier', (isolation) => {
  it("'pipe': the plugin's lines arrive as plugin:stderr events and nothing is written to stderr", async () => {
    const written = captureStderr();
    const llm = await faulty({ isolation, pluginStderr: 'pipe' });
    open.push(llm);
    const lines: string[] = [];
    llm.on('plugin:stderr', (event) => lines.push(event.line));
    await llm.completion({ model: 'log:hello\x1b[2J', messages });
    await expect.poll(() => lines).toContain('faulty says hello\\x1b[2J');
    expect(written.join('')).not.toContain('faulty says');
  });

  it("default ('inherit'): the lines reach this process's stderr, prefixed and escaped, and as events", async () => {
    const written = captureStderr();
    const llm = await faulty({ isolation });
    open.push(llm);
    const lines: string[] = [];
    llm.on('plugin:stderr', (event) => lines.push(event.line));
    await llm.completion({ model: 'log:there', messages });
    await expect.poll(() => written.join('')).toContain('[anyllm:faulty] faulty says there\n');
    await expect.poll(() => lines).toContain('faulty says there');
  });
});

describe.each(['process', 'sandbox'] as const)('%s tier, a crash', (isolation) => {
  it("'pipe': the crash's stack trace is captured, and the error still says why", async () => {
    const written = captureStderr();
    const llm = await faulty({ isolation, pluginStderr: 'pipe' });
    open.push(llm);
    const lines: string[] = [];
    llm.on('plugin:stderr', (event) => lines.push(event.line));
    const error = await llm.completion({ model: 'crash:throw', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginCrashedError);
    expect((error as Error).message).toContain('faulty plugin threw at top level');
    await expect.poll(() => lines.join('\n')).toContain('Error: faulty plugin threw at top level');
    expect(written.join('')).not.toContain('[anyllm:faulty]');
  });
});
