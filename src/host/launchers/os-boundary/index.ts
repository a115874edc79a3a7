/**
 * The OS boundary under Node's permission model: which one this machine offers (bubblewrap on
 * Linux, Seatbelt on macOS, none elsewhere), probed once per process without blocking, and what the
 * caller's `sandbox.os` mode makes of it.
 *
 * @module
 */
import { PluginUnavailableError } from '../../../errors.js';
import { probeBubblewrap } from './bubblewrap.js';
import { probeSeatbelt } from './seatbelt.js';
import type { BoundaryProbe, OsBoundary, OsBoundaryMode } from './types.js';

export type { BoundaryProbe, ChildCommand, OsBoundary, OsBoundaryKind, OsBoundaryMode } from './types.js';
export { OS_BOUNDARY_MODES } from './types.js';

/** Node's permission model alone. */
export const NO_BOUNDARY: OsBoundary = { kind: 'none', wrap: (command) => command };

let probed: Promise<BoundaryProbe> | undefined;

/**
 * What this machine offers, probed on the first call (a sandboxed `node -e 0` under the real
 * flags) and remembered for the life of the process.
 *
 * @example
 * ```ts
 * const probe = await probeOsBoundary();
 * console.log(probe.available ? probe.boundary.kind : probe.why);
 * ```
 */
export function probeOsBoundary(platform: NodeJS.Platform = process.platform): Promise<BoundaryProbe> {
  probed ??= detect(platform);
  return probed;
}

const probedFor = new Map<string, Promise<BoundaryProbe>>();

/**
 * What this machine offers for plugins run on another Node binary (`runtime.execPath`): bubblewrap
 * proved with that binary on Linux; elsewhere none (Seatbelt's profile is made for the host's own
 * binary). Remembered per path.
 *
 * @example
 * ```ts
 * const probe = await probeOsBoundaryFor('/opt/app/node');
 * ```
 */
export function probeOsBoundaryFor(node: string, platform: NodeJS.Platform = process.platform): Promise<BoundaryProbe> {
  let probe = probedFor.get(node);
  if (!probe) {
    probe =
      platform === 'linux'
        ? probeBubblewrap({ node })
        : Promise.resolve({ available: false, why: `on ${platform} the OS boundary runs only the host's own Node binary, not runtime.execPath` });
    probedFor.set(node, probe);
  }
  return probe;
}

async function detect(platform: NodeJS.Platform): Promise<BoundaryProbe> {
  if (platform === 'linux') return probeBubblewrap();
  if (platform === 'darwin') return probeSeatbelt();
  return { available: false, why: `this OS (${platform}) has no OS boundary AnyLLM can drive (it uses bubblewrap on Linux, Seatbelt on macOS)` };
}

/**
 * The boundary a sandboxed plugin gets under `mode`.
 *
 * @throws PluginUnavailableError (code `os_boundary_unavailable`) under `require` when there is none, saying why.
 * @example
 * ```ts
 * const boundary = await resolveOsBoundary('require', 'acme'); // throws if bwrap is missing
 * ```
 */
export async function resolveOsBoundary(
  mode: OsBoundaryMode,
  provider: string,
  probe: () => Promise<BoundaryProbe> = probeOsBoundary,
): Promise<OsBoundary> {
  if (mode === 'off') return NO_BOUNDARY;
  const found = await probe();
  if (found.available) return found.boundary;
  if (mode === 'auto') return NO_BOUNDARY;
  throw new PluginUnavailableError(
    `Cannot sandbox plugin '${provider}' with sandbox.os 'require': ${found.why}. ` +
      "Fix that, or pass sandbox: { os: 'auto' } to run with Node's permission model alone where there is no OS boundary.",
    { provider, code: 'os_boundary_unavailable' },
  );
}
