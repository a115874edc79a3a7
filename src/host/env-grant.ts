/**
 * Which environment variables reach a community plugin. By default only `<PREFIX>API_KEY` and
 * `<PREFIX>BASE_URL` (PREFIX = the provider name upper-cased, '-' → '_', plus '_'), and only when
 * that prefix is nobody else's: not a built-in provider's, not a well-known credential family, and
 * not granted by name to another registered plugin. Everything else reaches it only when the caller grants it by name
 * (`registerPlugin(dir, { allowEnv })`). The manifest's `env` list is a request, never a grant.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';

/**
 * Prefixes of variables that hold credentials or configure tools in a developer's or a CI
 * machine's environment. A community provider whose prefix overlaps one of these (`aws`, `github`,
 * `node`, `azure-openai` ...) would otherwise be handed `AWS_SECRET_ACCESS_KEY`-like names by the
 * prefix rule alone, so its defaults are withheld. Listed once, here; compared both ways
 * (`GITHUB_` covers provider `github`, and provider `circle` is covered by `CIRCLE`).
 */
export const CREDENTIAL_FAMILIES: readonly string[] = [
  // Clouds and their CLIs
  'AWS_', 'AMAZON_', 'GOOGLE_', 'GCP_', 'GCLOUD_', 'CLOUDSDK_', 'GCE_', 'AZURE_', 'ARM_', 'MSI_', 'IDENTITY_',
  'DIGITALOCEAN_', 'DO_', 'CLOUDFLARE_', 'CF_', 'HEROKU_', 'VERCEL_', 'NETLIFY_', 'FLY_', 'RAILWAY_', 'RENDER_',
  'ALIBABA_', 'ALICLOUD_', 'ALIYUN_', 'OCI_', 'ORACLE_', 'IBMCLOUD_', 'IBM_', 'LINODE_', 'HCLOUD_', 'SCW_',
  'OVH_', 'VULTR_', 'SUPABASE_', 'FIREBASE_',
  // Source hosts, package registries and runtimes
  'GITHUB_', 'GH_', 'GITLAB_', 'GL_', 'GIT_', 'BITBUCKET_', 'NODE_', 'NPM_', 'YARN_', 'PNPM_', 'BUN_', 'DENO_',
  'PIP_', 'PYPI_', 'TWINE_', 'CARGO_', 'GEM_', 'COMPOSER_', 'NUGET_', 'MAVEN_', 'GRADLE_', 'HF_', 'HUGGING',
  // CI systems
  'CI_', 'CIRCLE', 'TRAVIS_', 'BUILDKITE_', 'JENKINS_', 'DRONE_', 'TEAMCITY_', 'APPVEYOR_', 'BUILD_', 'SYSTEM_',
  'ACTIONS_', 'RUNNER_', 'CODEBUILD_', 'BITRISE_', 'SEMAPHORE_', 'WOODPECKER_',
  // Containers, infrastructure, secrets managers
  'DOCKER_', 'KUBE', 'K8S_', 'HELM_', 'TF_', 'TERRAFORM_', 'VAULT_', 'CONSUL_', 'NOMAD_', 'OP_', 'DOPPLER_',
  'INFISICAL_', 'PULUMI_', 'ANSIBLE_',
  // Keys, agents and databases
  'SSH_', 'GPG_', 'GNUPG', 'SSL_', 'TLS_', 'OPENSSL_', 'DATABASE_', 'DB_', 'PG', 'POSTGRES', 'MYSQL_',
  'REDIS_', 'MONGO', 'ELASTIC', 'KAFKA_', 'RABBITMQ_', 'AMQP_',
  // SaaS tokens that sit in app environments
  'STRIPE_', 'TWILIO_', 'SENDGRID_', 'SLACK_', 'DISCORD_', 'TELEGRAM_', 'SENTRY_', 'DATADOG_', 'DD_',
  'NEW_RELIC_', 'NEWRELIC_', 'SNYK_', 'SONAR', 'CODECOV_', 'COVERALLS_', 'OKTA_', 'AUTH0_', 'JWT_',
  // The rest of an LLM app's stack (tracing, evaluation, vector stores, search and browsing tools):
  // their keys sit beside the providers' as <SERVICE>_API_KEY
  'LANGCHAIN_', 'LANGSMITH_', 'LANGFUSE_', 'HELICONE_', 'PORTKEY_', 'BRAINTRUST_', 'WANDB_', 'COMET_', 'MLFLOW_',
  'ARIZE_', 'PHOENIX_', 'PINECONE_', 'WEAVIATE_', 'QDRANT_', 'CHROMA_', 'MILVUS_', 'ZILLIZ_', 'TURBOPUFFER_',
  'TAVILY_', 'SERPAPI_', 'SERPER_', 'EXA_', 'BRAVE_', 'FIRECRAWL_', 'BROWSERBASE_', 'E2B_', 'LLAMA_CLOUD_',
  'UNSTRUCTURED_', 'ELEVENLABS_', 'DEEPGRAM_', 'ASSEMBLYAI_', 'POSTHOG_', 'SEGMENT_', 'RESEND_', 'MAILGUN_',
  'NOTION_', 'LINEAR_', 'AIRTABLE_', 'ZAPIER_', 'COMPOSIO_',
  // Generic names that say "secret" without saying whose
  'API_', 'APP_', 'SECRET', 'TOKEN', 'PASSWORD', 'PRIVATE_', 'AUTH_', 'SESSION_', 'COOKIE_',
  // Process and loader configuration
  'LD_', 'DYLD_', 'UV_', 'XDG_', 'HOME_', 'PATH_', 'HTTP_', 'HTTPS_', 'PROXY_',
];

