import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of `linli.complaint_notices_due` (migration 030): the notices a change owes until the
 * process that committed it has sent them. Written inside the change's transaction; deleted after
 * the notifier is done; what a crash left is found by `owedNotices` and sent by the reconciler.
 */

/** In the change's transaction: its version owes its notices. */
export async function oweNotice(tx: Queryable, complaintId: number, version: number): Promise<void> {
  await tx.query(
    'INSERT INTO linli.complaint_notices_due (complaint_id, version) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [complaintId, version],
  );
}

/** After the notifier: this version's notices are out, and those of every earlier one are moot. */
export async function settleNotices(q: Queryable, complaintId: number, upToVersion: number): Promise<void> {
  await q.query('DELETE FROM linli.complaint_notices_due WHERE complaint_id = $1 AND version <= $2', [
    complaintId,
    upToVersion,
  ]);
}

/** After the notifier, for a change it made itself (a round-robin turn): that one version only. */
export async function settleNotice(q: Queryable, complaintId: number, version: number): Promise<void> {
  await q.query('DELETE FROM linli.complaint_notices_due WHERE complaint_id = $1 AND version = $2', [
    complaintId,
    version,
  ]);
}

/**
 * Complaints owing notices for longer than `graceMs` (by the database's clock: a process may be
 * sending them right now), each with the latest version owed, oldest first.
 */
export async function owedNotices(
  q: Queryable,
  graceMs: number,
  limit: number,
): Promise<{ complaint_id: number; version: number }[]> {
  const { rows } = await q.query<{ complaint_id: number; version: number }>(
    `SELECT complaint_id, max(version) AS version FROM linli.complaint_notices_due
      WHERE since < now() - make_interval(secs => $1::double precision / 1000)
      GROUP BY complaint_id ORDER BY min(since) LIMIT $2`,
    [graceMs, limit],
  );
  return rows.map((r) => ({ complaint_id: Number(r.complaint_id), version: Number(r.version) }));
}
