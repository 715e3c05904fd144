import { defineConfig } from 'vitest/config';

// Minimal config to run the WeChat mock-harness tests without the project's globalSetup
// (no PostgreSQL / Redis needed):
//   WECHATY_LOG=silent npx vitest run --config test/fakes/wechat/vitest.fake.config.ts
export default defineConfig({
  test: {
    include: ['test/fakes/wechat-mock.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
