import { AppError, notFound } from '../../kernel/access/errors.js';
import type { Queryable } from '../../kernel/db/db.js';
import { newestInScopeSql, Params } from '../../kernel/db/newest-in-scope.js';
import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';
import type { Deadlines } from './escalation-policy.js';
import type { ComplaintStatus, Level } from './lifecycle.js';

/** A row of `linli.complaints`. */
export interface ComplaintRow {
  id: number;
  number: string;
  org_id: number;
  level_org_id: number;
  level: Level;
  reporter_id: number | null;
  anonymous: boolean;
  category: string;
  description: string;
  building: string | null;
  unit_no: string | null;
  room: string | null;
  photos: string[];
  channel: string | null;
  chat_external_id: string | null;
  status: ComplaintStatus;
  version: number;
  ack_due_at: Date | null;
  resolve_due_at: Date | null;
  /** when the running deadline's warning is due; null once sent (or none pending) */
  ack_warn_at: Date | null;
  resolve_warn_at: Date | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  overdue: boolean;
  assignee_id: number | null;
  /** handed to a role rather than a person (transfer): its holders at the level are told */
  assigned_role: string | null;
  reopen_count: number;
  escalations: number;
  rating: 'satisfied' | 'basically_satisfied' | 'dissatisfied' | null;
  rating_comment: string | null;
  overdue_reminders: number;
  overdue_reminded_at: Date | null;
  rated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `linli.complaint_events` (a complaint's timeline), as the detail view reads it. */
export interface ComplaintEventRow {
  id: number;
  at: Date;
  actor_label: string | null;
  actor_person_id: number | null;
  type: string;
  from_status: string | null;
  to_status: string | null;
  level_org_id: number | null;
  note: string | null;
  photos: string[];
  /** on a move of who has it (assign, accept, grab, transfer, return): who and which role after it, and who before */
  assignee_id: number | null;
  prior_assignee_id: number | null;
  assigned_role: string | null;
}

/** A complaint to file: where, by whom, what. */
export interface NewComplaint {
  compoundId: number;
  reporterId: number | null;
  anonymous: boolean;
  category: string;
  description: string;
  building?: string | null;
  unit?: string | null;
  room?: string | null;
  photos: string[];
  channel?: string | null;
  chatExternalId?: string | null;
}

/**
 * Files a complaint at its compound's level with its first timeline event, in the caller's
 * transaction, in one statement. Given its first deadlines (`ComplaintService.file`), the row is
 * written with them at version 1 and owes the notices of that version (complaint_notices_due), as
 * a filing followed by setting its deadlines would leave it; without, at version 0 with none.
 */
export async function insertComplaint(
  tx: Queryable,
  c: NewComplaint,
  first?: Pick<Deadlines, 'ackDueAt' | 'resolveDueAt' | 'ackWarnAt' | 'resolveWarnAt'>,
): Promise<ComplaintRow> {
  const { rows } = await tx.query<ComplaintRow>(
    `WITH c AS (
       INSERT INTO linli.complaints (number, org_id, level_org_id, reporter_id, anonymous, category, description,
         building, unit_no, room, photos, channel, chat_external_id,
         ack_due_at, resolve_due_at, ack_warn_at, resolve_warn_at, version)
       VALUES (to_char(now() AT TIME ZONE $12, 'YYYYMMDD') || '-' || lpad(nextval('linli.complaint_number_seq')::text, 4, '0'),
         $1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $14, $15, $16, CASE WHEN $17 THEN 1 ELSE 0 END)
       RETURNING *
     ), e AS (
       INSERT INTO linli.complaint_events (complaint_id, actor_person_id, type, to_status, level_org_id, photos)
       SELECT id, reporter_id, 'submitted', 'submitted', level_org_id, photos FROM c
     ), n AS (
       INSERT INTO linli.complaint_notices_due (complaint_id, version) SELECT id, version FROM c WHERE $17
     )
     SELECT * FROM c`,
    [
      c.compoundId,
      c.reporterId,
      c.anonymous,
      c.category,
      c.description,
      c.building ?? null,
      c.unit ?? null,
      c.room ?? null,
      JSON.stringify(c.photos),
      c.channel ?? null,
      c.chatExternalId ?? null,
      CHINA_TIME_ZONE,
      first?.ackDueAt ?? null,
      first?.resolveDueAt ?? null,
      first?.ackWarnAt ?? null,
      first?.resolveWarnAt ?? null,
      first !== undefined,
    ],
  );
  return rows[0]!;
}

/** Roles that may act on a complaint at its current level (held there or at an org above it). */
export const COMPLAINT_HANDLER_ROLES = ['admin', 'handler', 'grid_worker', 'property_manager'];

/** Whether a person handles a complaint at its current level or above. */
export async function handlesComplaint(
  q: Queryable,
  personId: number | null,
  complaintId: number,
): Promise<boolean> {
  if (personId === null) return false;
  const { rows } = await q.query(
    `SELECT 1 FROM linli.complaints c JOIN linli.orgs l ON l.id = c.level_org_id
     JOIN linli.role_assignments ra ON ra.org_id = ANY(l.path)
     WHERE c.id = $1 AND ra.person_id = $2 AND ra.role = ANY($3::text[]) LIMIT 1`,
    [complaintId, personId, COMPLAINT_HANDLER_ROLES],
  );
  return rows.length > 0;
}

/** Who a complaint is assigned to (their register name) and its number, or null when nobody. */
export async function assigneeOf(
  q: Queryable,
  complaintId: number,
): Promise<{ number: string; name: string } | null> {
  const { rows } = await q.query<{ number: string; name: string }>(
    `SELECT c.number, p.name FROM linli.complaints c JOIN linli.people p ON p.id = c.assignee_id WHERE c.id = $1`,
    [complaintId],
  );
  return rows[0] ?? null;
}

/** A complaint, or undefined. */
export async function findComplaint(q: Queryable, id: number): Promise<ComplaintRow | undefined> {
  const { rows } = await q.query<ComplaintRow>('SELECT * FROM linli.complaints WHERE id = $1', [id]);
  return rows[0];
}

/** A complaint locked for the caller's transaction, or undefined when there is none. */
export async function findComplaintForUpdate(tx: Queryable, id: number): Promise<ComplaintRow | undefined> {
  const { rows } = await tx.query<ComplaintRow>('SELECT * FROM linli.complaints WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0];
}

/** The number of a complaint, or undefined when there is none. */
export async function complaintNumber(q: Queryable, id: number): Promise<string | undefined> {
  const { rows } = await q.query<{ number: string }>('SELECT number FROM linli.complaints WHERE id = $1', [
    id,
  ]);
  return rows[0]?.number;
}

/** What a rating checks of a complaint (its reporter, its status), locked for the caller's transaction. */
export async function complaintToRate(
  tx: Queryable,
  id: number,
): Promise<Pick<ComplaintRow, 'id' | 'number' | 'status' | 'reporter_id'> | undefined> {
  const { rows } = await tx.query<Pick<ComplaintRow, 'id' | 'number' | 'status' | 'reporter_id'>>(
    'SELECT id, number, status, reporter_id FROM linli.complaints WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0];
}

/** A complaint locked for the caller's transaction; 404 when there is none. */
export async function lockComplaint(tx: Queryable, id: number): Promise<ComplaintRow> {
  const c = await findComplaintForUpdate(tx, id);
  if (!c) throw notFound('complaint', id);
  return c;
}

/** Writes `set` if the row is still at the version read; bumps the version. */
export async function updateComplaint(
  tx: Queryable,
  c: ComplaintRow,
  set: Partial<ComplaintRow>,
): Promise<ComplaintRow> {
  const keys = Object.keys(set) as (keyof ComplaintRow)[];
  const params: unknown[] = [c.id, c.version];
  const assignments = keys.map((k) => {
    params.push(set[k]);
    return `${k} = $${params.length}`;
  });
  const { rows } = await tx.query<ComplaintRow>(
    `UPDATE linli.complaints SET ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')}
     WHERE id = $1 AND version = $2 RETURNING *`,
    params,
  );
  if (!rows[0]) throw staleComplaint(c);
  return rows[0];
}

/** The 409 of a write to a complaint changed since it was read. */
export function staleComplaint(c: ComplaintRow): AppError {
  return new AppError(
    409,
    'conflict',
    `Complaint ${c.number} was changed by someone else; reload and try again`,
    [{ field: 'version', message: 'stale' }],
  );
}

/** Adds one event to a complaint's timeline. */
export async function insertComplaintEvent(
  tx: Queryable,
  e: {
    complaintId: number;
    personId: number | null;
    label: string;
    tokenId: number | null;
    type: string;
    from: ComplaintStatus;
    to: ComplaintStatus;
    levelOrgId: number;
    note: string | null;
    photos: string[];
    /** set on a move of who has it */
    move?: { assigneeId: number | null; priorAssigneeId: number | null; role: string | null };
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.complaint_events (complaint_id, actor_person_id, actor_label, actor_token_id, type,
       from_status, to_status, level_org_id, note, photos, assignee_id, prior_assignee_id, assigned_role)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      e.complaintId,
      e.personId,
      e.label,
      e.tokenId,
      e.type,
      e.from,
      e.to,
      e.levelOrgId,
      e.note,
      JSON.stringify(e.photos),
      e.move?.assigneeId ?? null,
      e.move?.priorAssigneeId ?? null,
      e.move?.role ?? null,
    ],
  );
}

/** A complaint's timeline, oldest first. */
export async function complaintEvents(q: Queryable, complaintId: number): Promise<ComplaintEventRow[]> {
  const { rows } = await q.query<ComplaintEventRow>(
    'SELECT * FROM linli.complaint_events WHERE complaint_id = $1 ORDER BY id',
    [complaintId],
  );
  return rows;
}

/** The org handling `level` for a compound: the compound itself or its ancestor of that kind. */
export async function levelOrgId(q: Queryable, compoundId: number, level: Level): Promise<number> {
  const id = await levelOrgOf(q, compoundId, level);
  if (id === null) throw new Error(`compound ${compoundId} has no ${level} above it`);
  return id;
}

/** The org of `level` on a compound's chain (its community, subdistrict, …), or null when it has none. */
export async function levelOrgOf(q: Queryable, compoundId: number, level: Level): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT a.id FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path) WHERE o.id = $1 AND a.kind = $2`,
    [compoundId, level],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

/** The kind of an org (compound, community, …), or null when there is no such org. */
export async function orgKind(q: Queryable, orgId: number): Promise<string | null> {
  const { rows } = await q.query<{ kind: string }>('SELECT kind FROM linli.orgs WHERE id = $1', [orgId]);
  return rows[0]?.kind ?? null;
}

/** Complaints by id, in id order. */
export async function complaintsByIds(q: Queryable, ids: number[]): Promise<ComplaintRow[]> {
  const { rows } = await q.query<ComplaintRow>(
    'SELECT * FROM linli.complaints WHERE id = ANY($1::bigint[]) ORDER BY id',
    [ids],
  );
  return rows;
}

/** A page (by id, after `after`) of resolved complaints not rated since their resolution. */
export async function unratedResolvedPage(
  q: Queryable,
  after: number,
  limit: number,
): Promise<ComplaintRow[]> {
  const { rows } = await q.query<ComplaintRow>(
    `SELECT * FROM linli.complaints
     WHERE id > $1 AND status = 'resolved' AND (rated_at IS NULL OR rated_at < resolved_at)
     ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return rows;
}

/**
 * The distinct slots (epoch ms at the end of each `bucketMs` slot, ascending) holding a running
 * deadline or a pending warning after `now`.
 */
export async function futureDeadlineSlots(
  q: Queryable,
  now: Date,
  bucketMs: number,
): Promise<{ at: number }[]> {
  const { rows } = await q.query<{ at: number }>(
    `SELECT DISTINCT (ceil(extract(epoch FROM d) * ${1000 / bucketMs}) * ${bucketMs})::bigint AS at FROM (
       SELECT ack_due_at AS d FROM linli.complaints
       WHERE status IN ('submitted', 'reopened') AND NOT overdue AND ack_due_at > $1
       UNION ALL
       SELECT resolve_due_at FROM linli.complaints
       WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND NOT overdue AND resolve_due_at > $1
       UNION ALL
       SELECT ack_warn_at FROM linli.complaints WHERE ack_warn_at > $1
       UNION ALL
       SELECT resolve_warn_at FROM linli.complaints WHERE resolve_warn_at > $1
     ) x ORDER BY at`,
    [now],
  );
  return rows;
}

/** Up to 1000 open complaints overdue at the top whose last reminder is before `now`, oldest reminder first. */
export async function overdueToRemind(q: Queryable, now: Date): Promise<ComplaintRow[]> {
  const { rows } = await q.query<ComplaintRow>(
    `SELECT * FROM linli.complaints
     WHERE overdue AND status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND overdue_reminded_at < $1
     ORDER BY overdue_reminded_at LIMIT 1000`,
    [now],
  );
  return rows;
}

/**
 * Claims the next overdue reminder of a complaint (compare and set on `overdue_reminded_at`, so
 * two reconcilers never send one twice): the row with its count bumped, or undefined when another
 * claimed it first.
 */
export async function claimOverdueReminder(
  q: Queryable,
  id: number,
  last: Date,
  now: Date,
): Promise<ComplaintRow | undefined> {
  const { rows } = await q.query<ComplaintRow>(
    `UPDATE linli.complaints SET overdue_reminders = overdue_reminders + 1, overdue_reminded_at = $3
     WHERE id = $1 AND overdue AND overdue_reminded_at = $2 RETURNING *`,
    [id, last, now],
  );
  return rows[0];
}

/** The filters of the complaint list (`scope`: an org whose subtree, by compound or by level, is listed). */
export interface ComplaintFilter {
  scope: number | null;
  status: ComplaintStatus | null;
  level: Level | null;
  category: string | null;
  overdue: boolean | null;
  from: Date | null;
  to: Date | null;
  /** ids below this one (the page cursor) */
  before: number | null;
  /** the instant a running deadline is judged at (for `overdue`) */
  now: Date;
  limit: number;
}

/**
 * A page of complaints, newest first, in the subtree of `scope` by the org filed in or the org
 * handling it (newest-in-scope.ts: written for the filters given, read org by org when the subtree
 * is small).
 */
export async function listComplaints(q: Queryable, f: ComplaintFilter): Promise<ComplaintRow[]> {
  const ps = new Params();
  const where: string[] = [];
  if (f.status !== null) where.push(`t.status = ${ps.p(f.status)}`);
  if (f.level !== null) where.push(`t.level = ${ps.p(f.level)}::text`);
  if (f.category !== null) where.push(`t.category = ${ps.p(f.category)}`);
  if (f.overdue !== null) {
    const now = ps.p(f.now);
    where.push(
      `${ps.p(f.overdue)}::boolean = (t.overdue OR (t.status IN ('submitted','accepted','in_progress','reopened')
         AND ((t.status IN ('submitted','reopened') AND t.ack_due_at <= ${now}) OR t.resolve_due_at <= ${now})))`,
    );
  }
  if (f.from !== null) where.push(`t.created_at >= ${ps.p(f.from)}`);
  if (f.to !== null) where.push(`t.created_at < ${ps.p(f.to)}`);
  if (f.before !== null) where.push(`t.id < ${ps.p(f.before)}`);
  const sql = newestInScopeSql({
    table: 'linli.complaints',
    select: 't.*',
    orgColumns: ['org_id', 'level_org_id'],
    scope: f.scope === null ? null : ps.p(f.scope),
    where,
    limit: ps.p(f.limit),
  });
  const { rows } = await q.query<ComplaintRow>(sql, ps.values);
  return rows;
}
