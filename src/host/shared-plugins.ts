/**
 * Plugins shared across clients: every `AnyLLM` client of one provider in a process, with the same
 * tier and resource settings, uses one plugin session; each client's key, base URL and SDK options
 * are its own SDK client inside it. Settings that change what the plugin process is (its tier,
 * environment, memory cap, network grant, Node binary, supervision) make a separate session.
 *
 * @module
 */
import type { Isolation } from '../types.js';
import type { Launcher, LaunchSpec } from './launchers/launcher.js';
import { PluginSession } from './plugin-session.js';
import type { ResolvedSupervision } from './supervision.js';

/** What decides which clients share a plugin. */
export interface ShareSettings {
  spec: LaunchSpec;
  launch: Launcher;
  isolation: Isolation;
  supervision: ResolvedSupervision;
  idleTimeoutMs: number;
}

const sessions = new Map<string, PluginSession>();

/**
 * The key of the session `settings` belong to: everything that shapes the plugin process, nothing
 * that is one client's own (key, base URL, SDK options).
 *
 * @example
 * ```ts
 * shareKey(a) === shareKey(b); // same provider, tier and settings: one plugin
 * ```
 */
export function shareKey(settings: ShareSettings): string {
  const { spec, isolation, supervision, idleTimeoutMs } = settings;
  return JSON.stringify([
    spec.provider,
    spec.entryPath,
    isolation,
    spec.memoryLimitMb,
    Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    spec.osBoundary?.kind ?? null,
    spec.network?.proxy ?? null,
    spec.network?.ca ?? null,
    // The caller's own origin is part of a sandbox's network grant; other tiers reach any host.
    isolation === 'sandbox' ? (spec.network?.callerOrigin ?? null) : null,
    spec.execPath ?? null,
    spec.stderr?.forward ?? true,
    supervision,
    idleTimeoutMs,
  ]);
}

/**
 * The session for `settings`: the one its peers already use, or a new one (launched on first use).
 *
 * @example
 * ```ts
 * const session = sharedSession({ spec, launch, isolation: 'worker', supervision, idleTimeoutMs: 60_000 });
 * ```
 */
export function sharedSession(settings: ShareSettings): PluginSession {
  const key = shareKey(settings);
  const found = sessions.get(key);
  if (found && !found.retired) return found;
  const session = new PluginSession({
    ...settings,
    // The last client left: the next client of these settings gets a fresh session.
    onRetired: () => {
      if (sessions.get(key) === session) sessions.delete(key);
    },
  });
  sessions.set(key, session);
  return session;
}

/** Sessions alive now (for tests and `stats`). */
export function sharedSessionCount(): number {
  return sessions.size;
}
