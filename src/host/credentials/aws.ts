/**
 * AWS credentials, resolved in the host: a Bedrock bearer key (`apiKey` or `AWS_BEARER_TOKEN_BEDROCK`),
 * else access keys from the `credentials` option, the environment, or the profile in
 * `~/.aws/credentials` / `~/.aws/config`. Requests are signed here (sigv4.ts); the plugin never
 * sees a secret key. SSO, `credential_process`, role assumption and instance metadata are not
 * followed: the error says how to export such credentials instead.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InvalidRequestError, MissingApiKeyError } from '../../errors.js';
import type { AwsCredentialSpec } from './spec.js';
import { signRequest, type AwsKeys } from './sigv4.js';
import type { ResolveContext, ResolvedCredential } from './types.js';

// `node:fs` through require: its ESM facade costs milliseconds of `import('anyllm')` (this module is in the host bundle).
const fs = createRequire(import.meta.url ?? `file://${process.cwd()}/noop.js`)('node:fs') as typeof import('node:fs');

const MAX_FILE_BYTES = 1024 * 1024;
const SIGNATURE_LIFETIME_MS = 5 * 60_000;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Parses an AWS INI file into sections (`[default]`, `[profile x]`) of lowercase keys.
 *
 * @example
 * ```ts
 * parseIni('[default]\naws_access_key_id = AKIA...\n'); // { default: { aws_access_key_id: 'AKIA...' } }
 * ```
 */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = sections[header[1].trim()] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

function readIni(path: string): Record<string, Record<string, string>> {
  try {
    const buffer = fs.readFileSync(path);
    return buffer.byteLength > MAX_FILE_BYTES ? {} : parseIni(buffer.toString('utf8'));
  } catch {
    return {};
  }
}

/**
 * Resolves AWS credentials and the region for a provider whose manifest declares `aws-sigv4`.
 *
 * @throws MissingApiKeyError when nothing supplies credentials; InvalidRequestError for a half-given pair.
 * @example
 * ```ts
 * const { authoriser, apiBase } = resolveAws(spec, context); // apiBase: https://bedrock-runtime.us-east-1.amazonaws.com
 * ```
 */
export function resolveAws(spec: AwsCredentialSpec, ctx: ResolveContext): ResolvedCredential {
  const { options, env, provider } = ctx;
  const ambient = (name: string): string | undefined => (ctx.ambient && env[name] ? env[name] : undefined);
  const profileName = options.profile ?? ambient('AWS_PROFILE') ?? 'default';
  const credentialsFile = ambient('AWS_SHARED_CREDENTIALS_FILE') ?? join(ctx.home, '.aws', 'credentials');
  const configFile = ambient('AWS_CONFIG_FILE') ?? join(ctx.home, '.aws', 'config');
  // Files are read only when the options and the environment have not settled it.
  let files: { credentials: Record<string, string>; config: Record<string, string> } | undefined;
  const profile = () => {
    files ??= ctx.ambient
      ? {
          credentials: readIni(credentialsFile)[profileName] ?? {},
          config: readIni(configFile)[profileName === 'default' ? 'default' : `profile ${profileName}`] ?? {},
        }
      : { credentials: {}, config: {} };
    return files;
  };

  const region = options.region ?? ambient('AWS_REGION') ?? ambient('AWS_DEFAULT_REGION') ?? profile().config.region ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,32}$/.test(region)) {
    throw new InvalidRequestError(`Option 'credentials.region' must be an AWS region like 'us-east-1' (got ${JSON.stringify(region)}).`, { provider });
  }
  const apiBase = spec.regionalBaseUrl?.replace('{region}', region);
  const result = (authoriser: ResolvedCredential['authoriser']): ResolvedCredential => ({ authoriser, apiBase });

  if (ctx.apiKey !== undefined && !spec.bearerEnv) {
    throw new InvalidRequestError(
      `Provider '${provider}' signs requests with AWS keys and takes no API key: pass { credentials: { accessKeyId, secretAccessKey } }, or set AWS_ACCESS_KEY_ID or AWS_PROFILE.`,
      { provider },
    );
  }
  const bearer = ctx.apiKey ?? (spec.bearerEnv ? ambient(spec.bearerEnv) : undefined);
  if (bearer !== undefined) {
    return result({
      describe: 'bearer key',
      authorise: async () => ({ headers: [['authorization', `Bearer ${bearer}`]], expiresAt: Date.now() + SIGNATURE_LIFETIME_MS }),
    });
  }

  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new InvalidRequestError("Options 'credentials.accessKeyId' and 'credentials.secretAccessKey' go together: pass both or neither.", { provider });
  }
  let keys: AwsKeys | undefined;
  let source = '';
  if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) {
    keys = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken };
    source = 'the credentials option';
  } else if (ambient('AWS_ACCESS_KEY_ID') && ambient('AWS_SECRET_ACCESS_KEY')) {
    keys = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: ambient('AWS_SESSION_TOKEN') };
    source = 'AWS_ACCESS_KEY_ID';
  } else {
    const { credentials, config } = profile();
    const entry = credentials.aws_access_key_id ? credentials : config;
    if (entry.aws_access_key_id && entry.aws_secret_access_key) {
      keys = { accessKeyId: entry.aws_access_key_id, secretAccessKey: entry.aws_secret_access_key, sessionToken: entry.aws_session_token };
      source = `profile '${profileName}'`;
    } else if (config.sso_session || config.sso_start_url || config.credential_process || config.role_arn) {
      throw new MissingApiKeyError(
        provider,
        spec.bearerEnv ?? 'AWS_ACCESS_KEY_ID',
        `export the profile's temporary keys first (\`eval "$(aws configure export-credentials --profile ${profileName} --format env)"\`): ` +
          'AnyLLM signs with static or session keys and does not run SSO, credential_process or role assumption',
      );
    }
  }
  if (!keys) {
    throw new MissingApiKeyError(
      provider,
      spec.bearerEnv ?? 'AWS_ACCESS_KEY_ID',
      `set ${spec.bearerEnv ? `${spec.bearerEnv}, or ` : ''}AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials, ` +
        'or pass { credentials: { accessKeyId, secretAccessKey } }',
    );
  }
  const signing = keys;
  return result({
    describe: `AWS SigV4 (${source})`,
    authorise: async (request, url) => ({
      headers: signRequest(signing, {
        method: request.method,
        url,
        headers: request.headers ?? [],
        bodySha256: request.bodySha256 ?? EMPTY_SHA256,
        region,
        service: spec.service,
      }),
      expiresAt: Date.now() + SIGNATURE_LIFETIME_MS,
    }),
  });
}
