/**
 * How a plugin is supervised: the crash budget, the heartbeat, shutdown grace and the stream
 * window. `AnyLLM.create(provider, { supervision: { ... } })` sets them; the defaults suit a
 * long-running app.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';

/** Supervision settings of one client. Every field is optional. */
export interface SupervisionOptions {
  /** Crashes allowed inside `crashWindowMs` before calls fail with `PluginUnavailableError`. Default 3; `Infinity` = no budget. */
  maxCrashes?: number;
  /** The crash window. Default 60 000 ms. */
  crashWindowMs?: number;
  /** How often a running plugin is pinged. Default 5 000 ms; 0 = no heartbeat. */
  heartbeatIntervalMs?: number;
  /** A plugin that has not answered a ping for this long is killed as unresponsive. Default 10 000 ms. */
  heartbeatTimeoutMs?: number;
  /** How long `close()` lets in-flight calls finish, and then the plugin exit, before killing it. Default 2 000 ms. */
  shutdownGraceMs?: number;
  /** How long the handshake (SDK import included) may take. Default 30 000 ms. */
  startTimeoutMs?: number;
  /** Chunks of one stream the host buffers before the plugin pauses (credits). Default 1 024. */
  streamWindow?: number;
  /**
   * How long a plugin has to acknowledge a cancelled call (an abort or a timeout) before it is
   * taken as hung, killed and replaced. Default 1 000 ms; 0 = never (the heartbeat still watches).
   */
  cancelGraceMs?: number;
}

/** Supervision settings with every default filled in. */
export type ResolvedSupervision = Required<SupervisionOptions>;

export const SUPERVISION_DEFAULTS: Readonly<ResolvedSupervision> = {
  maxCrashes: 3,
  crashWindowMs: 60_000,
  heartbeatIntervalMs: 5_000,
  heartbeatTimeoutMs: 10_000,
  shutdownGraceMs: 2_000,
  startTimeoutMs: 30_000,
  streamWindow: 1024,
  cancelGraceMs: 1_000,
};

/**
 * Checks the `supervision` option and fills in the defaults.
 *
 * @throws InvalidRequestError naming the field that is wrong.
 * @example
 * ```ts
 * resolveSupervision({ maxCrashes: 5 }, 'openai').crashWindowMs; // 60_000
 * ```
 */
export function resolveSupervision(value: unknown, provider?: string): ResolvedSupervision {
  if (value === undefined) return { ...SUPERVISION_DEFAULTS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`Option 'supervision' must be an object.`, { provider });
  }
  const resolved = { ...SUPERVISION_DEFAULTS };
  for (const [name, raw] of Object.entries(value)) {
    if (raw === undefined) continue;
    if (!Object.hasOwn(SUPERVISION_DEFAULTS, name)) {
      throw new InvalidRequestError(
        `Option 'supervision.${name}' is unknown (known: ${Object.keys(SUPERVISION_DEFAULTS).join(', ')}).`,
        { provider },
      );
    }
    const key = name as keyof ResolvedSupervision;
    const infiniteOk = key === 'maxCrashes';
    const minimum = key === 'streamWindow' || key === 'maxCrashes' ? 1 : 0;
    if (typeof raw !== 'number' || Number.isNaN(raw) || raw < minimum || (!infiniteOk && !Number.isFinite(raw))) {
      throw new InvalidRequestError(
        `Option 'supervision.${name}' must be a number >= ${minimum}${infiniteOk ? ' (or Infinity)' : ''}.`,
        { provider },
      );
    }
    resolved[key] = key === 'streamWindow' ? Math.floor(raw) : raw;
  }
  return resolved;
}

/**
 * Counts crashes inside a sliding window and says how long starts are refused.
 *
 * @example
 * ```ts
 * const budget = new CrashBudget(3, 60_000);
 * budget.record(); budget.record(); budget.record();
 * budget.blockedForMs(); // > 0: refuse to start until the first crash is a minute old
 * ```
 */
export class CrashBudget {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #times: number[] = [];

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Records a crash now. */
  record(): void {
    this.#times.push(this.#now());
    this.#prune();
  }

  /** Crashes inside the window. */
  get recent(): number {
    this.#prune();
    return this.#times.length;
  }

  /** 0 while starts are allowed; otherwise how long until the oldest counted crash leaves the window. */
  blockedForMs(): number {
    this.#prune();
    if (this.#times.length < this.#max) return 0;
    const oldest = this.#times[this.#times.length - this.#max];
    return Math.max(1, oldest + this.#windowMs - this.#now());
  }

  #prune(): void {
    const horizon = this.#now() - this.#windowMs;
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop] <= horizon) drop++;
    if (drop > 0) this.#times = this.#times.slice(drop);
  }
}

/**
 * The crash budget of a plugin shared by several clients. Every crash counts in `recent` (what
 * `stats().recentCrashes` reports); it is charged to the clients whose calls were running under it,
 * so a client whose requests keep crashing the plugin is refused while its peers go on; a crash with
 * no call running is the plugin's own, and then no client may start it until the window lets it.
 *
 * @example
 * ```ts
 * const budget = new SharedCrashBudget<Client>(3, 60_000);
 * budget.record([alice]); budget.record([alice]); budget.record([alice]); // crashes under alice's calls
 * budget.blockedForMs(alice); // > 0: alice is refused
 * budget.blockedForMs(bob);   // 0: bob goes on
 * ```
 */
export class SharedCrashBudget<Client> {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #all: CrashBudget;
  readonly #unowned: CrashBudget;
  readonly #blame = new Map<Client, CrashBudget>();

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
    this.#all = new CrashBudget(max, windowMs, now);
    this.#unowned = new CrashBudget(max, windowMs, now);
  }

  /** Crashes inside the window, whoever they were charged to. */
  get recent(): number {
    return this.#all.recent;
  }

  /**
   * Records a crash, charged to `suspects` (the clients whose calls were running), or to the plugin
   * when there were none. A suspect that has left (`attached` says no) is not charged, nor kept.
   */
  record(suspects: Iterable<Client>, attached: (client: Client) => boolean = () => true): void {
    this.#all.record();
    let any = false;
    for (const client of suspects) {
      any = true;
      if (!attached(client)) continue;
      let budget = this.#blame.get(client);
      if (!budget) {
        budget = new CrashBudget(this.#max, this.#windowMs, this.#now);
        this.#blame.set(client, budget);
      }
      budget.record();
    }
    if (!any) this.#unowned.record();
  }

  /**
   * Whether a call of `client` is refused, and why: its own crashes come first (refused even while
   * a peer keeps the plugin running), then, when the plugin must be started, the plugin's own.
   */
  refusal(client: Client, mustStart: boolean): { recent: number; blockedForMs: number; own: boolean } | undefined {
    const own = this.#blame.get(client);
    const ownMs = own?.blockedForMs() ?? 0;
    if (own && ownMs > 0) return { recent: own.recent, blockedForMs: ownMs, own: true };
    if (!mustStart) return undefined;
    const unownedMs = this.#unowned.blockedForMs();
    return unownedMs > 0 ? { recent: this.#unowned.recent, blockedForMs: unownedMs, own: false } : undefined;
  }

  /** How long until `client` may call again (0: now); `running`: the plugin is up, so only its own crashes count. */
  blockedForMs(client: Client, running = false): number {
    return this.refusal(client, !running)?.blockedForMs ?? 0;
  }

  /** Forgets a client that has left. */
  forget(client: Client): void {
    this.#blame.delete(client);
  }
}

