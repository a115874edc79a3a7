// A provider whose behaviour each test scripts: the plugin runtime (`serve()`) loads this file
// in the test process (memory-launcher.ts), and each instance looks its script up by provider name.
import type { ChatCompletion, ChatCompletionChunk, CompletionParams } from '../../src/types.js';
import type { CallContext } from '../../src/plugins/provider.js';

export interface ProviderScript {
  /** `initClient`: throw to fail the client's `client/open`. */
  open?(apiKey: string | undefined, options: Record<string, unknown>): void | Promise<void>;
  completion?(params: CompletionParams, ctx: CallContext, apiKey: string | undefined): Promise<ChatCompletion> | ChatCompletion;
  stream?(params: CompletionParams, ctx: CallContext, apiKey: string | undefined): AsyncIterable<ChatCompletionChunk>;
}

const SCRIPTS = Symbol.for('anyllm.test.providerScripts');
type Scripts = Map<string, ProviderScript>;

export function providerScripts(): Scripts {
  const holder = globalThis as unknown as { [SCRIPTS]?: Scripts };
  holder[SCRIPTS] ??= new Map();
  return holder[SCRIPTS];
}

export default class ScriptedProvider {
  name = 'unknown';
  #apiKey: string | undefined;

  async init(init: { provider: string; apiKey: string | undefined; clientOptions: Record<string, unknown> }): Promise<void> {
    this.name = init.provider;
    this.#apiKey = init.apiKey;
    await this.#script().open?.(init.apiKey, init.clientOptions);
  }

  #script(): ProviderScript {
    const script = providerScripts().get(this.name);
    if (!script) throw new Error(`no script for provider '${this.name}'`);
    return script;
  }

  async completion(params: CompletionParams, ctx: CallContext): Promise<ChatCompletion> {
    const run = this.#script().completion;
    if (!run) throw new Error('no completion scripted');
    return run(params, ctx, this.#apiKey);
  }

  completionStream(params: CompletionParams, ctx: CallContext): AsyncIterable<ChatCompletionChunk> {
    const run = this.#script().stream;
    if (!run) throw new Error('no stream scripted');
    return run(params, ctx, this.#apiKey);
  }
}
