/**
 * any-llm's environment variable names, read as aliases (src/host/env-aliases.ts through
 * resolveOptions): anyllm's own variable wins, a bare host or origin is completed from the default
 * base URL, a bad value names its variable, and a community plugin reads an alias only when granted.
 */
import { describe, expect, it } from 'vitest';
import { completeBaseUrl } from 'anyllm/internal/host/env-aliases.js';
import { parseCompatRow } from 'anyllm/internal/host/compat-table.js';
import { resolveOptions } from 'anyllm/internal/host/options.js';
import { lookupProvider, type RegisteredPlugin } from 'anyllm/internal/host/registry.js';
import { parseManifest } from 'anyllm/internal/host/manifest.js';
import { InvalidRequestError, MissingApiKeyError } from 'anyllm/internal/errors.js';

const resolve = (provider: string, environment: Record<string, string>, options = {}) => resolveOptions(lookupProvider(provider), options, environment);

describe('base-URL aliases', () => {
  it.each([
    ['localhost:11434', 'http://localhost:11434/v1'],
    ['0.0.0.0', 'http://0.0.0.0:11434/v1'],
    ['http://gpu-box:11434', 'http://gpu-box:11434/v1'],
    ['https://ollama.internal/', 'https://ollama.internal/v1'],
    ['http://gpu-box:11434/v1', 'http://gpu-box:11434/v1'],
  ])('OLLAMA_HOST=%s reaches the ollama plugin as %s', (value, expected) => {
    expect(resolve('ollama', { OLLAMA_HOST: value }).apiBase).toBe(expected);
  });

  it("anyllm's own variable wins over the alias, and the caller's apiBase over both", () => {
    const env = { OLLAMA_HOST: 'other:1', OLLAMA_BASE_URL: 'http://mine:11434/v1' };
    expect(resolve('ollama', env).apiBase).toBe('http://mine:11434/v1');
    expect(resolve('ollama', env, { apiBase: 'http://caller:1/v1' }).apiBase).toBe('http://caller:1/v1');
  });

  it.each([
    ['mistral', 'MISTRAL_API_BASE', 'https://eu.api.mistral.ai', 'https://eu.api.mistral.ai/v1'],
    ['lmstudio', 'LM_STUDIO_API_BASE', 'localhost:1234', 'http://localhost:1234/v1'],
    ['xai', 'XAI_API_BASE', 'https://proxy.example/xai/v1', 'https://proxy.example/xai/v1'],
    ['gemini', 'GOOGLE_GEMINI_BASE_URL', 'https://gemini-proxy.example', 'https://gemini-proxy.example'],
    ['deepinfra', 'DEEPINFRA_API_BASE', 'https://di-proxy.example', 'https://di-proxy.example/v1/openai'],
  ])('%s reads %s=%s as %s', (provider, variable, value, expected) => {
    expect(resolve(provider, { [variable]: value, MISTRAL_API_KEY: 'k', XAI_API_KEY: 'k', GEMINI_API_KEY: 'k', DEEPINFRA_API_KEY: 'k' }).apiBase).toBe(expected);
  });

  it('a value that is no URL or host is an InvalidRequestError naming the variable', () => {
    expect(() => resolve('ollama', { OLLAMA_HOST: 'ftp://files' })).toThrow(InvalidRequestError);
    expect(() => resolve('ollama', { OLLAMA_HOST: 'http://[bad' })).toThrow(/OLLAMA_HOST/);
  });

  it('completeBaseUrl leaves a URL with a path alone and completes a bare origin', () => {
    expect(completeBaseUrl('https://a.example/custom', 'https://api.example/v1')).toBe('https://a.example/custom');
    expect(completeBaseUrl('https://a.example', 'https://api.example/v1')).toBe('https://a.example/v1');
    expect(completeBaseUrl('a.example', undefined)).toBe('http://a.example');
    expect(completeBaseUrl('', 'https://api.example/v1')).toBeUndefined();
  });
});

