/**
 * Makes `import 'anyllm/plugin'` in a community plugin resolve to the copy of this package that
 * runs the plugin, wherever the plugin is installed (a folder outside any node_modules, a package
 * that bundles its own older copy ...). One copy means one `Provider` class and one set of error
 * classes, so errors keep their class on the way to the host.
 *
 * @module
 */
import * as nodeModule from 'node:module';

const PLUGIN_API = new URL('./index.js', import.meta.url).href;
let installed = false;
/** Module files loaded in this thread, oldest first (the newest 256): load-error.ts reads them after a SyntaxError. */
const loaded: string[] = [];

/**
 * The module files loaded so far, oldest first.
 *
 * @example
 * ```ts
 * locateSyntaxError(loadedModules());
 * ```
 */
export function loadedModules(): readonly string[] {
  return loaded;
}

/**
 * Installs the resolve hook in this thread (a no-op when already installed, or on a Node without
 * `module.registerHooks`, where the plugin must then be able to resolve `anyllm` itself).
 *
 * @example
 * ```ts
 * installPluginResolution();
 * await import(entryUrl); // its `import { Provider } from 'anyllm/plugin'` finds this package
 * ```
 */
export function installPluginResolution(): void {
  if (installed || typeof nodeModule.registerHooks !== 'function') return;
  installed = true;
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'anyllm/plugin') return { url: PLUGIN_API, format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      if (url.startsWith('file:')) {
        loaded.push(url);
        if (loaded.length > 256) loaded.shift();
      }
      return nextLoad(url, context);
    },
  });
}
