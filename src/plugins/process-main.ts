/**
 * Entry point of a child-process plugin (process and sandbox tiers): serves the provider over
 * stdin/stdout, one JSON message per line.
 *
 * Arguments: `--sandbox` (the global `fetch` goes through the host, and the plugin may not signal
 * other processes, load builtins outside an allowlist or probe paths outside its grant; see
 * sandbox/); `--unset-env=NAME` (a variable the OS boundary's wrapper added, not the host).
 *
 * @module
 */
import { Console } from 'node:console';
import { StdioTransport } from '../protocol/stdio-transport.js';
import { watchParent } from './parent-watch.js';
import { installPluginResolution } from './plugin-resolve.js';
import { lockDownSandbox } from './sandbox/index.js';
import { serve } from './serve.js';

// First, before any plugin code can reach what it uses: a host killed outright leaves no orphan.
watchParent();
for (const arg of process.argv) {
  if (arg.startsWith('--unset-env=')) delete process.env[arg.slice('--unset-env='.length)];
}

// stdout is the channel: anything a provider logs goes to stderr instead.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

const sandboxed = process.argv.includes('--sandbox');
if (sandboxed) {
  // The runtime's own module hook first: the lockdown takes the hook API away from plugin code.
  installPluginResolution();
  lockDownSandbox();
}

const transport = new StdioTransport(process.stdin, process.stdout, {
  onFramingError: ({ reason }) => {
    process.stderr.write(`anyllm plugin: the host sent ${reason}; exiting.\n`);
    process.exit(70);
  },
});
serve(transport, { proxyFetch: sandboxed, exit: () => process.exit(0) });
// The host has gone (or closed our stdin): nobody is left to serve.
process.stdin.on('end', () => process.exit(0));
