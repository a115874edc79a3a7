/**
 * Which environment variables reach a community plugin (src/host/env-grant.ts): the two defaults,
 * withheld when the prefix is someone else's, names granted by the caller, and the names that can
 * never be granted because they configure the plugin's Node.
 */
import { describe, expect, it } from 'vitest';
import { checkAllowEnv, communityEnvGrant, CREDENTIAL_FAMILIES, envPrefix, explainUngranted, prefixCollision, type EnvOwner } from 'anyllm/internal/host/env-grant.js';
import { InvalidRequestError } from 'anyllm/internal/errors.js';

const builtin = (provider: string, variables: string[] = []): EnvOwner => ({ provider, builtin: true, variables });
const community = (provider: string, variables: string[]): EnvOwner => ({ provider, builtin: false, variables });

describe('envPrefix', () => {
  it('upper-cases and turns every dash into an underscore', () => {
    expect(envPrefix('my-llm-x')).toBe('MY_LLM_X_');
    expect(envPrefix('acme')).toBe('ACME_');
  });
});

describe('prefixCollision', () => {
  it('is undefined for a prefix that is nobody else\'s', () => {
    expect(prefixCollision('acme', [builtin('openai', ['OPENAI_API_KEY']), community('other', ['OTHER_API_KEY'])])).toBeUndefined();
  });

  it('withholds a prefix overlapping a credential family, either way round', () => {
    expect(prefixCollision('github', [])).toBe('GITHUB_ overlaps the well-known credential family GITHUB_…');
    expect(prefixCollision('aws-bedrock', [])).toBe('AWS_BEDROCK_ overlaps the well-known credential family AWS_…');
    // CIRCLE (no underscore) covers provider `circle` and `circleci`.
    expect(prefixCollision('circleci', [])).toBe('CIRCLECI_ overlaps the well-known credential family CIRCLE…');
    // A prefix that is the start of a family: `do` is DO_, and `o` would be O_ (no family starts O_ ... but OP_ does not start with O_).
    expect(prefixCollision('kube', [])).toBe('KUBE_ overlaps the well-known credential family KUBE…');
    expect(CREDENTIAL_FAMILIES).toContain('NODE_');
  });

  it('withholds a prefix overlapping a built-in provider\'s, or under which a built-in reads a variable', () => {
    expect(prefixCollision('openai', [builtin('openai')])).toBeUndefined();
    expect(prefixCollision('open', [builtin('openai')])).toBeUndefined();
    expect(prefixCollision('mistral-x', [builtin('mistral')])).toBe("MISTRAL_X_ overlaps MISTRAL_, the prefix of the built-in provider 'mistral'");
    expect(prefixCollision('groq', [builtin('groq-cloud')])).toBe("GROQ_ overlaps GROQ_CLOUD_, the prefix of the built-in provider 'groq-cloud'");
    expect(prefixCollision('azure2', [builtin('azureopenai', ['AZURE2_ENDPOINT'])])).toBe("the built-in provider 'azureopenai' reads AZURE2_ENDPOINT");
    expect(prefixCollision('zed', [builtin('zz', ['ZE'])])).toBe("the built-in provider 'zz' reads ZE");
    expect(prefixCollision('zed', [builtin('zz', ['ZEDX'])])).toBeUndefined();
  });

  it('withholds a default that the caller granted another community plugin by name, and nothing else of theirs', () => {
    expect(prefixCollision('acme', [community('other', ['ACME_API_KEY'])])).toBe("the registered provider 'other' was granted ACME_API_KEY");
    expect(prefixCollision('acme', [community('other', ['ACME_BASE_URL'])])).toBe("the registered provider 'other' was granted ACME_BASE_URL");
    expect(prefixCollision('acme', [community('other', ['ACME_REGION', 'ACME_'])])).toBeUndefined();
    // Its own entry never collides.
    expect(prefixCollision('acme', [community('acme', ['ACME_API_KEY']), builtin('acme')])).toBeUndefined();
  });
});