describe('API-key aliases', () => {
  it('gemini takes GOOGLE_API_KEY when GEMINI_API_KEY is unset, and GEMINI_API_KEY first when both are', () => {
    expect(resolve('gemini', { GOOGLE_API_KEY: 'google' }).apiKey).toBe('google');
    expect(resolve('gemini', { GOOGLE_API_KEY: 'google', GEMINI_API_KEY: 'gemini' }).apiKey).toBe('gemini');
  });

  it('with neither, MissingApiKeyError names anyllm\'s variable', () => {
    expect(() => resolve('gemini', {})).toThrow(MissingApiKeyError);
    expect(() => resolve('gemini', {})).toThrow("set the GEMINI_API_KEY environment variable (or GOOGLE_API_KEY)");
  });

  it("a keyless provider sends any-llm's optional key variable when set (VLLM_API_KEY), and none otherwise", () => {
    expect(resolve('vllm', { VLLM_API_KEY: 'vk' }).apiKey).toBe('vk');
    expect(resolve('vllm', {}).apiKey).toBeUndefined();
  });

  it('aliases are read by the host, never passed into the plugin environment', () => {
    const resolved = resolve('gemini', { GOOGLE_API_KEY: 'google', GOOGLE_GEMINI_BASE_URL: 'https://g.example' });
    expect(resolved.env).toEqual({});
  });
});

describe('aliases of a community plugin', () => {
  const manifest = parseManifest(
    { provider: 'acme-alias', entry: './index.js', env: ['ACME_ALIAS_API_KEY'], envAliases: { apiKey: ['OTHER_ACME_KEY'] } },
    'test',
  );
  const plugin = (allowEnv: string[]): RegisteredPlugin => ({ manifest, dir: '/nowhere', entryPath: '/nowhere/index.js', builtin: false, defaultIsolation: 'sandbox', allowEnv });

  it('are read only when the caller granted them', () => {
    expect(() => resolveOptions(plugin([]), {}, { OTHER_ACME_KEY: 'k' })).toThrow(MissingApiKeyError);
    expect(resolveOptions(plugin(['OTHER_ACME_KEY']), {}, { OTHER_ACME_KEY: 'k' }).apiKey).toBe('k');
  });

  it('must be an object of variable-name arrays', () => {
    expect(() => parseManifest({ provider: 'x', entry: './i.js', envAliases: { key: ['A'] } }, 'test')).toThrow(/envAliases\.key/);
    expect(() => parseManifest({ provider: 'x', entry: './i.js', envAliases: { apiKey: ['not a name'] } }, 'test')).toThrow(/envAliases\.apiKey/);
    expect(() => parseManifest({ provider: 'x', entry: './i.js', envAliases: [] }, 'test')).toThrow(/envAliases/);
  });
});

