import type { ChannelName } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';
import type { Audience } from './audience.js';
import type { HolidayPolicy, Schedule } from './schedule.js';
import type { Locale } from './template.js';

/**
 * The reminders module's SQL: reminders, their occurrences (the claim of one: its row's unique
 * key), the receipts (who was addressed, who acknowledged) and the few reads of chats, orgs and
 * roles that delivery and acknowledgement need. Each function runs on the `Queryable` it is given.
 * A little over 400 lines on purpose: it is the module's whole SQL, kept in one file.
 */

export type ReminderStatus = 'active' | 'paused' | 'done' | 'deleted';
/** The statuses the API shows: a deleted reminder is gone (404), its row kept for the audit. */
export type LiveReminderStatus = Exclude<ReminderStatus, 'deleted'>;

export interface ReminderRow<S extends ReminderStatus = ReminderStatus> {
  id: number;
  org_id: number;
  audience: Audience;
  text: string;
  locale: Locale;
  schedule: Schedule;
  holiday_policy: HolidayPolicy;
  ack: boolean;
  follow_up_hours: string | null;
  status: S;
  next_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export type LiveReminderRow = ReminderRow<LiveReminderStatus>;

export function isLive(r: ReminderRow): r is LiveReminderRow {
  return r.status !== 'deleted';
}

export interface OccurrenceRow {
  reminder_id: number;
  at: Date;
  status: 'sent' | 'missed';
  recipients: number;
  follow_up_at: Date | null;
  follow_up_status: 'sent' | 'missed' | 'cancelled' | null;
}

// ---- reminders -------------------------------------------------------------------------------

export async function insertReminder(
  tx: Queryable,
  r: {
    orgId: number;
    audience: Audience;
    text: string;
    locale: Locale;
    schedule: Schedule;
    holidayPolicy: HolidayPolicy;
    ack: boolean;
    followUpHours: number | null;
    nextAt: Date;
    createdBy: string;
  },
): Promise<LiveReminderRow> {
  const { rows } = await tx.query<LiveReminderRow>(
    `INSERT INTO linli.reminders (org_id, audience, text, locale, schedule, holiday_policy, ack, follow_up_hours,
       next_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [
      r.orgId,
      JSON.stringify(r.audience),
      r.text,
      r.locale,
      JSON.stringify(r.schedule),
      r.holidayPolicy,
      r.ack,
      r.followUpHours,
      r.nextAt,
      r.createdBy,
    ],
  );
  return rows[0]!;
}

/** A reminder that is not deleted. */
export async function findLiveReminder(q: Queryable, id: number): Promise<LiveReminderRow | undefined> {
  const { rows } = await q.query<LiveReminderRow>(
    `SELECT * FROM linli.reminders WHERE id = $1 AND status <> 'deleted'`,
    [id],
  );
  return rows[0];
}

export async function lockReminder(tx: Queryable, id: number): Promise<ReminderRow | undefined> {
  const { rows } = await tx.query<ReminderRow>('SELECT * FROM linli.reminders WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0];
}

/** What the reconciler re-reads before each catch-up occurrence. */
export async function reminderNext(
  q: Queryable,
  id: number,
): Promise<{ next_at: Date | null; status: string } | undefined> {
  const { rows } = await q.query<{ next_at: Date | null; status: string }>(
    'SELECT next_at, status FROM linli.reminders WHERE id = $1',
    [id],
  );
  return rows[0];
}

/**
 * A page of the reminders in a subtree (not deleted), newest first: `scope` is the token's org
 * (null: everything), `after` the last id of the previous page; reads `limit + 1` rows.
 */
export async function reminderPage(
  q: Queryable,
  f: { scope: number | null; orgId?: number; status?: string; after: number | null; limit: number },
): Promise<LiveReminderRow[]> {
  const params: unknown[] = [];
  const where = [`r.status <> 'deleted'`];
  if (f.scope !== null) {
    params.push(f.scope);
    where.push(`o.path @> ARRAY[$${params.length}]::bigint[]`);
  }
  if (f.orgId !== undefined) {
    params.push(f.orgId);
    where.push(`o.path @> ARRAY[$${params.length}]::bigint[]`);
  }
  if (f.status) {
    params.push(f.status);
    where.push(`r.status = $${params.length}`);
  }
  if (f.after !== null) {
    params.push(f.after);
    where.push(`r.id < $${params.length}`);
  }
  params.push(f.limit + 1);
  const { rows } = await q.query<LiveReminderRow>(
    `SELECT r.* FROM linli.reminders r JOIN linli.orgs o ON o.id = r.org_id
     WHERE ${where.join(' AND ')} ORDER BY r.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** Ids of the active reminders whose next occurrence has come. */
export async function dueReminderIds(q: Queryable, now: Date): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT id FROM linli.reminders WHERE status = 'active' AND next_at <= $1 ORDER BY id`,
    [now],
  );
  return rows.map((r) => r.id);
}

/** Active reminders with a future occurrence, by id after `afterId`, 500 at a time. */
export async function futureReminders(q: Queryable, now: Date, afterId: number): Promise<ReminderRow[]> {
  const { rows } = await q.query<ReminderRow>(
    `SELECT * FROM linli.reminders WHERE status = 'active' AND next_at > $1 AND id > $2 ORDER BY id LIMIT 500`,
    [now, afterId],
  );
  return rows;
}

export async function setReminderStatus(
  tx: Queryable,
  id: number,
  status: LiveReminderStatus,
  nextAt: Date | null,
): Promise<LiveReminderRow> {
  const { rows } = await tx.query<LiveReminderRow>(
    `UPDATE linli.reminders SET status = $2, next_at = $3, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, status, nextAt],
  );
  return rows[0]!;
}

