/**
 * What credential resolution takes and gives, shared by the AWS, Google and IBM resolvers.
 *
 * @module
 */
import type { AuthRequest, AuthResult } from '../../protocol/methods.js';
import type { TokenFetch } from './host-fetch.js';

/** The `credentials` option of `AnyLLM.create`, for providers whose manifest declares `credentials`. */
export interface CredentialOptions {
  /** AWS: an access key id (with `secretAccessKey`), instead of the environment and `~/.aws`. */
  accessKeyId?: string;
  /** AWS: the secret access key. */
  secretAccessKey?: string;
  /** AWS: the session token of temporary credentials. */
  sessionToken?: string;
  /** AWS: the profile of `~/.aws/credentials` and `~/.aws/config` (else `AWS_PROFILE`, else `default`). */
  profile?: string;
  /** AWS: the region (else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, `us-east-1`). */
  region?: string;
  /** Google: a service-account or authorized-user JSON file (else `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's ADC file). */
  file?: string;
  /** IBM: the IAM token endpoint (else the manifest's, `https://iam.cloud.ibm.com/identity/token`). */
  tokenUrl?: string;
}

/** Where a resolver looks: the caller's options, the host's environment and home directory. */
export interface ResolveContext {
  provider: string;
  /** The caller's `apiKey` option, if any. */
  apiKey: string | undefined;
  options: CredentialOptions;
  /** Client options the caller passed (Vertex reads `project` and `location` there). */
  clientOptions: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Whether the host may read ambient credentials (environment, `~/.aws`, ADC); false for community plugins. */
  ambient: boolean;
  /** POSTs a form to a token endpoint through the client's proxy and CAs. */
  post: TokenFetch;
}

/** A resolved credential: turns a request the plugin describes into the headers that authorise it. */
export interface Authoriser {
  /** Which credential this is, for messages and docs (`'aws sigv4 (profile default)'`): never the secret. */
  describe: string;
  authorise(request: AuthRequest, url: URL): Promise<AuthResult>;
}

/** A resolver's answer: the authoriser, and what else it learnt (a region's base URL, client defaults). */
export interface ResolvedCredential {
  authoriser: Authoriser;
  /** The base URL when the caller gave none (from the region or location). */
  apiBase?: string;
  /** Client options the plugin gets unless the caller set them (Vertex's `project` and `location`). */
  clientDefaults?: Record<string, unknown>;
}
