/**
 * What `import 'node:child_process'` yields in the sandbox: the module's names, each refusing.
 * The real module never loads (see builtins.ts); the permission model would refuse a spawn anyway.
 *
 * @module
 */
import { builtinDenied } from './builtins.js';

const refuse = (): never => {
  throw builtinDenied('child_process');
};

export const spawn = refuse;
export const spawnSync = refuse;
export const exec = refuse;
export const execSync = refuse;
export const execFile = refuse;
export const execFileSync = refuse;
export const fork = refuse;
/** A class some libraries extend or check `instanceof` against; constructing one refuses. */
export class ChildProcess {
  constructor() {
    refuse();
  }
}
export default { spawn, spawnSync, exec, execSync, execFile, execFileSync, fork, ChildProcess };
