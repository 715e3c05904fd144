import { defineConfig } from 'vitest/config';

// Integration tests share one PostgreSQL server and one Redis: each test file
// makes its own database / queue prefix, so files may run in parallel.
//
// Three groups, one after the other (sequence.groupOrder): the service's tests two files at a time;
// then the many-processes test alone (four Linli processes with timing of their own: it needs the
// machine's cores to itself); then the console's browser tests (Chromium beside Linli).
const MANY_PROCESSES = 'test/app/many-processes.test.ts';
const BROWSER = 'test/console/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'service',
          include: ['test/**/*.test.ts'],
          exclude: [MANY_PROCESSES, BROWSER],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'processes', include: [MANY_PROCESSES], sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        // a browser test waits up to 30 s for a page (test/support/browser.ts): room for two waits
        test: { name: 'console', include: [BROWSER], sequence: { groupOrder: 2 }, testTimeout: 90_000 },
      },
    ],
  },
});
