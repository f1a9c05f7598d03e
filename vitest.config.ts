import { defineConfig } from 'vitest/config';

// One run over every package and app; each test file owns the servers it starts.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: integration tests start real servers, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
