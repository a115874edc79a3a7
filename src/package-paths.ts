/**
 * Where this package's own files are. This is the one module that finds them from its own URL: it
 * sits in `dist/src/`, beside the host entry, so the paths stay right when the build bundles that
 * entry into one file (`scripts/build.mjs`) and every other module keeps its place.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** `dist/src/`: the compiled sources. */
export const sourceDir = at('./');

/** `dist/plugins/`: the built-in providers, one folder each with its manifest. */
export const builtinPluginsDir = at('../plugins/');

/** `dist/src/plugins/`: the plugin runtime, including the worker and process entry points. */
export const pluginRuntimeDir = at('./plugins/');

/** `dist/src/protocol/`: the protocol, which plugins load too. */
export const protocolDir = at('./protocol/');
