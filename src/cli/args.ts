/**
 * Command-line parsing for `anyllm`.
 *
 * @module
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage:
  anyllm chat -m <provider:model> [options] <prompt...>   stream a reply to the terminal
  anyllm models -p <provider> [--api-base <url>]          list a provider's models
  anyllm providers                                        list the providers

Options for chat:
  -m, --model <provider:model>   e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5
  -s, --system <text>            a system message
      --api-base <url>           the provider's base URL (else its env var, else its default)
      --max-tokens <n>           cap the reply's length
  -t, --temperature <x>          sampling temperature
  -v, --verbose                  show when the plugin starts and the usage at the end
  -h, --help                     this text

The API key comes from the provider's variable (OPENAI_API_KEY, ANTHROPIC_API_KEY ...).`;

export interface ChatCommand {
  command: 'chat';
  provider: string;
  model: string;
  prompt: string;
  system?: string;
  apiBase?: string;
  maxTokens?: number;
  temperature?: number;
  verbose: boolean;
}

export type Command =
  | ChatCommand
  | { command: 'models'; provider: string; apiBase?: string }
  | { command: 'providers' }
  | { command: 'help' };

/** A usage error: the CLI prints it with the usage text and exits with 2. */
export class UsageError extends Error {}

/**
 * Parses `argv` (without the node and script paths).
 *
 * @example
 * ```ts
 * parseCommand(['chat', '-m', 'openai:gpt-4o-mini', 'Hello']);
 * ```
 */
export function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', short: 'm' },
      provider: { type: 'string', short: 'p' },
      system: { type: 'string', short: 's' },
      'api-base': { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string', short: 't' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  const apiBase = values['api-base'];
  if (command === 'providers') return { command: 'providers' };
  if (command === 'models') {
    if (!values.provider) throw new UsageError('models needs -p <provider>.');
    return { command: 'models', provider: values.provider, apiBase };
  }
  if (command !== 'chat') throw new UsageError(`Unknown command '${command}'.`);
  const target = values.model;
  const at = target?.indexOf(':') ?? -1;
  if (!target || at <= 0 || at === target.length - 1) {
    throw new UsageError('chat needs -m <provider:model>, e.g. -m openai:gpt-4o-mini.');
  }
  const prompt = rest.join(' ').trim();
  if (!prompt) throw new UsageError('chat needs a prompt.');
  return {
    command: 'chat',
    provider: target.slice(0, at),
    model: target.slice(at + 1),
    prompt,
    system: values.system,
    apiBase,
    maxTokens: numberOption('max-tokens', values['max-tokens']),
    temperature: numberOption('temperature', values.temperature),
    verbose: values.verbose ?? false,
  };
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`--${name} must be a number.`);
  return number;
}
