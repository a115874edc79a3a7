// Red team (issue 10): each step of a fallback chain has its own retries, a plugin crash's one
// retry included. A step is another model (or provider): that the first step crashed its plugin
// twice says nothing about the next one, whose first crash is retried like any call's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyLLM, CallRetryEvent } from 'anyllm';
import { faulty, messages } from './support/faulty-plugin.js';

const open: AnyLLM[] = [];
const markers = mkdtempSync(join(tmpdir(), 'anyllm-red10-chain-'));
afterEach(async () => {
  await Promise.all(open.splice(0).map((llm) => llm.close()));
});

describe('a fallback step', () => {
  it('gets its own retry after a plugin crash, though the step before it crashed the plugin twice', async () => {
    const llm = await faulty({ retry: { initialDelayMs: 1, maxAttempts: 3 }, supervision: { maxCrashes: 10 } });
    open.push(llm);
    const retries: CallRetryEvent[] = [];
    llm.on('call:retry', (event) => retries.push(event));
    const marker = encodeURIComponent(join(markers, 'step2'));
    // Step 1 crashes the plugin every time (retried once, then the chain moves on); step 2 crashes it once, then answers.
    const res = await llm.completion({ model: 'crash:exit', messages }, { fallbacks: [`faulty:once:${marker}:exit`] }).catch((e: unknown) => e);
    expect(res).toMatchObject({ choices: [{ message: { content: 'ok' } }] });
    expect(retries.map((r) => r.error)).toEqual(['PluginCrashedError', 'PluginCrashedError']);
  });
});
