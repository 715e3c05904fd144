/**
 * Where the tests find real services. CI (CI=true) must have both: a missing service there
 * fails the run instead of silently testing less.
 */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Engine = 'pglite' | 'postgres';

/** Set by test/global-setup.ts. */
export function hasPostgres(): boolean {
  return process.env.LINLI_TEST_HAS_PG === '1';
}
export function hasRedis(): boolean {
  return process.env.LINLI_TEST_HAS_REDIS === '1';
}
export function pgTemplateName(): string {
  const name = process.env.LINLI_TEST_PG_TEMPLATE;
  if (!name) throw new Error('global setup did not create a PostgreSQL template database');
  return name;
}

/** The engines every database test runs on: PGlite always, PostgreSQL when reachable. */
export function engines(): Engine[] {
  return hasPostgres() ? ['pglite', 'postgres'] : ['pglite'];
}

/** Queue backends: PostgreSQL-backed always (on PGlite), Redis when reachable. */
export function queueKinds(): ('postgres' | 'redis')[] {
  return hasRedis() ? ['postgres', 'redis'] : ['postgres'];
}
