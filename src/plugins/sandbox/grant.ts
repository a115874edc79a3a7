/**
 * What every piece of the sandbox lockdown shares: the permission model's own answer to "may this
 * process read that path" (captured before plugin code runs, so a plugin that replaces
 * `process.permission.has` fools nobody), and the error every refusal throws.
 *
 * @module
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Has = (scope: string, reference?: string) => boolean;
const permission = (process as unknown as { permission?: { has: Has } }).permission;
const rawHas: Has | undefined = permission?.has.bind(permission);

/** The error of every refusal: `ERR_ACCESS_DENIED`, as the permission model's own refusals. */
export function accessDenied(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code: 'ERR_ACCESS_DENIED', ...extra });
}

/** The permission model's refusal of a read, word for word, for a path the grant does not cover. */
export function readDenied(path: string): Error {
  return accessDenied('Access to this API has been restricted. Use --allow-fs-read to manage permissions.', {
    permission: 'FileSystemRead',
    resource: path,
  });
}

/** A path argument (string, Buffer or file URL) as an absolute path, or undefined if it is none. */
export function toPath(value: unknown): string | undefined {
  try {
    if (typeof value === 'string') return resolve(value);
    if (Buffer.isBuffer(value)) return resolve(value.toString());
    if (value instanceof URL) return fileURLToPath(value);
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Whether the read grant covers `path`. Without a permission model (not a sandbox) everything is.
 *
 * @example
 * ```ts
 * if (!readable('/etc/passwd')) throw readDenied('/etc/passwd');
 * ```
 */
export function readable(path: string): boolean {
  return rawHas === undefined || rawHas('fs.read', path);
}

/** Defines `name` on `target` as a constant the plugin can neither reassign nor redefine. */
export function seal(target: object, name: string, value: unknown): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, name)?.enumerable ?? false;
  Object.defineProperty(target, name, { value, writable: false, configurable: false, enumerable });
}
