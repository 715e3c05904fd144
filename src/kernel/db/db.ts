import { AsyncLocalStorage } from 'node:async_hooks';
import type { PgPool } from 'bullmq';

/**
 * The one query interface over PostgreSQL (`pg.Pool`) and embedded PGlite (`PglitePool`).
 *
 * Contract:
 * - `query(sql, params)` returns `{rows, rowCount}`; int8 columns (ids, counts) come back as JS
 *   numbers from both engines (an int8 past 2^53 throws instead of losing digits); numeric
 *   columns come back as strings (exact decimals: floor areas); timestamptz as Date; json as
 *   parsed values.
 * - `transaction(fn)` runs `fn(tx)` on one connection between BEGIN and COMMIT, rolling back
 *   if `fn` throws. Inside it, use `tx`: calling `db.query` there throws, because on PGlite it
 *   would wait for the very transaction that waits for it.
 * - App tables live in the `linli` schema and every statement names it (BullMQ's tables, in
 *   `bullmq`, share the PGlite session's search_path).
 */
export interface Queryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResult<T>>;
}

export interface QueryOptions {
  /**
   * Prepare the statement under this name on each connection and reuse its plan (PostgreSQL; on
   * PGlite by SQL PREPARE/EXECUTE in its one session): for hot statements whose planning costs
   * more than their execution. One
   * name, one SQL text, forever; select named columns, not `*`, so a later migration that adds a
   * column cannot change a prepared statement's result type.
   */
  prepare?: string;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Db extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /** The pool BullMQ's PostgreSQL backend runs on (same database). */
  readonly pool: PgPool;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface RawResult {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
  fields?: { name: string; dataTypeID: number }[];
}
interface RawQueryable {
  query(
    sql: string | { name: string; text: string; values?: readonly unknown[] },
    params?: readonly unknown[],
  ): Promise<RawResult | RawResult[]>;
}

const INT8 = 20;

/** Aligns engine differences: int8 as number on both (pg gives strings, PGlite BigInt). */
function normalize<T>(result: RawResult | RawResult[]): QueryResult<T> {
  // pg answers a multi-statement string (migrations) with one result per statement
  const raw = Array.isArray(result) ? (result[result.length - 1] ?? { rows: [] }) : result;
  const int8Fields = raw.fields?.filter((f) => f.dataTypeID === INT8).map((f) => f.name) ?? [];
  if (int8Fields.length > 0) {
    for (const row of raw.rows) {
      for (const name of int8Fields) {
        const v = row[name];
        if (v === null || v === undefined || typeof v === 'number') continue;
        const n = Number(v);
        if (!Number.isSafeInteger(n))
          throw new RangeError(`int8 column ${name} out of safe range: ${String(v)}`);
        row[name] = n;
      }
    }
  }
  return { rows: raw.rows as T[], rowCount: raw.rowCount ?? raw.rows.length };
}

export class TransactionMisuseError extends Error {
  constructor() {
    super('db.query called inside db.transaction(): use the transaction handle (tx.query)');
  }
}

const inTransaction = new AsyncLocalStorage<true>();

/** True inside `db.transaction(fn)`: queue writes must wait until after COMMIT (see src/kernel/queue). */
export function isInTransaction(): boolean {
  return inTransaction.getStore() === true;
}

export function createDb(
  engine: Db['engine'],
  pool: PgPool & RawQueryable & { connect(): Promise<RawQueryable & { release(destroy?: boolean): void }> },
  onClose: () => Promise<void>,
): Db {
  // named statements on both engines: PGlite prepares them in its one session (pglite-pool.ts), which
  // saves it parsing and planning the turn path's larger statements every time (~15 % of its CPU a step)
  const raw = (q: RawQueryable, sql: string, params?: readonly unknown[], opts?: QueryOptions) =>
    opts?.prepare ? q.query({ name: opts.prepare, text: sql, values: params ?? [] }) : q.query(sql, params);
  const wrap = (q: RawQueryable): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[], opts?: QueryOptions) {
      return normalize<T>(await raw(q, sql, params, opts));
    },
  });
  let closed = false;
  return {
    engine,
    pool,
    async query<T>(sql: string, params?: readonly unknown[], opts?: QueryOptions) {
      if (inTransaction.getStore()) throw new TransactionMisuseError();
      return normalize<T>(await raw(pool, sql, params, opts));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      if (inTransaction.getStore()) throw new TransactionMisuseError();
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await inTransaction.run(true, () => fn(wrap(client)));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await onClose();
    },
  };
}