/** Moves a reminder on to its next occurrence (`done` when there is none). */
export async function advanceReminder(
  tx: Queryable,
  id: number,
  nextAt: Date | null,
  status: 'active' | 'done',
): Promise<ReminderRow> {
  const { rows } = await tx.query<ReminderRow>(
    `UPDATE linli.reminders SET next_at = $2, status = $3, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, nextAt, status],
  );
  return rows[0]!;
}

export async function markReminderDeleted(tx: Queryable, id: number): Promise<void> {
  await tx.query(
    `UPDATE linli.reminders SET status = 'deleted', next_at = NULL, updated_at = now() WHERE id = $1`,
    [id],
  );
}

// ---- occurrences -----------------------------------------------------------------------------

/** The latest 50 occurrences with how many acknowledged each, and how many it could not reach. */
export async function recentOccurrences(
  q: Queryable,
  reminderId: number,
): Promise<(OccurrenceRow & { acked: number; unreachable: number })[]> {
  const { rows } = await q.query<OccurrenceRow & { acked: number; unreachable: number }>(
    `SELECT o.*, (SELECT count(*) FROM linli.reminder_receipts x
                  WHERE x.reminder_id = o.reminder_id AND x.at = o.at AND x.acked_at IS NOT NULL)::int AS acked,
                 (SELECT count(*) FROM linli.reminder_receipts x
                  WHERE x.reminder_id = o.reminder_id AND x.at = o.at AND x.unreachable_at IS NOT NULL)::int AS unreachable
     FROM linli.reminder_occurrences o WHERE o.reminder_id = $1 ORDER BY o.at DESC LIMIT 50`,
    [reminderId],
  );
  return rows;
}

/** Claims an occurrence: true for whoever inserts its row, false when it was claimed before. */
export async function claimOccurrence(
  tx: Queryable,
  o: { reminderId: number; at: Date; status: 'sent' | 'missed'; claimedAt: Date; followUpAt: Date | null },
): Promise<boolean> {
  const claimed = await tx.query(
    `INSERT INTO linli.reminder_occurrences (reminder_id, at, status, claimed_at, follow_up_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING at`,
    [o.reminderId, o.at, o.status, o.claimedAt, o.followUpAt],
  );
  return claimed.rows.length > 0;
}

export async function setRecipients(tx: Queryable, reminderId: number, at: Date, n: number): Promise<void> {
  await tx.query('UPDATE linli.reminder_occurrences SET recipients = $3 WHERE reminder_id = $1 AND at = $2', [
    reminderId,
    at,
    n,
  ]);
}

export async function lockOccurrence(
  tx: Queryable,
  reminderId: number,
  at: Date,
): Promise<OccurrenceRow | undefined> {
  const { rows } = await tx.query<OccurrenceRow>(
    `SELECT * FROM linli.reminder_occurrences WHERE reminder_id = $1 AND at = $2 FOR UPDATE`,
    [reminderId, at],
  );
  return rows[0];
}

export async function setFollowUpStatus(
  tx: Queryable,
  reminderId: number,
  at: Date,
  status: 'sent' | 'missed' | 'cancelled',
  doneAt: Date,
): Promise<void> {
  await tx.query(
    `UPDATE linli.reminder_occurrences SET follow_up_status = $3, follow_up_done_at = $4
     WHERE reminder_id = $1 AND at = $2`,
    [reminderId, at, status, doneAt],
  );
}

/** Follow-ups whose time has come and that nobody handled yet, oldest first. */
export async function dueFollowUps(q: Queryable, now: Date): Promise<{ reminder_id: number; at: Date }[]> {
  const { rows } = await q.query<{ reminder_id: number; at: Date }>(
    `SELECT reminder_id, at FROM linli.reminder_occurrences
     WHERE follow_up_at IS NOT NULL AND follow_up_status IS NULL AND follow_up_at <= $1 ORDER BY follow_up_at`,
    [now],
  );
  return rows;
}

/** Follow-ups still ahead. */
export async function pendingFollowUps(
  q: Queryable,
  now: Date,
): Promise<{ reminder_id: number; at: Date; follow_up_at: Date }[]> {
  const { rows } = await q.query<{ reminder_id: number; at: Date; follow_up_at: Date }>(
    `SELECT reminder_id, at, follow_up_at FROM linli.reminder_occurrences
     WHERE follow_up_at IS NOT NULL AND follow_up_status IS NULL AND follow_up_at > $1`,
    [now],
  );
  return rows;
}

/** A sent occurrence's reminder (its audience and status), for an acknowledgement. */
export async function sentOccurrence(
  q: Queryable,
  reminderId: number,
  at: Date,
): Promise<{ audience: Audience; status: string } | undefined> {
  const { rows } = await q.query<{ audience: Audience; status: string }>(
    `SELECT r.audience, r.status FROM linli.reminder_occurrences o JOIN linli.reminders r ON r.id = o.reminder_id
     WHERE o.reminder_id = $1 AND o.at = $2 AND o.status = 'sent'`,
    [reminderId, at],
  );
  return rows[0];
}

/**
 * The latest occurrence, claimed after `since`, of a group reminder with 收到 sent to the org of
 * a residents' group (the chat named by channel and external id).
 */
export async function latestGroupOccurrence(
  q: Queryable,
  channel: ChannelName,
  externalId: string,
  since: Date,
): Promise<{ reminder_id: number; at: Date } | undefined> {
  const { rows } = await q.query<{ reminder_id: number; at: Date }>(
    `SELECT o.reminder_id, o.at
     FROM linli.chats c
     JOIN linli.reminders r ON r.audience->>'kind' = 'group' AND (r.audience->>'orgId')::bigint = c.org_id
     JOIN linli.reminder_occurrences o ON o.reminder_id = r.id
     WHERE c.channel = $1 AND c.external_chat_id = $2 AND c.purpose = 'residents'
       AND r.ack AND r.status <> 'deleted' AND o.status = 'sent' AND o.claimed_at > $3
     ORDER BY o.at DESC LIMIT 1`,
    [channel, externalId, since],
  );
  return rows[0];
}

// ---- receipts --------------------------------------------------------------------------------

/** Records that an occurrence was addressed to a person (once). */
export async function insertAddressedReceipt(
  tx: Queryable,
  reminderId: number,
  at: Date,
  personId: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.reminder_receipts (reminder_id, at, person_id, addressed) VALUES ($1, $2, $3, true)
     ON CONFLICT DO NOTHING`,
    [reminderId, at, personId],
  );
}

/** Marks a recipient the occurrence could not reach (no follow-up goes into the same refusal). */
export async function markUnreachable(
  tx: Queryable,
  reminderId: number,
  at: Date,
  personId: number,
  reason: string,
): Promise<void> {
  await tx.query(
    `UPDATE linli.reminder_receipts SET unreachable_at = now(), unreachable_reason = $4
     WHERE reminder_id = $1 AND at = $2 AND person_id = $3 AND unreachable_at IS NULL`,
    [reminderId, at, personId, reason],
  );
}

/** Marks the addressed recipients who have not acknowledged as followed up (not those it could not reach); returns them. */
export async function markFollowedUp(
  tx: Queryable,
  reminderId: number,
  at: Date,
  now: Date,
): Promise<number[]> {
  const { rows } = await tx.query<{ person_id: number }>(
    `UPDATE linli.reminder_receipts SET followed_up_at = $3
     WHERE reminder_id = $1 AND at = $2 AND addressed AND acked_at IS NULL AND unreachable_at IS NULL
     RETURNING person_id`,
    [reminderId, at, now],
  );
  return rows.map((r) => r.person_id);
}

export async function lockReceipt(
  tx: Queryable,
  reminderId: number,
  at: Date,
  personId: number,
): Promise<{ acked_at: Date | null } | undefined> {
  const { rows } = await tx.query<{ acked_at: Date | null }>(
    `SELECT acked_at FROM linli.reminder_receipts WHERE reminder_id = $1 AND at = $2 AND person_id = $3 FOR UPDATE`,
    [reminderId, at, personId],
  );
  return rows[0];
}

export async function ackReceipt(
  tx: Queryable,
  reminderId: number,
  at: Date,
  personId: number,
  ackedAt: Date,
): Promise<void> {
  await tx.query(
    `UPDATE linli.reminder_receipts SET acked_at = $4 WHERE reminder_id = $1 AND at = $2 AND person_id = $3`,
    [reminderId, at, personId, ackedAt],
  );
}

/** An acknowledgement by someone not addressed (a group audience), once. */
export async function insertGroupAck(
  tx: Queryable,
  reminderId: number,
  at: Date,
  personId: number,
  ackedAt: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.reminder_receipts (reminder_id, at, person_id, addressed, acked_at)
     VALUES ($1, $2, $3, false, $4) ON CONFLICT DO NOTHING`,
    [reminderId, at, personId, ackedAt],
  );
}

// ---- reads of chats, orgs and roles ----------------------------------------------------------

/** Whether the chat is one of the org's residents' groups. */
export async function isResidentsGroupOf(
  q: Queryable,
  orgId: number,
  channel: ChannelName,
  externalId: string,
): Promise<boolean> {
  const inGroup = await q.query(
    `SELECT 1 FROM linli.chats WHERE org_id = $1 AND purpose = 'residents' AND channel = $2 AND external_chat_id = $3`,
    [orgId, channel, externalId],
  );
  return inGroup.rows.length > 0;
}

export async function orgName(q: Queryable, orgId: number): Promise<string | undefined> {
  const { rows } = await q.query<{ name: string }>('SELECT name FROM linli.orgs WHERE id = $1', [orgId]);
  return rows[0]?.name;
}

/** Everyone holding the role anywhere in the org's subtree. */
export async function roleHolders(q: Queryable, orgId: number, role: string): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number }>(
    `SELECT DISTINCT ra.person_id FROM linli.role_assignments ra JOIN linli.orgs o ON o.id = ra.org_id
     WHERE o.path @> ARRAY[$1]::bigint[] AND ra.role = $2`,
    [orgId, role],
  );
  return rows.map((r) => r.person_id);
}