describe('communityEnvGrant', () => {
  it('grants the two defaults plus what was allowed by name, once each; lists the rest as ungranted', () => {
    expect(communityEnvGrant('acme', ['ACME_API_KEY', 'ACME_REGION', 'HOME'], ['ACME_REGION', 'ACME_API_KEY'], [])).toEqual({
      names: ['ACME_API_KEY', 'ACME_BASE_URL', 'ACME_REGION'],
      defaults: ['ACME_API_KEY', 'ACME_BASE_URL'],
      withheld: undefined,
      ungranted: ['HOME'],
    });
  });

  it('withholds the defaults when the prefix collides, but keeps what was granted by name', () => {
    const grant = communityEnvGrant('github', ['GITHUB_API_KEY', 'GITHUB_REGION'], ['GITHUB_REGION'], []);
    expect(grant.names).toEqual(['GITHUB_REGION']);
    expect(grant.withheld).toMatch(/credential family GITHUB_/);
    expect(grant.ungranted).toEqual(['GITHUB_API_KEY']);
  });
});

describe('explainUngranted', () => {
  it('says why a withheld default is withheld, and how to grant it', () => {
    const grant = communityEnvGrant('github', [], [], []);
    expect(explainUngranted(grant, 'GITHUB_API_KEY', 'github')).toBe(
      "GITHUB_API_KEY is withheld from the community plugin 'github' because GITHUB_ overlaps the well-known credential family GITHUB_…; grant it with registerPlugin(dir, { allowEnv: ['GITHUB_API_KEY'] }) if it is meant for this plugin",
    );
  });

  it('for any other name, says what the plugin gets by default', () => {
    const withheld = communityEnvGrant('github', [], [], []);
    const open = communityEnvGrant('acme', [], [], []);
    expect(explainUngranted(open, 'ACME_REGION', 'acme')).toBe(
      "ACME_REGION is not granted to the community plugin 'acme' (by default it gets only ACME_API_KEY and ACME_BASE_URL); grant it with registerPlugin(dir, { allowEnv: ['ACME_REGION'] })",
    );
    expect(explainUngranted(withheld, 'GITHUB_REGION', 'github')).toMatch(/^GITHUB_REGION is not granted/);
    // A default of a plugin whose prefix is its own is never "withheld".
    expect(explainUngranted(open, 'ACME_API_KEY', 'acme')).toMatch(/^ACME_API_KEY is not granted to the community plugin 'acme'/);
  });
});

describe('checkAllowEnv', () => {
  const refuse = (value: unknown) => {
    try {
      checkAllowEnv(value);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).code).toBe('invalid_option');
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('returns the names, once each; nothing for undefined', () => {
    expect(checkAllowEnv(undefined)).toEqual([]);
    expect(checkAllowEnv(['A', '_b1', 'A'])).toEqual(['A', '_b1']);
    expect(checkAllowEnv(Array.from({ length: 64 }, (_, i) => `V${i}`))).toHaveLength(64);
    expect(checkAllowEnv(['NODE_ENV', 'MY_LD_PATH'])).toEqual(['NODE_ENV', 'MY_LD_PATH']);
  });

  it('refuses what is not a list of variable names, and more than 64', () => {
    expect(refuse('A')).toBe("registerPlugin(): option 'allowEnv' must be an array of environment variable names.");
    expect(refuse(Array.from({ length: 65 }, (_, i) => `V${i}`))).toBe("registerPlugin(): option 'allowEnv' may name at most 64 variables.");
    expect(refuse(['1A'])).toBe(`registerPlugin(): option 'allowEnv' has "1A", which is not an environment variable name.`);
    expect(refuse(['A-B'])).toBe(`registerPlugin(): option 'allowEnv' has "A-B", which is not an environment variable name.`);
    expect(refuse(['A B'])).toMatch(/not an environment variable name/);
    expect(refuse(['AB\n'])).toMatch(/not an environment variable name/);
    expect(refuse([7])).toBe("registerPlugin(): option 'allowEnv' has 7, which is not an environment variable name.");
    expect(refuse([''])).toMatch(/not an environment variable name/);
    expect(refuse([['AB']])).toBe(`registerPlugin(): option 'allowEnv' has ["AB"], which is not an environment variable name.`);
  });

  it('refuses the names that configure the plugin\'s Node runtime', () => {
    for (const name of ['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE', 'LD_PRELOAD', 'LD_', 'DYLD_INSERT_LIBRARIES']) {
      expect(refuse([name])).toBe(
        `registerPlugin(): option 'allowEnv' has '${name}', which configures the plugin's Node runtime (flags, preloaded code); it cannot be granted.`,
      );
    }
    expect(checkAllowEnv(['XNODE_OPTIONS', 'NODE_OPTIONS_X'])).toEqual(['XNODE_OPTIONS', 'NODE_OPTIONS_X']);
  });
});
