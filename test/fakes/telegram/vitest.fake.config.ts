import { defineConfig } from 'vitest/config';

// Runs only the fake Telegram server's own tests, without the project's globalSetup
// (no PostgreSQL / Redis needed): npx vitest run --config test/fakes/telegram/vitest.fake.config.ts
export default defineConfig({
  test: {
    root: new URL('../../..', import.meta.url).pathname,
    include: ['test/fakes/telegram-fake.test.ts', 'test/fakes/telegram/*.test.ts'],
    testTimeout: 10_000,
  },
});
