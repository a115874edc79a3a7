/**
 * The shapes every OS boundary shares (bubblewrap, Seatbelt, none). No imports: the option checks
 * load this without the boundaries themselves.
 *
 * @module
 */

/** `auto`: the OS boundary where this machine has one; `require`: refuse to start without it; `off`: Node's permission model only. */
export type OsBoundaryMode = 'auto' | 'require' | 'off';

/** The modes, for validation. */
export const OS_BOUNDARY_MODES: readonly OsBoundaryMode[] = ['auto', 'require', 'off'];

/** The OS boundary a sandboxed plugin runs in. */
export type OsBoundaryKind = 'bubblewrap' | 'seatbelt' | 'none';

/** A command that starts a child process. */
export interface ChildCommand {
  file: string;
  args: string[];
  cwd: string;
}

/** Puts a child command inside the OS boundary. */
export interface OsBoundary {
  readonly kind: OsBoundaryKind;
  /** The command that runs `command` inside the boundary, seeing only `readPaths` and what Node needs. */
  wrap(command: ChildCommand, readPaths: readonly string[]): ChildCommand;
  /** Variables the boundary itself adds to the child's environment (bwrap sets `PWD`); the runtime removes them. */
  readonly addsEnv?: readonly string[];
  /** The pid of the process that runs the plugin, given the pid the host spawned (bwrap's own, under bubblewrap). */
  payloadPid?(spawned: number): Promise<number | undefined>;
}

/** What probing the machine found. */
export type BoundaryProbe = { available: true; boundary: OsBoundary } | { available: false; why: string };
