// The manifests and the README's provider table agree with what the providers document
// (expectations.ts), apart from the open disagreements it lists, exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinCapabilities, builtinProviderNames } from '../support/compat-table.js';
import { CAPABILITIES, EXPECTED, KNOWN_DISAGREEMENTS, type Capability } from './expectations.js';

const root = new URL('../../', import.meta.url);
const providers = builtinProviderNames();
const manifest = (provider: string): Record<Capability, boolean> => builtinCapabilities(provider) as Record<Capability, boolean>;

/** The README's provider table: provider → capability → ✓. */
function readmeTable(): Map<string, Partial<Record<Capability, boolean>>> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const lines = readme.split('\n').filter((line) => line.startsWith('| '));
  const header = lines.find((line) => line.startsWith('| Provider |'))?.split('|').map((cell) => cell.trim());
  if (!header) throw new Error('README.md has no provider table');
  const column = (capability: Capability) => header.findIndex((cell) => cell.toLowerCase() === capability.toLowerCase());
  const table = new Map<string, Partial<Record<Capability, boolean>>>();
  for (const line of lines) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const row: Partial<Record<Capability, boolean>> = {};
    for (const capability of CAPABILITIES) {
      const at = column(capability);
      if (at > 0) row[capability] = cells[at] === '✓';
    }
    table.set(name, row);
  }
  return table;
}

/** Every documented cell (not 'silent') where `claims` says otherwise, as 'provider.capability'. */
function disagreements(claims: (provider: string) => Partial<Record<Capability, boolean>> | undefined): string[] {
  const out: string[] = [];
  for (const provider of providers) {
    const claimed = claims(provider);
    for (const capability of CAPABILITIES) {
      const documented = EXPECTED[provider]?.capabilities[capability];
      if (documented === 'silent' || claimed?.[capability] === undefined) continue;
      if (claimed[capability] !== documented) out.push(`${provider}.${capability}`);
    }
  }
  return out;
}

const known = Object.entries(KNOWN_DISAGREEMENTS).flatMap(([provider, cells]) => Object.keys(cells).map((capability) => `${provider}.${capability}`));

describe('documented expectations', () => {
  it('have a row for every built-in provider, each with its docs link and a source or reason for every cell it decides', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(providers);
    for (const provider of providers) {
      const row = EXPECTED[provider];
      expect(row.docs).toMatch(/^https:\/\//);
      expect(Object.keys(row.capabilities).sort()).toEqual([...CAPABILITIES].sort());
      for (const capability of CAPABILITIES) {
        // Streaming and tools are on the reference page itself; every other cell says where it comes from.
        if (capability !== 'streaming' && capability !== 'tools') expect(row.notes[capability], `${provider}.${capability}`).toMatch(/\S/);
      }
    }
  });

  it('every manifest agrees with the docs, except the open disagreements listed in expectations.ts', () => {
    expect(disagreements(manifest)).toEqual(known);
  });

  it('the providers the docs say have no chat are exactly those whose manifest claims no completion', () => {
    const withoutChat = providers.filter((provider) => EXPECTED[provider].noChat !== undefined);
    expect(providers.filter((provider) => builtinCapabilities(provider).completion !== true)).toEqual(withoutChat);
    expect(withoutChat).toEqual(['voyage']);
    for (const provider of withoutChat) expect(EXPECTED[provider].noChat).toMatch(/\S/);
  });

  it("the README's provider table agrees with the docs, except the same open disagreements", () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(providers);
    // The README has no responseFormat column, so a disagreement there is only the manifest's.
    const readmeKnown = known.filter((cell) => !cell.endsWith('.responseFormat'));
    expect(disagreements((provider) => table.get(provider))).toEqual(readmeKnown);
  });

  it('names the cells the docs leave open (the suite checks the manifest there, for want of a source)', () => {
    const silent = providers.flatMap((provider) =>
      CAPABILITIES.filter((capability) => EXPECTED[provider].capabilities[capability] === 'silent').map((capability) => `${provider}.${capability}`),
    );
    expect(silent).toEqual([
      'atlascloud.responseFormat', 'cascadia.tools', 'cascadia.responseFormat', 'edenai.responseFormat', 'fireworks.listModels',
      'github.images', 'gmi.responseFormat', 'huggingface.reasoning', 'kenari.tools', 'kenari.responseFormat', 'llamafile.tools',
      'meta.responseFormat', 'mzai.responseFormat', 'neosantara.responseFormat', 'ovhcloud.responseFormat', 'qiniu.responseFormat',
      'sagemaker.tools', 'sagemaker.images', 'watsonx.reasoning', 'xai.pdf',
    ]);
  });
});
