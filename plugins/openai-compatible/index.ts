/**
 * Every OpenAI-compatible provider that is a row of `providers.json` (DeepInfra, Moonshot, z.ai ...)
 * and every `AnyLLM.createOpenAICompatible` server: the shared OpenAI-compatible base, with the
 * quirks of the row named like this provider. A name without a row (a caller's own server) gets
 * none: OpenAI's wire as is.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { OpenAICompatibleProvider, type CompatOptions } from '../../src/plugins/index.js';

/** A row's `compat`: `CompatOptions` as data, plus `path`, appended to the base URL (Databricks' `/serving-endpoints`). */
type RowQuirks = Omit<CompatOptions, 'toolCallId'> & { path?: string };

export default class OpenAICompatibleTableProvider extends OpenAICompatibleProvider {
  protected override compat: CompatOptions = {};

  protected override async initClient(
    apiKey: string | undefined,
    apiBase: string | undefined,
    options: Record<string, unknown>,
  ): Promise<void> {
    const { path, ...compat } = quirksOf(this.name);
    this.compat = compat;
    await super.initClient(apiKey, withPath(apiBase, path), options);
  }
}

/** The row's quirks; the host has validated the table (its fields and quirk names) before starting this plugin. */
function quirksOf(provider: string): RowQuirks {
  const table = JSON.parse(readFileSync(new URL('./providers.json', import.meta.url), 'utf8')) as {
    providers: Record<string, { compat?: RowQuirks } | undefined>;
  };
  return (Object.hasOwn(table.providers, provider) ? table.providers[provider]?.compat : undefined) ?? {};
}

/** `base` with `path` after it, unless it ends so already (a variable may hold the host or the full URL). */
function withPath(base: string | undefined, path: string | undefined): string | undefined {
  if (base === undefined || path === undefined) return base;
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(path) ? trimmed : `${trimmed}${path}`;
}
