/**
 * Command-line parsing for `anyllm`: pure (no I/O, nothing of anyllm loaded), so a usage error
 * costs nothing and every message can be tested without a process.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { ReasoningEffort } from '../types.js';
import { closest } from './suggest.js';

export const USAGE = `Usage:
  anyllm chat -m <provider:model> [options] [prompt...]   stream a reply (prompt from stdin if none, or '-')
  anyllm models -p <provider> [options]                   list a provider's models
  anyllm providers                                        list the providers

Options:
  -m, --model <provider:model>   e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5
  -p, --provider <name>          the provider, for 'models'
  -s, --system <text>            a system message
      --api-key <key>            the API key (else the provider's variable, e.g. OPENAI_API_KEY)
      --api-base <url>           the provider's base URL (else its variable, else its default)
      --max-tokens <n>           cap the reply's length
  -t, --temperature <x>          sampling temperature
      --reasoning-effort <level> none, minimal, low, medium, high, xhigh or max
      --plugin <dir|package>     register a community plugin first (repeatable); it runs sandboxed
      --json                     print each chunk (or the result, with --no-stream) as a JSON line
      --no-stream                wait for the whole reply instead of streaming it
      --reasoning                show the model's reasoning (dimmed, on stderr)
  -v, --verbose                  the reasoning, plus when the plugin starts and the usage (stderr)
      --version                  anyllm's version
  -h, --help                     this text

Colour only on a terminal; NO_COLOR turns it off, FORCE_COLOR on.`;

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  provider: { type: 'string', short: 'p' },
  system: { type: 'string', short: 's' },
  'api-key': { type: 'string' },
  'api-base': { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string', short: 't' },
  'reasoning-effort': { type: 'string' },
  plugin: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'no-stream': { type: 'boolean' },
  reasoning: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMANDS = ['chat', 'models', 'providers', 'help'];

/** The levels `--reasoning-effort` accepts (anyllm's `ReasoningEffort`). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const satisfies readonly ReasoningEffort[];

/** What every command that reaches a provider shares. */
export interface ProviderOptions {
  apiKey?: string;
  apiBase?: string;
  /** Community plugins to register first: folders or installed package names. */
  plugins: string[];
  json: boolean;
  verbose: boolean;
}

export interface ChatCommand extends ProviderOptions {
  command: 'chat';
  /** The `-m` value as given; `splitTarget` checks it once the providers are known. */
  target: string;
  /** The prompt's words as given; `-` (or no words at all) stands for stdin. */
  prompt: string[];
  system?: string;
  maxTokens?: number;
  temperature?: number;
  reasoningEffort?: ReasoningEffort;
  stream: boolean;
  /** Print the reasoning (on stderr): `--reasoning` or `-v`. */
  showReasoning: boolean;
}

export interface ModelsCommand extends ProviderOptions {
  command: 'models';
  provider: string;
}

export type Command =
  | ChatCommand
  | ModelsCommand
  | { command: 'providers'; plugins: string[] }
  | { command: 'help' }
  | { command: 'version' };

/** A usage error: the CLI prints it and exits with 2. `showUsage`: print the whole usage text too. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly showUsage: boolean;
  constructor(message: string, showUsage = false) {
    super(message);
    this.showUsage = showUsage;
  }
}

/**
 * Parses `argv` (without the node and script paths). No arguments at all is a usage error (exit 2);
 * `-h` and `help` are not.
 *
 * @example
 * ```ts
 * parseCommand(['chat', '-m', 'openai:gpt-4o-mini', 'Hello']).command; // 'chat'
 * ```
 */
