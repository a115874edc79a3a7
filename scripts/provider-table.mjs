// Regenerates the provider table in README.md from the built-in plugins' manifests (a folder's
// manifest.json, or a row of plugins/openai-compatible/providers.json), between
// `<!-- providers:start -->` and `<!-- providers:end -->`. Never edit the table by hand.
//   node scripts/provider-table.mjs          rewrite README.md
//   node scripts/provider-table.mjs --check  exit 1 if README.md is out of date
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const START = '<!-- providers:start -->';
const END = '<!-- providers:end -->';
const COLUMNS = [
  ['Streaming', 'streaming'],
  ['Tools', 'tools'],
  ['Reasoning', 'reasoning'],
  ['Images', 'images'],
  ['PDF', 'pdf'],
  ['listModels', 'listModels'],
  ['Embeddings', 'embedding'],
];

/** The built-in manifests, sorted by provider name: the folders' and the OpenAI-compatible table's rows. */
export function readManifests(dir = `${root}plugins/`) {
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${dir}${entry.name}/manifest.json`))
    .map((entry) => JSON.parse(readFileSync(`${dir}${entry.name}/manifest.json`, 'utf8')));
  return [...folders, ...tableManifests(dir)].sort((a, b) => a.provider.localeCompare(b.provider));
}

/** The rows of `openai-compatible/providers.json` as manifests (the fields the table shows). */
function tableManifests(dir) {
  const file = `${dir}openai-compatible/providers.json`;
  if (!existsSync(file)) return [];
  const { providers } = JSON.parse(readFileSync(file, 'utf8'));
  return Object.entries(providers).map(([provider, row]) => ({
    provider,
    env: [row.apiKeyEnv, row.baseUrlEnv].filter(Boolean),
    apiKeyEnv: row.apiKeyEnv ?? null,
    baseUrlEnv: row.baseUrlEnv,
    envAliases: row.envAliases,
    capabilities: { completion: true, ...row.capabilities },
  }));
}

/** The Markdown table for `manifests`. */
export function renderProviderTable(manifests = readManifests()) {
  const header = ['Provider', 'Key variable', 'Base-URL variable', 'any-llm names (also read)', ...COLUMNS.map(([title]) => title), 'Isolation'];
  const rows = manifests.map((m) => {
    const keyEnv = m.apiKeyEnv === undefined ? (m.env ?? []).find((name) => name.endsWith('_API_KEY')) : m.apiKeyEnv;
    return [
      `\`${m.provider}\``,
      m.credentials ? credentialText(m.credentials) : keyEnv ? `\`${keyEnv}\`` : m.envAliases?.apiKey?.length ? 'optional' : 'none (local server)',
      m.baseUrlEnv ? `\`${m.baseUrlEnv}\`` : '—',
      [...(m.envAliases?.apiKey ?? []), ...(m.envAliases?.baseUrl ?? [])].map((name) => `\`${name}\``).join(', ') || '—',
      ...COLUMNS.map(([, capability]) => (m.capabilities?.[capability] ? '✓' : '—')),
      m.isolation ?? 'worker',
    ];
  });
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The key column for a manifest whose `credentials` are resolved in the host (docs/PROVIDERS.md, "Credentials"). */
function credentialText(credentials) {
  switch (credentials.type) {
    case 'aws-sigv4':
      return `AWS SigV4 (\`AWS_ACCESS_KEY_ID\`, \`~/.aws\`)${credentials.bearerEnv ? ` or \`${credentials.bearerEnv}\`` : ''}`;
    case 'google-oauth':
      return 'Google ADC (`GOOGLE_APPLICATION_CREDENTIALS`)';
    case 'ibm-iam':
      return `\`${credentials.apiKeyEnv}\` (IBM IAM)`;
    default:
      return 'see docs/PROVIDERS.md';
  }
}

/** `readme` with the generated table between the markers; the markers are appended when missing. */
export function withProviderTable(readme, table = renderProviderTable()) {
  const block = `${START}\n${table}\n${END}`;
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start) return `${readme.trimEnd()}\n\n## Providers\n\n${block}\n`;
  return readme.slice(0, start) + block + readme.slice(end + END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = `${root}README.md`;
  const current = readFileSync(path, 'utf8');
  const next = withProviderTable(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('README.md provider table is out of date: run `npm run providers:table`.');
      process.exitCode = 1;
    }
  } else if (next !== current) {
    writeFileSync(path, next);
    console.log('README.md provider table updated.');
  }
}
