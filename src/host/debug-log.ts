/**
 * `logLevel: 'debug'` (or `ANYLLM_LOG=debug`): one `[anyllm] ...` line on stderr per lifecycle and
 * call event (the plugin's stderr has its own way there: `pluginStderr`). Built from the events alone, which carry no key, no header and no message text, so
 * nothing secret can be printed by it.
 *
 * @module
 */
import type { AnyLLMEvent, AnyLLMEventType, EventHub } from './events.js';

const TYPES: readonly AnyLLMEventType[] = ['plugin:start', 'plugin:ready', 'plugin:exit', 'plugin:restart', 'call:start', 'call:retry', 'call:end', 'call:fallback'];

/** The fields worth a log line, per event, as `name=value` pairs. */
function describe(event: AnyLLMEvent): string {
  switch (event.type) {
    case 'plugin:start':
      return `restart=${event.restart} boundary=${event.boundary}`;
    case 'plugin:ready':
      return `startupMs=${event.startupMs}`;
    case 'plugin:exit':
      return `cause=${event.cause} reason=${JSON.stringify(event.reason)} failedCalls=${event.failedCalls}`;
    case 'plugin:restart':
      return `recentCrashes=${event.recentCrashes}`;
    case 'plugin:stderr':
      return JSON.stringify(event.line);
    case 'call:start':
      return `#${event.callId} ${event.method} model=${event.model ?? '-'}`;
    case 'call:end': {
      const usage = event.usage ? ` tokens=${event.usage.prompt_tokens}+${event.usage.completion_tokens}` : '';
      const error = event.error ? ` error=${event.error}` : '';
      const chunks = event.chunks === undefined ? '' : ` chunks=${event.chunks}`;
      const estimated = event.usageEstimated ? ' (estimated)' : '';
      return `#${event.callId} ${event.method} ${event.outcome}${error} latencyMs=${event.latencyMs}${chunks}${usage}${estimated} attempts=${event.attempts}`;
    }
    case 'call:retry':
      return `#${event.callId} ${event.method} attempt=${event.attempt} error=${event.error} delayMs=${event.delayMs}`;
    case 'call:fallback':
      return `from=${event.from} to=${event.to} error=${event.error}`;
  }
}

/**
 * Logs every event of `events` to `write` (default: this process's stderr).
 *
 * @example
 * ```ts
 * if (resolved.logLevel === 'debug') attachDebugLog(supervisor.events);
 * ```
 */
export function attachDebugLog(events: EventHub, write: (line: string) => void = (line) => process.stderr.write(line)): void {
  for (const type of TYPES) {
    events.on(type, (event: AnyLLMEvent) => {
      write(`[anyllm] ${event.provider} ${event.type} ${describe(event)}\n`);
    });
  }
}
