// Types for scripts/provider-table.mjs, so tests can import it.
export interface ManifestLike {
  provider: string;
  env?: string[];
  apiKeyEnv?: string | null;
  isolation?: string;
  capabilities?: Record<string, boolean>;
}
export function readManifests(dir?: string): ManifestLike[];
export function renderProviderTable(manifests?: ManifestLike[]): string;
export function withProviderTable(readme: string, table?: string): string;