describe('rows of the OpenAI-compatible table', () => {
  const row = (extra: Record<string, unknown>) => ({ docs: 'https://acme.example/docs', apiKeyEnv: 'ACME_API_KEY', baseUrlEnv: 'ACME_BASE_URL', defaultBaseUrl: 'https://api.acme.example/v1', ...extra });

  it('become manifests: env from the key and base-URL variables, network from the default base URL', () => {
    const { manifest, baseUrlRequired } = parseCompatRow('acme', row({ envAliases: { baseUrl: ['ACME_API_BASE'] } }), '/dir', 'test');
    expect(manifest).toMatchObject({
      provider: 'acme',
      sdk: 'openai',
      env: ['ACME_API_KEY', 'ACME_BASE_URL'],
      network: ['https://api.acme.example'],
      envAliases: { baseUrl: ['ACME_API_BASE'] },
      capabilities: { completion: true },
    });
    expect(baseUrlRequired).toBe(false);
    expect(parseCompatRow('acme', row({ defaultBaseUrl: undefined, network: [] }), '/dir', 'test').baseUrlRequired).toBe(true);
  });

  it('refuse an unknown field or quirk, a missing docs link, or a bad manifest field', () => {
    expect(() => parseCompatRow('acme', row({ compat: { thinktags: true } }), '/dir', 'test')).toThrow(/compat\.thinktags/);
    expect(() => parseCompatRow('acme', row({ headers: {} }), '/dir', 'test')).toThrow(/'headers' is not a row field/);
    expect(() => parseCompatRow('acme', row({ docs: undefined }), '/dir', 'test')).toThrow(/docs/);
    expect(() => parseCompatRow('acme', row({ capabilities: { vision: true } }), '/dir', 'test')).toThrow(/capabilities\.vision/);
    expect(() => parseCompatRow('acme', row({ compat: { thinkTags: 'yes' } }), '/dir', 'test')).toThrow(/compat\.thinkTags' must be true or false/);
    expect(() => parseCompatRow('acme', row({ compat: { unsupported: 'n' } }), '/dir', 'test')).toThrow(/compat\.unsupported/);
    expect(() => parseCompatRow('acme', row({ compat: { path: '../x' } }), '/dir', 'test')).toThrow(/compat\.path/);
    expect(() => parseCompatRow('acme', row({ compat: { embedding: { maxInput: 10 } } }), '/dir', 'test')).toThrow(/compat\.embedding\.maxInput' is not an embedding quirk/);
    expect(() => parseCompatRow('acme', row({ compat: { embedding: { maxInputs: 0 } } }), '/dir', 'test')).toThrow(/compat\.embedding/);
    expect(() => parseCompatRow('acme', row({ compat: { embedding: { unsupported: ['input'] } } }), '/dir', 'test')).toThrow(/compat\.embedding/);
    expect(parseCompatRow('acme', row({ compat: { embedding: { maxInputs: 10, unsupported: ['user'], encodingFormat: false, tokens: false } } }), '/dir', 'test').manifest.provider).toBe('acme');
    expect(parseCompatRow('acme', row({ compat: { path: '/serving-endpoints', unsupported: ['n'], rename: { seed: 'random_seed' } } }), '/dir', 'test').manifest.provider).toBe('acme');
  });

  it("check a row's embedding quirks (compat.embedding) field by field", () => {
    const embeddingRow = (embedding: unknown) => row({ capabilities: { embedding: true }, compat: { embedding } });
    expect(() => parseCompatRow('acme', embeddingRow([]), '/dir', 'test')).toThrow(/'compat\.embedding' must be an object/);
    expect(() => parseCompatRow('acme', embeddingRow({ maxinputs: 10 }), '/dir', 'test')).toThrow(/'compat\.embedding\.maxinputs' is not an embedding quirk/);
    expect(() => parseCompatRow('acme', embeddingRow({ maxInputs: 0 }), '/dir', 'test')).toThrow(/'compat\.embedding\.maxInputs' must be a positive integer/);
    expect(() => parseCompatRow('acme', embeddingRow({ maxInputs: 1.5 }), '/dir', 'test')).toThrow(/maxInputs' must be a positive integer/);
    expect(() => parseCompatRow('acme', embeddingRow({ unsupported: ['input'] }), '/dir', 'test')).toThrow(/'compat\.embedding\.unsupported' must be an array of 'dimensions' and 'user'/);
    expect(() => parseCompatRow('acme', embeddingRow({ rename: { dimensions: 'output dimension' } }), '/dir', 'test')).toThrow(/compat\.embedding\.rename/);
    expect(() => parseCompatRow('acme', embeddingRow({ tokens: 'no' }), '/dir', 'test')).toThrow(/'compat\.embedding\.tokens' must be true or false/);
    expect(() => parseCompatRow('acme', embeddingRow({ path: '/abs/{model}' }), '/dir', 'test')).toThrow(/'compat\.embedding\.path' must be a relative URL path/);
    expect(() => parseCompatRow('acme', embeddingRow({ path: 'https://elsewhere.example/{model}' }), '/dir', 'test')).toThrow(/'compat\.embedding\.path' must be a relative URL path/);
    expect(() => parseCompatRow('acme', embeddingRow({ format: 'tei' }), '/dir', 'test')).toThrow(/'compat\.embedding\.format' must be 'openai' or 'feature-extraction'/);
    expect(parseCompatRow('acme', embeddingRow({ path: '../m/{model}/pipeline/feature-extraction', format: 'feature-extraction' }), '/dir', 'test').manifest.provider).toBe('acme');
    const ok = { maxInputs: 1000, unsupported: ['user'], rename: { dimensions: 'output_dimension' }, encodingFormat: false, tokens: false, base64Floats: false };
    expect(parseCompatRow('acme', embeddingRow(ok), '/dir', 'test').manifest.capabilities).toMatchObject({ completion: true, embedding: true });
    // An embeddings-only row (Voyage) says so: chat is then refused by the host.
    expect(parseCompatRow('acme', row({ capabilities: { completion: false, embedding: true } }), '/dir', 'test').manifest.capabilities.completion).toBe(false);
  });
});