/**
 * Variables a caller may not grant, even by name: they change how the plugin's Node runs (flags,
 * preloaded code, the module path), not what it knows, so they would undo the sandbox.
 */
const RUNTIME_CONFIG = /^(?:NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|LD_\w*|DYLD_\w*)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ALLOWED = 64;

/** Another provider, whose variables a community plugin must not be handed by default. */
export interface EnvOwner {
  provider: string;
  builtin: boolean;
  /** The variables it reads (its manifest's `env`). */
  variables: readonly string[];
}

/** What reaches one community plugin. */
export interface EnvGrant {
  /** The variables passed to the plugin (when set in the host's environment). */
  names: string[];
  /** The two defaults, `<PREFIX>API_KEY` and `<PREFIX>BASE_URL`. */
  defaults: [string, string];
  /** Why the defaults are withheld, when they are. */
  withheld?: string;
  /** Names the manifest asks for that are not granted. */
  ungranted: string[];
}

/**
 * The environment prefix of a provider: `my-llm` → `MY_LLM_`.
 *
 * @example
 * ```ts
 * envPrefix('azure-openai'); // 'AZURE_OPENAI_'
 * ```
 */
export function envPrefix(provider: string): string {
  return `${provider.toUpperCase().replaceAll('-', '_')}_`;
}

/**
 * Why `provider`'s prefix is not its own, or `undefined` when it is: it overlaps a credential
 * family or a built-in provider's prefix (either one starting with the other), a built-in reads a
 * variable under it (`AZURE_OPENAI_` vs the built-in azureopenai's `AZURE_OPENAI_API_KEY`), or the
 * caller granted one of its two defaults to another registered plugin by name.
 *
 * @example
 * ```ts
 * prefixCollision('github', []); // "GITHUB_ is the prefix of a well-known credential family (GITHUB_…)"
 * ```
 */
