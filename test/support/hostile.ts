/**
 * The harness of the hostile suites: a plugin written to attack its host
 * (`test/fixtures/plugins/hostile`, one module of attacks per area under `attacks/`) runs in the
 * sandbox tier beside a benign sandboxed plugin that streams at the same time and must finish
 * intact, and after each attack the host must still serve the hostile provider.
 *
 * Every suite runs once per OS-boundary mode in {@link SANDBOX_MODES}: each layer must hold alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { AnyLLM, registerPlugin } from 'anyllm';
import { LocalServer, sendJson } from './local-server.js';
import { completionBody, onChat, streamChunks, syntheticStream } from './openai-wire.js';
import { copyPlugin, type PluginCopy } from './plugin-copy.js';

/** What an attack that can be tried answers. */
export interface Attempt {
  allowed: boolean;
  value?: string;
  code?: string;
  message?: string;
}

/** The sandbox's OS-boundary modes every hostile suite runs under. */
export const SANDBOX_MODES: readonly ('require' | 'off')[] = process.platform === 'linux' ? ['require', 'off'] : ['off'];
export type SandboxMode = 'require' | 'off' | 'auto';

const STREAM_LENGTH = 60;
/** The text the benign plugin's stream must deliver, whole and in order. */
export const expectedText = syntheticStream(STREAM_LENGTH)
  .map((chunk) => (chunk as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
  .join('');

/** The environment of the host during the suites: keys a plugin must never see. */
export const HOST_SECRETS = {
  OPENAI_API_KEY: 'sk-openai-secret-that-must-not-leak',
  HOSTILE_API_KEY: 'hostile-own-key',
  ACME_API_KEY: 'acme-key',
} as const;

/** One hostile suite's world: servers, plugin copies, a scratch folder, and open clients. */
export class HostileWorld {
  /** The origin the plugins' manifests declare. */
  declared!: LocalServer;
  /** An origin no manifest declares; a request reaching it is a failure. */
  undeclared!: LocalServer;
  hostileCopy!: PluginCopy;
  benignCopy!: PluginCopy;
  /** A scratch folder outside every plugin's grant (markers of attacks that must not happen). */
  secrets!: string;
  /** A file in the user's home, as a plugin after SSH keys or cloud credentials would look for. */
  homeSecret!: string;
  readonly #open: AnyLLM[] = [];

  /** Starts the servers, installs and registers the plugins, sets the host's secrets. */
  async setUp(): Promise<void> {
    this.declared = await LocalServer.start();
    this.undeclared = await LocalServer.start();
    onChat(this.declared, (req, res) => {
      if ((req.body as { stream?: boolean }).stream) return streamChunks(res, syntheticStream(STREAM_LENGTH), { delayMs: 4 });
      sendJson(res, 200, completionBody('ok'));
    });
    this.undeclared.on('GET', '/', (_req, res) => sendJson(res, 200, { reached: true }));
    this.hostileCopy = copyPlugin(resolve('test/fixtures/plugins/hostile'), [this.declared.origin]);
    this.benignCopy = copyPlugin(resolve('examples/community-plugin'), [this.declared.origin]);
    await registerPlugin(this.hostileCopy.dir);
    await registerPlugin(this.benignCopy.dir);
    this.secrets = mkdtempSync(join(tmpdir(), 'anyllm-secrets-'));
    this.homeSecret = join(mkdtempSync(join(homedir(), '.anyllm-test-')), 'credentials');
    writeFileSync(this.homeSecret, 'home-secret-value');
    Object.assign(process.env, HOST_SECRETS);
  }

  /** Closes every client opened since the last call (after each test). */
  async closeClients(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((llm) => llm.close()));
  }

  async tearDown(): Promise<void> {
    await this.closeClients();
    await this.declared.close();
    await this.undeclared.close();
    this.hostileCopy.remove();
    this.benignCopy.remove();
    rmSync(this.secrets, { recursive: true, force: true });
    rmSync(join(this.homeSecret, '..'), { recursive: true, force: true });
  }

  /** What each client's plugin wrote to stderr: captured (`pluginStderr: 'pipe'`), so expected crashes stay out of the test output. */
  readonly stderr = new WeakMap<AnyLLM, string[]>();

  /**
   * A client of `provider` in the sandbox under `mode`, closed after the test. No host retries
   * unless `options.retry` asks: each attack's outcome is what one attempt got.
   */
  async client(provider: string, mode: SandboxMode, options: Record<string, unknown> = {}): Promise<AnyLLM> {
    const llm = await AnyLLM.create(provider, {
      apiBase: `${this.declared.origin}/v1`,
      idleTimeoutMs: 0,
      sandbox: { os: mode },
      pluginStderr: 'pipe',
      retry: false,
      ...options,
    });
    const lines: string[] = [];
    this.stderr.set(llm, lines);
    llm.on('plugin:stderr', (event) => lines.push(event.line));
    this.#open.push(llm);
    return llm;
  }

  /**
   * Runs `attempt` against a fresh hostile client while the benign plugin streams; checks the
   * stream arrived intact and that a new hostile client still works afterwards.
   */
  async whileAnotherPluginStreams<T>(
    mode: SandboxMode,
    attempt: (hostile: AnyLLM) => Promise<T>,
    options: Record<string, unknown> = {},
  ): Promise<T> {
    const hostile = await this.client('hostile', mode, options);
    const benign = await this.client('acme', mode);
    await Promise.all([hostile.start(), benign.start()]);
    const streamed = (async () => {
      let text = '';
      for await (const chunk of benign.completionStream({ model: 'acme-1', messages: [{ role: 'user', content: 'hi' }] })) {
        text += chunk.choices[0]?.delta.content ?? '';
      }
      return text;
    })();
    // Caught now and awaited below: a stream that fails while the attack runs is no unhandled rejection.
    streamed.catch(() => {});
    const outcome = await attempt(hostile);
    expect(await streamed).toBe(expectedText);
    expect(await attack(await this.client('hostile', mode), 'probe', {}, 10_000)).toMatchObject({ sandboxed: true });
    return outcome;
  }
}

/** Runs one attack; resolves with the plugin's answer or rejects as the call failed. */
export async function attack<T = Attempt>(llm: AnyLLM, name: string, args: object = {}, timeoutMs?: number): Promise<T> {
  const res = await llm.completion({ model: name, messages: [{ role: 'user', content: JSON.stringify(args) }] }, { timeoutMs });
  return JSON.parse(res.choices[0].message.content as string) as T;
}

/** The attempt was refused by the permission model or the runtime's own guards. */
export function expectDenied(attempt: Attempt): void {
  expect(attempt).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
}
