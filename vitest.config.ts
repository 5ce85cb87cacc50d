import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'web/test/**/*.test.ts'],
    // why: a hung test should fail in seconds; the few that need longer (cosmos ordering) say so themselves
    testTimeout: 15_000,
    // why: beforeAll starts whole local stacks (embedded Cosmos included) on 2 shared cores
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/support/redis-prefix.setup.ts'],
  },
});
