import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The unit tests Stryker runs against each mutant (`npm run test:mutation`). They import the
 * modules under mutation straight from src/ (`anyllm/internal/*`), in the test process: a mutant in
 * code that only runs inside a plugin's thread or process would never be switched on there.
 * The list is the single place that says which tests guard the boundary modules.
 */
const src = fileURLToPath(new URL('./src', import.meta.url));

export const MUTATION_TESTS = [
  'test/isolation-stdio-transport.test.ts',
  'test/protocol-flow-control.test.ts',
  'test/result-shape.test.ts',
  'test/address-policy.test.ts',
  'test/stderr-lines.test.ts',
  'test/json-bounds.test.ts',
  'test/unit-channel-guard.test.ts',
  'test/unit-timers.test.ts',
  'test/unit-supervision.test.ts',
  'test/unit-env-grant.test.ts',
  'test/unit-connection.test.ts',
  'test/unit-launch-args.test.ts',
  'test/unit-fetch-proxy.test.ts',
  'test/unit-stdio-transport.test.ts',
  'test/unit-json-bounds.test.ts',
  'test/unit-methods.test.ts',
  'test/unit-events.test.ts',
  'test/compat-normalise.test.ts',
  'test/compat-think-tags.test.ts',
  'test/unit-read-paths.test.ts',
  'test/unit-flow-control.test.ts',
  'test/unit-openai-normalise.test.ts',
  'test/unit-bubblewrap-probe.test.ts',
  'test/unit-usage.test.ts',
  'test/unit-sandbox-runtime.test.ts',
  'test/unit-child-launchers.test.ts',
  'test/unit-electron-launcher.test.ts',
  'test/unit-worker-launcher.test.ts',
  'test/unit-retry.test.ts',
  'test/unit-plugin-session.test.ts',
  'test/unit-plugin-client.test.ts',
  'test/unit-shared-plugins.test.ts',
  'test/unit-chunk-batch.test.ts',
  'test/unit-chunk-sender.test.ts',
  'test/unit-delta-json.test.ts',
  'test/red10c-delta-json.test.ts',
  'test/red11-delta-json.test.ts',
  'test/unit-json-copier.test.ts',
  'test/unit-chunk-batches.test.ts',
  'test/red10b-chunk-batch.test.ts',
  'test/red10c-chunk-batch.test.ts',
  'test/session-auth-per-client.test.ts',
  'test/session-crash-blame.test.ts',
  'test/session-restart-flag-after-hang.test.ts',
  'test/session-cancel-acknowledged-at-the-verdict.test.ts',
  'test/session-started-call-never-resent.test.ts',
  'test/session-stream-bytes-and-encoding.test.ts',
  'test/session-moved-call-of-a-spent-budget.test.ts',
  'test/client-stream-usage-so-far-on-abort.test.ts',
  'test/client-idle-timer-paused-while-the-host-waits.test.ts',
  'test/client-fallback-keeps-caller-timeout.test.ts',
  'test/client-refused-placement-and-idle.test.ts',
  'test/client-stream-idle-after-a-chunk.test.ts',
  'test/client-close-ends-its-fallback-step.test.ts',
];

export default defineConfig({
  resolve: {
    alias: [
      { find: /^anyllm\/internal\/(.*)\.js$/, replacement: `${src}/$1.ts` },
      // The public entries from src too, so an error class is one class in these tests.
      { find: /^anyllm$/, replacement: `${src}/index.ts` },
      { find: /^anyllm\/plugin$/, replacement: `${src}/plugins/index.ts` },
    ],
  },
  test: {
    include: MUTATION_TESTS,
    testTimeout: 30_000,
    pool: 'forks',
  },
});