export function parseCommand(argv: string[]): Command {
  if (argv.length === 0) throw new UsageError('', true);
  const { values, positionals } = parseStrict(argv);
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return { command: 'help' };
  if (command === undefined) throw new UsageError('Which command? chat, models or providers.', true);
  const plugins = values.plugin ?? [];
  if (command === 'providers') return { command: 'providers', plugins };
  const shared: ProviderOptions = {
    apiKey: values['api-key'],
    apiBase: values['api-base'],
    plugins,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
  if (command === 'models') {
    if (!values.provider) throw new UsageError('models needs -p <provider>, e.g. anyllm models -p openai.');
    return { command: 'models', provider: values.provider, ...shared };
  }
  if (command !== 'chat') {
    const near = closest(command, COMMANDS);
    throw new UsageError(`Unknown command '${command}'${near ? `; did you mean '${near}'?` : '.'} The commands: chat, models, providers.`);
  }
  if (!values.model) throw new UsageError('chat needs -m <provider:model>, e.g. -m openai:gpt-4o-mini.');
  return {
    command: 'chat',
    target: values.model,
    prompt: rest,
    system: values.system,
    maxTokens: integerOption('max-tokens', values['max-tokens']),
    temperature: numberOption('temperature', values.temperature),
    reasoningEffort: reasoningEffort(values['reasoning-effort']),
    stream: !(values['no-stream'] ?? false),
    showReasoning: (values.reasoning ?? false) || (values.verbose ?? false),
    ...shared,
  };
}

/**
 * Splits `-m provider:model` against the providers known now (built-ins and registered plugins),
 * or throws a UsageError that suggests the likely fix: `openai/x` becomes `openai:x`, a misspelt
 * provider gets the closest known name.
 *
 * @example
 * ```ts
 * splitTarget('openai:gpt-4o-mini', ['openai']); // { provider: 'openai', model: 'gpt-4o-mini' }
 * splitTarget('openai/gpt-4o-mini', ['openai']); // throws: did you mean -m openai:gpt-4o-mini?
 * ```
 */
export function splitTarget(target: string, known: readonly string[]): { provider: string; model: string } {
  const at = target.indexOf(':');
  if (at < 0) {
    const slash = target.indexOf('/');
    const head = slash > 0 ? target.slice(0, slash) : '';
    if (head && known.includes(head) && slash < target.length - 1) {
      throw new UsageError(`-m needs provider:model with a colon: did you mean -m ${head}:${target.slice(slash + 1)}?`);
    }
    throw new UsageError(`-m needs provider:model, e.g. -m openai:${target || 'gpt-4o-mini'}.`);
  }
  const provider = target.slice(0, at);
  const model = target.slice(at + 1);
  if (!provider) throw new UsageError(`-m needs a provider before the colon, e.g. -m openai${target}.`);
  checkProvider(provider, known);
  if (!model) throw new UsageError(`-m needs a model after the colon, e.g. -m ${provider}:<model> (anyllm models -p ${provider} lists them).`);
  return { provider, model };
}

/**
 * Throws a UsageError naming the closest known provider when `provider` is not one.
 *
 * @example
 * ```ts
 * checkProvider('opnai', ['anthropic', 'openai']); // throws: Unknown provider 'opnai'; did you mean 'openai'?
 * ```
 */
export function checkProvider(provider: string, known: readonly string[]): void {
  if (known.includes(provider)) return;
  const near = closest(provider, known);
  throw new UsageError(
    `Unknown provider '${provider}'${near ? `; did you mean '${near}'?` : '.'} Known providers: ${known.join(', ')}` +
      ' (a community plugin needs --plugin <dir|package>).',
  );
}

/** Whether the prompt is read from stdin: no words were given, or one of them is `-`. */
export function promptReadsStdin(words: readonly string[]): boolean {
  return words.length === 0 || words.includes('-');
}

/**
 * The prompt: the words joined by spaces, with stdin's text in place of `-` (or alone, when no words were given).
 *
 * @example
 * ```ts
 * assemblePrompt(['Summarise:', '-'], 'a long text'); // 'Summarise: a long text'
 * ```
 */
export function assemblePrompt(words: readonly string[], stdin: string | undefined): string {
  const parts = words.length === 0 ? ['-'] : words;
  return parts
    .map((word) => (word === '-' ? (stdin ?? '') : word))
    .join(' ')
    .trim();
}

/** `parseArgs` in strict mode, its errors turned into UsageErrors that name the closest option. */
function parseStrict(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    throw usageErrorFrom(error);
  }
}

function usageErrorFrom(error: unknown): Error {
  const { code, message } = error as { code?: string; message?: string };
  const text = String(message ?? error);
  const quoted = /'([^']+)'/.exec(text)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = quoted.replace(/^-+/, '').split('=')[0];
    const longs = Object.keys(OPTIONS);
    const near = quoted.startsWith('--') ? closest(name, longs) : undefined;
    const hint = near ? `did you mean --${near}?` : "'anyllm --help' lists the options.";
    return new UsageError(`Unknown option '${quoted}': ${hint} (A prompt that starts with '-' goes after '--'.)`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node's text names the option as "-m, --model <value>"; the long name is the clearer one.
    const option = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
    if (/does not take an argument/.test(text)) return new UsageError(`${option} takes no value.`);
    if (/ambiguous/.test(text)) return new UsageError(`${option} needs a value; a value that starts with '-' is written ${option}=<value>.`);
    return new UsageError(`${option} needs a value.`);
  }
  return new UsageError(text.split('\n')[0]);
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${name} must be a number, not '${value}'.`);
  return number;
}

function integerOption(name: string, value: string | undefined): number | undefined {
  const number = numberOption(name, value);
  if (number !== undefined && (!Number.isInteger(number) || number < 1)) {
    throw new UsageError(`--${name} must be a whole number above 0, not '${value}'.`);
  }
  return number;
}

function reasoningEffort(value: string | undefined): ReasoningEffort | undefined {
  if (value === undefined) return undefined;
  const level = REASONING_EFFORTS.find((known) => known === value);
  if (level) return level;
  const near = closest(value, REASONING_EFFORTS);
  throw new UsageError(`--reasoning-effort '${value}' is not a level${near ? `; did you mean '${near}'?` : '.'} The levels: ${REASONING_EFFORTS.join(', ')}.`);
}
