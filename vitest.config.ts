import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import 'anyllm' as a user does: the built package in dist/ (`npm test` builds first).
const dist = (path: string) => fileURLToPath(new URL(`./dist/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^anyllm$/, replacement: dist('src/index.js') },
      { find: /^anyllm\/plugin$/, replacement: dist('src/plugins/index.js') },
      // Internals a few tests reach for (not part of the package's exports), also from dist/.
      { find: /^anyllm\/internal\/(.*)$/, replacement: `${dist('src')}/$1` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
