import { z } from 'zod';
import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, notFound } from '../../../kernel/access/errors.js';
import { requireOrg, requirePeople } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertWriter,
  type Principal,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { ChannelName, Choice } from '../../../kernel/chat/port.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { OutboundRequest, Outbox } from '../../../kernel/outbox/outbox.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../../kernel/queue/names.js';
import { civilDate, wallOf } from '../../../kernel/time/zone.js';
import { privateAddresses, residentsGroups } from '../../chats/index.js';
import { orgPath } from '../../orgs/index.js';
import { ROLES } from '../../people/index.js';
import {
  type CompiledSchedule,
  compileSchedule,
  DEFAULT_TZ,
  type HolidayPolicy,
  holidayPolicyOf,
  type Schedule,
  scheduleSchema,
  skipHolidaysSchema,
} from '../schedule.js';
import { checkTemplate, type Locale, renderTemplate } from '../template.js';

/**
 * Reminders: a schedule, an audience, a text template, optionally an acknowledgement (收到) with a
 * follow-up to those who have not acknowledged after N hours.
 *
 * Delivery contract:
 * - `reminders.next_at` is the next occurrence not yet claimed (the source of truth). An occurrence
 *   is claimed by `INSERT INTO reminder_occurrences … ON CONFLICT DO NOTHING` in the transaction
 *   that writes its deliveries (through `Outbox.insert`, keyed per occurrence and recipient) and
 *   advances `next_at`; whoever inserts the row sends, everyone else does nothing. The outbox's
 *   jobs are added after COMMIT.
 * - Scheduling: one BullMQ delayed job per next occurrence, id `reminder-<id>-o<epoch ms>`, and one
 *   per pending follow-up (`…-followup`). Not BullMQ job schedulers: their repeat options know cron
 *   and `every` but not RRULE or moving an occurrence off a Chinese holiday, the preview
 *   (`/next`) must be exactly what is sent (one calculation, ours), and a scheduler keeps its own
 *   state in the queue, a second truth that a lost Redis loses. A delayed job derived from the row
 *   is recreated from the row; pause, resume and delete are row updates, and a stale job finds the
 *   row changed and does nothing.
 * - Reconciler (`reconcile`, at start and every minute): fires every active reminder whose
 *   `next_at` has passed, sends or records overdue follow-ups, and re-adds lost jobs.
 * - Catch-up policy: an occurrence found less than `catchUpMs` (default 6 h) late is sent late; an
 *   older one is recorded as `missed` (visible in GET /reminders/:id) and not sent; the reminder
 *   goes on with its next occurrence. The same applies to follow-ups.
 * - Quiet hours: reminder messages are not urgent, so the outbox holds any that fall inside quiet
 *   hours until they end.
 */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('group'), orgId: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('role'), orgId: z.number().int().positive(), role: z.enum(ROLES) }),
  z.strictObject({
    kind: z.literal('people'),
    personIds: z.array(z.number().int().positive()).min(1).max(1000),
  }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export const createReminderBody = z.strictObject({
  orgId: z.number().int().positive(),
  audience: audienceSchema,
  text: z.string().trim().min(1).max(2000),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  schedule: scheduleSchema,
  skipHolidays: skipHolidaysSchema.optional(),
  ack: z.strictObject({ followUpAfterHours: z.number().positive().max(720).optional() }).optional(),
});
export type CreateReminderBody = z.infer<typeof createReminderBody>;

export interface ReminderRow {
  id: number;
  org_id: number;
  audience: Audience;
  text: string;
  locale: Locale;
  schedule: Schedule;
  holiday_policy: HolidayPolicy;
  ack: boolean;
  follow_up_hours: string | null;
  status: 'active' | 'paused' | 'done' | 'deleted';
  next_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

interface OccurrenceRow {
  reminder_id: number;
  at: Date;
  status: 'sent' | 'missed';
  recipients: number;
  follow_up_at: Date | null;
  follow_up_status: 'sent' | 'missed' | 'cancelled' | null;
}

export type AckOutcome = 'acked' | 'already' | 'not_recipient' | 'gone';

const HOUR = 3_600_000;
/** Chat button payload of an acknowledgement: `rm:<reminder>:<occurrence epoch ms>`. */
export const ackPayload = (reminderId: number, at: Date) => `rm:${reminderId}:${at.getTime()}`;
export const ACK_PAYLOAD = /^rm:(\d+):(\d+)$/;

const occurrenceJobId = (id: number, at: Date) => jobId('reminder', id, `o${at.getTime()}`);
const followUpJobId = (id: number, at: Date) => jobId('reminder', id, `o${at.getTime()}`, 'followup');

const TEXTS = {
  'zh-CN': {
    ack: '收到',
    followUp: '【提醒·请确认】',
    ackHint: '请点“收到”确认。',
    groupHint: '请回复“收到”确认。',
  },
  en: {
    ack: 'Got it (收到)',
    followUp: '[Reminder · please confirm] ',
    ackHint: 'Please press “Got it”.',
    groupHint: 'Please reply “收到” to confirm.',
  },
} as const;

interface Target {
  channel: ChannelName;
  externalId: string;
  kind: 'group' | 'private';
  personId: number | null;
}

export class ReminderService {
  private readonly catchUpMs: number;

  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend | null,
    private readonly outbox: Outbox | null,
    private readonly opts: { now?: () => Date; catchUpMs?: number } = {},
  ) {
    this.catchUpMs = opts.catchUpMs ?? 6 * HOUR;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  // -------------------------------------------------------------------------------------------
  // API

  async create(actor: Actor, body: CreateReminderBody): Promise<ReturnType<typeof view>> {
    const now = this.now();
    const policy = holidayPolicyOf(body.skipHolidays);
    await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    checkTemplate(body.text);
    const schedule = pinStart(body.schedule, now);
    const compiled = compileSchedule(schedule, policy, now);
    if ('at' in body.schedule && new Date(body.schedule.at) <= now) {
      throw badRequest('The time is in the past', [{ field: 'schedule.at', message: 'in the past' }]);
    }
    const next = compiled.next(now);
    if (!next) {
      throw badRequest('The schedule has no occurrence after now', [
        {
          field: policy === 'skip' ? 'skipHolidays' : 'schedule',
          message:
            policy === 'skip'
              ? 'every remaining occurrence falls on a day off'
              : 'no occurrence after now (ended, or never matches a date)',
        },
      ]);
    }
    if (body.ack?.followUpAfterHours !== undefined && body.audience.kind === 'group') {
      throw badRequest('A group has no list of recipients to follow up', [
        {
          field: 'ack.followUpAfterHours',
          message:
            'follow-ups go privately to a role or listed people; a group audience can only ask for 收到',
        },
      ]);
    }
    await this.checkAudience(actor.principal, body.orgId, body.audience);
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ReminderRow>(
        `INSERT INTO linli.reminders (org_id, audience, text, locale, schedule, holiday_policy, ack, follow_up_hours,
           next_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          body.orgId,
          JSON.stringify(body.audience),
          body.text,
          body.locale,
          JSON.stringify(schedule),
          policy,
          body.ack !== undefined,
          body.ack?.followUpAfterHours ?? null,
          next,
          actor.principal.label,
        ],
      );
      const created = rows[0]!;
      await recordAudit(tx, actor, {
        action: 'reminder.create',
        objectType: 'reminder',
        objectId: created.id,
        orgId: created.org_id,
        after: view(created),
      });
      return created;
    });
    await this.scheduleNext(row);
    return view(row);
  }

  async get(p: Principal, id: number) {
    const r = await this.visible(p, id);
    const { rows } = await this.db.query<OccurrenceRow & { acked: number; addressed: number }>(
      `SELECT o.*, (SELECT count(*) FROM linli.reminder_receipts x
                    WHERE x.reminder_id = o.reminder_id AND x.at = o.at AND x.acked_at IS NOT NULL)::int AS acked
       FROM linli.reminder_occurrences o WHERE o.reminder_id = $1 ORDER BY o.at DESC LIMIT 50`,
      [id],
    );
    return {
      ...view(r),
      occurrences: rows.map((o) => ({
        at: o.at,
        status: o.status,
        recipients: o.recipients,
        acknowledged: o.acked,
        followUpAt: o.follow_up_at,
        followUpStatus: o.follow_up_status,
      })),
    };
  }

  async list(p: Principal, f: { orgId?: number; status?: string; limit: number; cursor?: string }) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const params: unknown[] = [];
    const where = [`r.status <> 'deleted'`];
    const scope = scopeOrgId(p);
    if (scope !== null) {
      params.push(scope);
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
    const after = decodeCursor(f.cursor);
    if (after !== null) {
      params.push(after);
      where.push(`r.id < $${params.length}`);
    }
    params.push(f.limit + 1);
    const { rows } = await this.db.query<ReminderRow>(
      `SELECT r.* FROM linli.reminders r JOIN linli.orgs o ON o.id = r.org_id
       WHERE ${where.join(' AND ')} ORDER BY r.id DESC LIMIT $${params.length}`,
      params,
    );
    const p2 = page(rows, f.limit);
    return { items: p2.items.map(view), nextCursor: p2.nextCursor };
  }

  /** Pause (stale jobs then do nothing) or resume (from the first occurrence after now: no catch-up). */
  async setStatus(actor: Actor, id: number, status: 'active' | 'paused') {
    await this.visible(actor.principal, id);
    assertWriter(actor.principal);
    const updated = await this.db.transaction(async (tx) => {
      const cur = await lockReminder(tx, id);
      if (!cur || cur.status === 'deleted') throw notFound('reminder', id);
      if (cur.status === 'done' || cur.status === status) return cur;
      const next = status === 'active' ? this.compiled(cur).next(this.now()) : cur.next_at;
      const { rows } = await tx.query<ReminderRow>(
        `UPDATE linli.reminders SET status = $2, next_at = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, status === 'active' && !next ? 'done' : status, next],
      );
      await recordAudit(tx, actor, {
        action: status === 'active' ? 'reminder.resume' : 'reminder.pause',
        objectType: 'reminder',
        objectId: id,
        orgId: cur.org_id,
        before: { status: cur.status },
        after: { status: rows[0]!.status },
      });
      return rows[0]!;
    });
    await this.scheduleNext(updated);
    return view(updated);
  }

  /** Soft delete: history stays for the audit; pending jobs and follow-ups do nothing. */
  async remove(actor: Actor, id: number): Promise<void> {
    const r = await this.visible(actor.principal, id);
    assertWriter(actor.principal);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE linli.reminders SET status = 'deleted', next_at = NULL, updated_at = now() WHERE id = $1`,
        [id],
      );
      await recordAudit(tx, actor, {
        action: 'reminder.delete',
        objectType: 'reminder',
        objectId: id,
        orgId: r.org_id,
        before: view(r),
      });
    });
  }

  /** The next `count` occurrences after now, holiday moves applied (what will be sent). */
  async preview(p: Principal, id: number, count: number) {
    const r = await this.visible(p, id);
    const tz = tzOf(r.schedule);
    const items = this.compiled(r)
      .after(this.now(), count)
      .map((at) => ({
        at,
        local: localText(at, tz),
        date: civilDate(at, tz),
        weekday: wallOf(at, tz).weekday,
      }));
    return { status: r.status, timeZone: tz, items };
  }

  // -------------------------------------------------------------------------------------------
  // Delivery

  /**
   * The worker's and the reconciler's one entry for an occurrence: sends it if the reminder is
   * active with `next_at` = `at`, `at` has come, and nobody claimed it yet; a late, duplicate or
   * stale call does nothing. Returns what happened.
   */
  async fire(reminderId: number, at: Date, now = this.now()): Promise<'sent' | 'missed' | 'skipped'> {
    const send: { channel: ChannelName; id: number; notBefore: Date }[] = [];
    const outcome = await this.db.transaction(async (tx) => {
      const r = await lockReminder(tx, reminderId);
      if (r?.status !== 'active' || r.next_at?.getTime() !== at.getTime()) return null;
      if (at.getTime() > now.getTime() + 2000) return null; // early: its job or the reconciler comes back
      const missed = now.getTime() - at.getTime() > this.catchUpMs;
      const followUpAt =
        !missed && r.ack && r.follow_up_hours !== null
          ? new Date(at.getTime() + Number(r.follow_up_hours) * HOUR)
          : null;
      const claimed = await tx.query(
        `INSERT INTO linli.reminder_occurrences (reminder_id, at, status, claimed_at, follow_up_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING at`,
        [r.id, at, missed ? 'missed' : 'sent', now, followUpAt],
      );
      const next = this.compiled(r).next(at);
      const { rows } = await tx.query<ReminderRow>(
        `UPDATE linli.reminders SET next_at = $2, status = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [r.id, next, next ? 'active' : 'done'],
      );
      if (claimed.rows.length === 0) return { row: rows[0]!, status: 'skipped' as const, followUpAt: null };
      if (!missed) {
        const targets = await this.targets(tx, r.audience);
        const text = await this.render(tx, r, at);
        const choices = r.ack ? [{ label: TEXTS[r.locale].ack, payload: ackPayload(r.id, at) }] : undefined;
        for (const t of targets) {
          const d = await this.insertMessage(tx, r, t, text, choices, `reminder-${r.id}-o${at.getTime()}`);
          if (d) send.push(d);
          if (t.personId !== null) {
            await tx.query(
              `INSERT INTO linli.reminder_receipts (reminder_id, at, person_id, addressed) VALUES ($1, $2, $3, true)
               ON CONFLICT DO NOTHING`,
              [r.id, at, t.personId],
            );
          }
        }
        await tx.query(
          'UPDATE linli.reminder_occurrences SET recipients = $3 WHERE reminder_id = $1 AND at = $2',
          [r.id, at, targets.length],
        );
      }
      return { row: rows[0]!, status: missed ? ('missed' as const) : ('sent' as const), followUpAt };
    });
    if (!outcome) return 'skipped';
    for (const d of send) await this.outbox?.schedule(d.channel, d.id, d.notBefore);
    await this.scheduleNext(outcome.row, now);
    if (outcome.followUpAt) await this.scheduleFollowUp(reminderId, at, outcome.followUpAt, now);
    return outcome.status;
  }

  /** Sends the follow-up of an occurrence to its addressed recipients who have not acknowledged. */
  async followUp(
    reminderId: number,
    at: Date,
    now = this.now(),
  ): Promise<'sent' | 'missed' | 'cancelled' | 'skipped'> {
    const send: { channel: ChannelName; id: number; notBefore: Date }[] = [];
    const outcome = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<OccurrenceRow>(
        `SELECT * FROM linli.reminder_occurrences WHERE reminder_id = $1 AND at = $2 FOR UPDATE`,
        [reminderId, at],
      );
      const o = rows[0];
      if (o?.status !== 'sent' || !o.follow_up_at || o.follow_up_status !== null) return null;
      if (o.follow_up_at.getTime() > now.getTime() + 2000) return null;
      const r = await lockReminder(tx, reminderId);
      const status =
        !r || r.status === 'deleted'
          ? 'cancelled'
          : now.getTime() - o.follow_up_at.getTime() > this.catchUpMs
            ? 'missed'
            : 'sent';
      await tx.query(
        `UPDATE linli.reminder_occurrences SET follow_up_status = $3, follow_up_done_at = $4
         WHERE reminder_id = $1 AND at = $2`,
        [reminderId, at, status, now],
      );
      if (status !== 'sent' || !r) return status;
      const { rows: pending } = await tx.query<{ person_id: number }>(
        `UPDATE linli.reminder_receipts SET followed_up_at = $3
         WHERE reminder_id = $1 AND at = $2 AND addressed AND acked_at IS NULL RETURNING person_id`,
        [reminderId, at, now],
      );
      if (pending.length === 0) return status;
      const text = `${TEXTS[r.locale].followUp}${await this.render(tx, r, at)}\n${TEXTS[r.locale].ackHint}`;
      const targets = await this.personTargets(
        tx,
        pending.map((p) => p.person_id),
      );
      const choices = [{ label: TEXTS[r.locale].ack, payload: ackPayload(r.id, at) }];
      for (const t of targets) {
        const d = await this.insertMessage(tx, r, t, text, choices, `reminder-${r.id}-o${at.getTime()}-f`);
        if (d) send.push(d);
      }
      return status;
    });
    for (const d of send) await this.outbox?.schedule(d.channel, d.id, d.notBefore);
    return outcome ?? 'skipped';
  }

  /**
   * A 收到 press or numbered reply: recorded once per person per occurrence. An addressed
   * recipient acknowledges anywhere; in a group audience, anyone writing in one of the org's
   * residents' groups may.
   */
  async acknowledge(
    personId: number,
    reminderId: number,
    at: Date,
    chat: { channel: ChannelName; externalId: string },
  ): Promise<AckOutcome> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ audience: Audience; status: string }>(
        `SELECT r.audience, r.status FROM linli.reminder_occurrences o JOIN linli.reminders r ON r.id = o.reminder_id
         WHERE o.reminder_id = $1 AND o.at = $2 AND o.status = 'sent'`,
        [reminderId, at],
      );
      const r = rows[0];
      if (!r || r.status === 'deleted') return 'gone';
      const receipt = await tx.query<{ acked_at: Date | null }>(
        `SELECT acked_at FROM linli.reminder_receipts WHERE reminder_id = $1 AND at = $2 AND person_id = $3 FOR UPDATE`,
        [reminderId, at, personId],
      );
      if (receipt.rows[0]) {
        if (receipt.rows[0].acked_at) return 'already';
        await tx.query(
          `UPDATE linli.reminder_receipts SET acked_at = $4 WHERE reminder_id = $1 AND at = $2 AND person_id = $3`,
          [reminderId, at, personId, this.now()],
        );
        return 'acked';
      }
      if (r.audience.kind !== 'group') return 'not_recipient';
      const inGroup = await tx.query(
        `SELECT 1 FROM linli.chats WHERE org_id = $1 AND purpose = 'residents' AND channel = $2 AND external_chat_id = $3`,
        [r.audience.orgId, chat.channel, chat.externalId],
      );
      if (inGroup.rows.length === 0) return 'not_recipient';
      await tx.query(
        `INSERT INTO linli.reminder_receipts (reminder_id, at, person_id, addressed, acked_at)
         VALUES ($1, $2, $3, false, $4) ON CONFLICT DO NOTHING`,
        [reminderId, at, personId, this.now()],
      );
      return 'acked';
    });
  }

  /**
   * A resident's plain 收到 in a residents' group (WeChat groups cannot answer numbered choices):
   * acknowledges the latest group reminder with 收到 sent to that group's org within `withinMs`.
   * Null when there is none (the message is then not about a reminder).
   */
  async acknowledgeInGroup(
    personId: number,
    chat: { channel: ChannelName; externalId: string },
    withinMs = 24 * HOUR,
  ): Promise<AckOutcome | null> {
    const { rows } = await this.db.query<{ reminder_id: number; at: Date }>(
      `SELECT o.reminder_id, o.at
       FROM linli.chats c
       JOIN linli.reminders r ON r.audience->>'kind' = 'group' AND (r.audience->>'orgId')::bigint = c.org_id
       JOIN linli.reminder_occurrences o ON o.reminder_id = r.id
       WHERE c.channel = $1 AND c.external_chat_id = $2 AND c.purpose = 'residents'
         AND r.ack AND r.status <> 'deleted' AND o.status = 'sent' AND o.claimed_at > $3
       ORDER BY o.at DESC LIMIT 1`,
      [chat.channel, chat.externalId, new Date(this.now().getTime() - withinMs)],
    );
    const o = rows[0];
    return o ? this.acknowledge(personId, o.reminder_id, o.at, chat) : null;
  }

  /**
   * At start and every minute (and with an explicit `now` in tests): fires every due occurrence
   * (late ones by the catch-up policy), handles due follow-ups, and re-adds the jobs of future
   * ones that the queue lost.
   */
  async reconcile(now = this.now()): Promise<{ fired: number; followUps: number; rescheduled: number }> {
    let fired = 0;
    let followUps = 0;
    let rescheduled = 0;
    const due = await this.db.query<{ id: number }>(
      `SELECT id FROM linli.reminders WHERE status = 'active' AND next_at <= $1 ORDER BY id`,
      [now],
    );
    for (const { id } of due.rows) {
      // several occurrences may have passed while nobody ran: each is sent or recorded as missed
      for (let i = 0; i < 1000; i++) {
        const { rows } = await this.db.query<{ next_at: Date | null; status: string }>(
          'SELECT next_at, status FROM linli.reminders WHERE id = $1',
          [id],
        );
        const at = rows[0]?.next_at;
        if (!at || rows[0]?.status !== 'active' || at > now) break;
        if ((await this.fire(id, at, now)) === 'skipped') break;
        fired++;
      }
    }
    const dueFollowUps = await this.db.query<{ reminder_id: number; at: Date }>(
      `SELECT reminder_id, at FROM linli.reminder_occurrences
       WHERE follow_up_at IS NOT NULL AND follow_up_status IS NULL AND follow_up_at <= $1 ORDER BY follow_up_at`,
      [now],
    );
    for (const o of dueFollowUps.rows)
      if ((await this.followUp(o.reminder_id, o.at, now)) !== 'skipped') followUps++;
    if (!this.queues) return { fired, followUps, rescheduled };
    const q = this.queues.queue(QueueName.reminders);
    // paged by id, so memory stays flat with many reminders
    for (let after = 0; ; ) {
      const { rows } = await this.db.query<ReminderRow>(
        `SELECT * FROM linli.reminders WHERE status = 'active' AND next_at > $1 AND id > $2 ORDER BY id LIMIT 500`,
        [now, after],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      for (const r of rows) {
        if (!(await q.getJob(occurrenceJobId(r.id, r.next_at!)))) {
          await this.scheduleNext(r, now);
          rescheduled++;
        }
      }
    }
    const pendingFollowUps = await this.db.query<{ reminder_id: number; at: Date; follow_up_at: Date }>(
      `SELECT reminder_id, at, follow_up_at FROM linli.reminder_occurrences
       WHERE follow_up_at IS NOT NULL AND follow_up_status IS NULL AND follow_up_at > $1`,
      [now],
    );
    for (const o of pendingFollowUps.rows) {
      if (!(await q.getJob(followUpJobId(o.reminder_id, o.at)))) {
        await this.scheduleFollowUp(o.reminder_id, o.at, o.follow_up_at, now);
        rescheduled++;
      }
    }
    return { fired, followUps, rescheduled };
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private compiled(r: ReminderRow): CompiledSchedule {
    return compileSchedule(r.schedule, r.holiday_policy, r.created_at);
  }

  private async scheduleNext(r: ReminderRow, now = this.now()): Promise<void> {
    if (!this.queues || r.status !== 'active' || !r.next_at) return;
    await this.queues.add(
      QueueName.reminders,
      'occurrence',
      { reminderId: r.id, at: r.next_at.getTime() },
      {
        jobId: occurrenceJobId(r.id, r.next_at),
        delay: Math.max(0, r.next_at.getTime() - now.getTime()),
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  private async scheduleFollowUp(id: number, at: Date, followUpAt: Date, now: Date): Promise<void> {
    if (!this.queues) return;
    await this.queues.add(
      QueueName.reminders,
      'follow-up',
      { reminderId: id, at: at.getTime() },
      {
        jobId: followUpJobId(id, at),
        delay: Math.max(0, followUpAt.getTime() - now.getTime()),
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  private async insertMessage(
    tx: Queryable,
    r: ReminderRow,
    t: Target,
    text: string,
    choices: Choice[] | undefined,
    keyPrefix: string,
  ): Promise<{ channel: ChannelName; id: number; notBefore: Date } | null> {
    if (!this.outbox) return null;
    // a WeChat group cannot answer numbered choices (no one is @-mentioned): residents reply 收到
    const wechatGroup = t.kind === 'group' && t.channel === 'wechat';
    const req: OutboundRequest = {
      channel: t.channel,
      message: {
        chat: { externalId: t.externalId, kind: t.kind },
        text: wechatGroup && choices ? `${text}\n${TEXTS[r.locale].groupHint}` : text,
        choices: wechatGroup ? undefined : choices,
      },
      idempotencyKey:
        t.personId !== null ? `${keyPrefix}-p${t.personId}` : `${keyPrefix}-g-${t.channel}-${t.externalId}`,
      orgId: r.org_id,
      personId: t.personId,
    };
    const d = await this.outbox.insert(tx, req);
    return d.created ? { channel: t.channel, id: d.id, notBefore: d.notBefore } : null;
  }

  private async render(q: Queryable, r: ReminderRow, at: Date): Promise<string> {
    const { rows } = await q.query<{ name: string }>('SELECT name FROM linli.orgs WHERE id = $1', [r.org_id]);
    return renderTemplate(r.text, {
      at,
      timeZone: tzOf(r.schedule),
      org: rows[0]?.name ?? '',
      locale: r.locale,
    });
  }

  /** Who an audience reaches now: residents' groups, or people with a channel identity (first one). */
  private async targets(q: Queryable, a: Audience): Promise<Target[]> {
    if (a.kind === 'group') {
      return (await residentsGroups(q, a.orgId)).map((c) => ({
        channel: c.channel,
        externalId: c.external_chat_id,
        kind: 'group',
        personId: null,
      }));
    }
    if (a.kind === 'role') {
      const { rows } = await q.query<{ person_id: number }>(
        `SELECT DISTINCT ra.person_id FROM linli.role_assignments ra JOIN linli.orgs o ON o.id = ra.org_id
         WHERE o.path @> ARRAY[$1]::bigint[] AND ra.role = $2`,
        [a.orgId, a.role],
      );
      return this.personTargets(
        q,
        rows.map((r) => r.person_id),
      );
    }
    return this.personTargets(q, a.personIds);
  }

  private async personTargets(q: Queryable, personIds: number[]): Promise<Target[]> {
    return (await privateAddresses(q, personIds)).map((r) => ({
      channel: r.channel,
      externalId: r.external_id,
      kind: 'private',
      personId: r.person_id,
    }));
  }

  /** 404 for an audience org or person outside the token's subtree; 400 naming the field when it reaches nobody. */
  private async checkAudience(p: Principal, orgId: number, a: Audience): Promise<void> {
    const nobody = (field: string, message: string) =>
      badRequest(`The audience reaches nobody: ${message}`, [{ field, message }]);
    if (a.kind !== 'people') {
      const org = await requireOrg(this.db, p, a.orgId, { field: 'audience.orgId' });
      if (!org.path.includes(orgId)) {
        throw badRequest('The audience org is not inside the reminder’s org', [
          { field: 'audience.orgId', message: `org ${a.orgId} is not in the subtree of org ${orgId}` },
        ]);
      }
    } else {
      await requirePeople(this.db, p, a.personIds, 'audience.personIds');
    }
    const targets = await this.targets(this.db, a);
    if (targets.length === 0) {
      throw a.kind === 'group'
        ? nobody('audience', `org ${a.orgId} has no residents' group bound`)
        : a.kind === 'role'
          ? nobody(
              'audience.role',
              `nobody holding ${a.role} in org ${a.orgId}'s subtree has a chat identity`,
            )
          : nobody('audience.personIds', 'none of these people has a chat identity');
    }
  }

  private async visible(p: Principal, id: number): Promise<ReminderRow> {
    const { rows } = await this.db.query<ReminderRow>(
      `SELECT * FROM linli.reminders WHERE id = $1 AND status <> 'deleted'`,
      [id],
    );
    const r = rows[0];
    if (!r) throw notFound('reminder', id);
    assertCanSee(p, await orgPath(this.db, r.org_id), 'reminder', id);
    return r;
  }
}

/**
 * An RRULE without a start counts from its creation: that start is written into the stored
 * schedule (`start`, local to the minute), so every later calculation gives the same series.
 */
function pinStart(s: Schedule, now: Date): Schedule {
  if (!('rrule' in s) || s.start !== undefined || /DTSTART/i.test(s.rrule)) return s;
  return { ...s, start: localText(now, s.tz).replace(' ', 'T') };
}

function tzOf(s: Schedule): string {
  return 'tz' in s ? s.tz : DEFAULT_TZ;
}

function localText(at: Date, tz: string): string {
  const w = wallOf(at, tz);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${civilDate(at, tz)} ${pad(w.hour)}:${pad(w.minute)}`;
}

function view(r: ReminderRow) {
  return {
    id: r.id,
    orgId: r.org_id,
    audience: r.audience,
    text: r.text,
    locale: r.locale,
    schedule: r.schedule,
    skipHolidays: r.holiday_policy,
    ack: r.ack ? { followUpAfterHours: r.follow_up_hours === null ? null : Number(r.follow_up_hours) } : null,
    status: r.status,
    nextAt: r.status === 'active' ? r.next_at : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

async function lockReminder(tx: Queryable, id: number): Promise<ReminderRow | undefined> {
  const { rows } = await tx.query<ReminderRow>('SELECT * FROM linli.reminders WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0];
}
