import type { Db, Queryable } from '../../src/kernel/db/db.js';

export interface Reads {
  /** index entries returned, by index (`(sequential scans)`: the rows they read) */
  entries: Record<string, number>;
  /** buffer pages fetched, by index and `(table)`: entries filtered inside an index count here only */
  blocks: Record<string, number>;
}

/**
 * Runs `fn` in one transaction and answers what it read of `table` and its indexes: for tests that
 * a statement looks rows up through the index meant for it, rather than reading a whole table's
 * worth of another one. The counts are the session's pending statistics, read at the start and at
 * the end of the transaction (a session flushes them only when idle, never inside one).
 */
export async function readsOf(db: Db, table: string, fn: (tx: Queryable) => Promise<void>): Promise<Reads> {
  const snapshot = async (tx: Queryable) => {
    const { rows } = await tx.query<{ name: string; entries: string | number; blocks: string | number }>(
      `SELECT c.relname AS name, pg_stat_get_xact_tuples_returned(c.oid) AS entries,
              pg_stat_get_xact_blocks_fetched(c.oid) AS blocks
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::regclass
       UNION ALL
       SELECT '(table)', pg_stat_get_xact_tuples_returned($1::regclass), pg_stat_get_xact_blocks_fetched($1::regclass)`,
      [table],
    );
    return rows.map((r) => ({ name: r.name, entries: Number(r.entries), blocks: Number(r.blocks) }));
  };
  return db.transaction(async (tx) => {
    const before = new Map((await snapshot(tx)).map((r) => [r.name, r]));
    await fn(tx);
    const after = await snapshot(tx);
    const entries: Record<string, number> = {};
    const blocks: Record<string, number> = {};
    for (const r of after) {
      const b = before.get(r.name);
      entries[r.name === '(table)' ? '(sequential scans)' : r.name] = r.entries - (b?.entries ?? 0);
      blocks[r.name] = r.blocks - (b?.blocks ?? 0);
    }
    return { entries, blocks };
  });
}

export const total = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);
