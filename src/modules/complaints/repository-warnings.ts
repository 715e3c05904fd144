import type { Queryable } from '../../kernel/db/db.js';
import type { ComplaintRow } from './repository.js';

/**
 * The SQL of the warnings before a breach (commands/deadlines.ts `warnDue`): the rows whose
 * warning time has come, and the compare-and-set that clears a warning once it is enqueued.
 */

/**
 * Up to `limit` complaints with a warning due by `now` (on either deadline), oldest first. Read
 * without a lock: the warning's messages are idempotent by complaint, stage and deadline, so two
 * sweeps reading one row send once; the row is cleared after its messages are queued.
 */
export async function warningsDue(q: Queryable, now: Date, limit: number): Promise<ComplaintRow[]> {
  const { rows } = await q.query<ComplaintRow>(
    `SELECT * FROM (
       SELECT * FROM linli.complaints WHERE ack_warn_at <= $1
       UNION
       SELECT * FROM linli.complaints WHERE resolve_warn_at <= $1
     ) c ORDER BY LEAST(c.ack_warn_at, c.resolve_warn_at), c.id LIMIT $2`,
    [now, limit],
  );
  return rows;
}

/**
 * Clears the warnings read as `ack`/`resolve` (undefined: leave that one), only if the row still
 * holds them: a warning set meanwhile for new deadlines (an escalation) stays.
 */
export async function clearWarnings(
  q: Queryable,
  id: number,
  ack: Date | undefined,
  resolve: Date | undefined,
): Promise<void> {
  await q.query(
    `UPDATE linli.complaints
        SET ack_warn_at = CASE WHEN ack_warn_at = $2 THEN NULL ELSE ack_warn_at END,
            resolve_warn_at = CASE WHEN resolve_warn_at = $3 THEN NULL ELSE resolve_warn_at END
      WHERE id = $1`,
    [id, ack ?? null, resolve ?? null],
  );
}
