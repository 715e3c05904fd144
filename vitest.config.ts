import { defineConfig } from 'vitest/config';

// Integration tests share one PostgreSQL server and one Redis: each test file
// makes its own database / queue prefix, so files may run in parallel.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