export function prefixCollision(provider: string, others: readonly EnvOwner[]): string | undefined {
  const prefix = envPrefix(provider);
  const overlaps = (other: string) => prefix.startsWith(other) || other.startsWith(prefix);
  const family = CREDENTIAL_FAMILIES.find(overlaps);
  if (family !== undefined) return `${prefix} overlaps the well-known credential family ${family}…`;
  const defaults = [`${prefix}API_KEY`, `${prefix}BASE_URL`];
  for (const other of others) {
    if (other.provider === provider) continue;
    if (other.builtin) {
      // A built-in's whole namespace is its own: `azure-openai` must not come near AZURE_OPENAI_*.
      const otherPrefix = envPrefix(other.provider);
      if (overlaps(otherPrefix)) return `${prefix} overlaps ${otherPrefix}, the prefix of the built-in provider '${other.provider}'`;
      const taken = other.variables.find((name) => name.startsWith(prefix) || overlaps(name));
      if (taken !== undefined) return `the built-in provider '${other.provider}' reads ${taken}`;
      continue;
    }
    // Another community plugin's defaults can never equal these (the names differ), so only a
    // variable the caller granted it by name can: registering a plugin never withdraws another's key.
    const taken = other.variables.find((name) => defaults.includes(name));
    if (taken !== undefined) return `the registered provider '${other.provider}' was granted ${taken}`;
  }
  return undefined;
}

/**
 * The grant of a community plugin: the two defaults unless its prefix collides, plus what the
 * caller allowed by name. Names the manifest asks for beyond those are listed in `ungranted`.
 *
 * @example
 * ```ts
 * communityEnvGrant('acme', ['ACME_API_KEY', 'ACME_REGION'], [], others);
 * // { names: ['ACME_API_KEY', 'ACME_BASE_URL'], ungranted: ['ACME_REGION'], ... }
 * ```
 */
export function communityEnvGrant(
  provider: string,
  requested: readonly string[],
  allowEnv: readonly string[],
  others: readonly EnvOwner[],
): EnvGrant {
  const prefix = envPrefix(provider);
  const defaults: [string, string] = [`${prefix}API_KEY`, `${prefix}BASE_URL`];
  const withheld = prefixCollision(provider, others);
  const names = [...new Set([...(withheld === undefined ? defaults : []), ...allowEnv])];
  const ungranted = requested.filter((name) => !names.includes(name));
  return { names, defaults, withheld, ungranted };
}

/**
 * One sentence on why `name` does not reach the plugin, and what the caller can do about it.
 *
 * @example
 * ```ts
 * explainUngranted(grant, 'AZURE_OPENAI_API_KEY', 'azure-openai');
 * ```
 */
export function explainUngranted(grant: EnvGrant, name: string, provider: string): string {
  const remedy = `grant it with registerPlugin(dir, { allowEnv: ['${name}'] })`;
  if (grant.withheld !== undefined && grant.defaults.includes(name)) {
    return `${name} is withheld from the community plugin '${provider}' because ${grant.withheld}; ${remedy} if it is meant for this plugin`;
  }
  return `${name} is not granted to the community plugin '${provider}' (by default it gets only ${grant.defaults.join(' and ')}); ${remedy}`;
}

/**
 * Validates the `allowEnv` option of `registerPlugin`: variable names, not ones that configure
 * the plugin's runtime.
 *
 * @example
 * ```ts
 * checkAllowEnv(['ACME_REGION']); // ['ACME_REGION']
 * ```
 */
export function checkAllowEnv(value: unknown): string[] {
  if (value === undefined) return [];
  const bad = (problem: string): never => {
    throw new InvalidRequestError(`registerPlugin(): option 'allowEnv' ${problem}.`, { code: 'invalid_option' });
  };
  if (!Array.isArray(value)) return bad('must be an array of environment variable names');
  if (value.length > MAX_ALLOWED) bad(`may name at most ${MAX_ALLOWED} variables`);
  for (const name of value as unknown[]) {
    if (typeof name !== 'string' || !ENV_NAME.test(name)) bad(`has ${JSON.stringify(name)}, which is not an environment variable name`);
    if (RUNTIME_CONFIG.test(name as string)) {
      bad(`has '${name as string}', which configures the plugin's Node runtime (flags, preloaded code); it cannot be granted`);
    }
  }
  return [...new Set(value as string[])];
}
