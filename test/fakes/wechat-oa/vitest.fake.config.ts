import { defineConfig } from 'vitest/config';

// Runs only the fake Official Account's own tests, without the project's globalSetup
// (no PostgreSQL / Redis needed): npx vitest run --config test/fakes/wechat-oa/vitest.fake.config.ts
export default defineConfig({
  test: {
    root: new URL('../../..', import.meta.url).pathname,
    include: ['test/fakes/wechat-oa-fake.test.ts'],
    testTimeout: 10_000,
  },
});
