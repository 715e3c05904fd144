import { AppError } from '../kernel/access/errors.js';

/**
 * The safety net behind validation: a PostgreSQL error that a request's data caused answers as a
 * 4xx, never a 500. It names nothing of the database (no table, key or row), so it cannot tell
 * whether an object outside the token's scope exists:
 * - 23503 foreign_key_violation: writing a reference to a row that is not there → 404; deleting
 *   a row still referenced → 409;
 * - 23505 unique_violation (a race the services' pre-checks could not see) → 409;
 * - class 22 data_exception (bad text representation 22P02, out of range 22003 / 22008, bad
 *   UTF-8 22021, untranslatable 22P05, …) and 23502 / 23514 (a NOT NULL or CHECK rule) → 400
 *   `invalid_value`. Each of these is a check missing at the edge: the HTTP fuzz test
 *   (test/http/fuzz.test.ts) fails on them, so they get fixed where the field is known.
 * Anything else stays a 500. Undefined when `err` is not such an error.
 */
/** The message of the 400 for data only the database refused (the fuzz test looks for it). */
export const INVALID_VALUE_MESSAGE = 'A value in the request is out of range or not valid';

export function databaseRefusal(err: unknown): AppError | undefined {
  const e = err as { code?: unknown; detail?: unknown } | null;
  const code = typeof e?.code === 'string' && /^[0-9][0-9A-Z]{4}$/.test(e.code) ? e.code : undefined;
  if (!code) return undefined;
  if (code === '23503') {
    // PostgreSQL's detail: "Key (…)=(…) is still referenced from table …" on delete or update
    return typeof e?.detail === 'string' && /still referenced/.test(e.detail)
      ? new AppError(409, 'conflict', 'The object is still in use by other objects')
      : new AppError(404, 'not_found', 'An object the request refers to was not found');
  }
  if (code === '23505') return new AppError(409, 'conflict', 'An object with these values already exists');
  if (code.startsWith('22') || code === '23502' || code === '23514') {
    return new AppError(400, 'invalid_value', INVALID_VALUE_MESSAGE);
  }
  return undefined;
}
