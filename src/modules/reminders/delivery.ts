import type { Choice } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { deadlineLateness, secondsLate } from '../../kernel/metrics/metrics.js';
import type { Occurrence } from '../../kernel/moments/moment.js';
import { Moments } from '../../kernel/moments/moments.js';
import type { AfterCommit, OutboundRequest, Outbox } from '../../kernel/outbox/outbox.js';
import type { UnreachedHandler } from '../../kernel/outbox/reach.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { personTargets, type Target, targets } from './audience.js';
import { ackPayload } from './commands/acknowledge.js';
import { type OccurrenceRef, reminderMoments } from './moments.js';
import {
  advanceReminder,
  claimOccurrence,
  dueFollowUps,
  dueReminderIds,
  futureReminders,
  insertAddressedReceipt,
  lockOccurrence,
  lockReminder,
  markFollowedUp,
  markUnreachable,
  orgName,
  pendingFollowUps,
  type ReminderRow,
  reminderNext,
  setFollowUpStatus,
  setRecipients,
} from './repository.js';
import { tzOf } from './schedule.js';
import { renderTemplate } from './template.js';
import { compiledOf } from './timing.js';

/**
 * Delivery contract:
 * - `reminders.next_at` is the next occurrence not yet claimed (the source of truth). An occurrence
 *   is claimed by `INSERT INTO reminder_occurrences … ON CONFLICT DO NOTHING` in the transaction
 *   that writes its deliveries (through `Outbox.insert`, keyed per occurrence and recipient) and
 *   advances `next_at`; whoever inserts the row sends, everyone else does nothing. The outbox's
 *   jobs are added after COMMIT.
 * - Scheduling: one BullMQ delayed job per next occurrence, id `reminder-<id>-o<epoch ms>`, and one
 *   per pending follow-up (`…-followup`): the two moments of ./moments.ts, added through the
 *   kernel's `Moments`. Not BullMQ job schedulers: their repeat options know cron
 *   and `every` but not RRULE or moving an occurrence off a Chinese holiday, the preview
 *   (`/next`) must be exactly what is sent (one calculation, ours), and a scheduler keeps its own
 *   state in the queue, a second truth that a lost Redis loses. A delayed job derived from the row
 *   is recreated from the row; pause, resume and delete are row updates, and a stale job finds the
 *   row changed and does nothing.
 * - Reconciler (`reconcile`, at start and every minute): fires every active reminder whose
 *   `next_at` has passed, sends or records overdue follow-ups, and re-adds lost jobs (probed in
 *   batches, a page of reminders at a time).
 * - Catch-up policy: an occurrence found less than `catchUpMs` (default 6 h) late is sent late; an
 *   older one is recorded as `missed` (visible in GET /reminders/:id) and not sent; the reminder
 *   goes on with its next occurrence. The same applies to follow-ups.
 * - Quiet hours: reminder messages are not urgent, so the outbox holds any that fall inside quiet
 *   hours until they end.
 */

const HOUR = 3_600_000;

/**
 * A reminder that reached nobody (subject `reminder:<id>:<occurrence ms>`, kernel/outbox/reach.ts):
 * the recipient's receipt is marked unreachable with the reason. Reminders have no group fallback:
 * one addressed to a person may be theirs alone (a fee notice).
 */
export const reminderUnreached: UnreachedHandler = async (tx, d) => {
  const [, id, at] = d.subject.split(':');
  if (d.personId === null || !id || !at) return;
  await markUnreachable(tx, Number(id), new Date(Number(at)), d.personId, d.reason);
};

/** The job a reminder's next occurrence needs (an active row with `next_at`). */
const nextOccurrence = (id: number, nextAt: Date): Occurrence<OccurrenceRef> => ({
  data: { reminderId: id, at: nextAt.getTime() },
  at: nextAt,
});

/** The job an occurrence's follow-up needs, due at `followUpAt`. */
const followUpOccurrence = (id: number, at: Date, followUpAt: Date): Occurrence<OccurrenceRef> => ({
  data: { reminderId: id, at: at.getTime() },
  at: followUpAt,
});

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

export class ReminderDelivery {
  /** The occurrence and follow-up moments; their `fire` is this class's (for the worker). */
  readonly moments = reminderMoments({
    fire: (id, at) => this.fire(id, at),
    followUp: (id, at) => this.followUp(id, at),
  });

  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    private readonly catchUpMs: number,
  ) {}

  /**
   * Adds and probes the jobs, delays counted from `now` (the caller's clock: a reconcile with an
   * explicit `now` schedules from it).
   */
  private scheduler(now: Date): Moments {
    return new Moments(this.queues, () => now);
  }

  /**
   * The worker's and the reconciler's one entry for an occurrence: sends it if the reminder is
   * active with `next_at` = `at`, `at` has come, and nobody claimed it yet; a late, duplicate or
   * stale call does nothing. Returns what happened.
   */
  async fire(reminderId: number, at: Date, now = this.now()): Promise<'sent' | 'missed' | 'skipped'> {
    const send: AfterCommit[] = [];
    const outcome = await this.db.transaction(async (tx) => {
      const r = await lockReminder(tx, reminderId);
      if (r?.status !== 'active' || r.next_at?.getTime() !== at.getTime()) return null;
      if (at.getTime() > now.getTime() + 2000) return null; // early: its job or the reconciler comes back
      const missed = now.getTime() - at.getTime() > this.catchUpMs;
      const followUpAt =
        !missed && r.ack && r.follow_up_hours !== null
          ? new Date(at.getTime() + Number(r.follow_up_hours) * HOUR)
          : null;
      const claimed = await claimOccurrence(tx, {
        reminderId: r.id,
        at,
        status: missed ? 'missed' : 'sent',
        claimedAt: now,
        followUpAt,
      });
      const next = compiledOf(r).next(at);
      const row = await advanceReminder(tx, r.id, next, next ? 'active' : 'done');
      if (!claimed) return { row, status: 'skipped' as const, followUpAt: null };
      if (!missed) {
        const to = await targets(tx, r.audience);
        const text = await this.render(tx, r, at);
        const choices = r.ack ? [{ label: TEXTS[r.locale].ack, payload: ackPayload(r.id, at) }] : undefined;
        for (const t of to) {
          send.push(
            await this.stageMessage(tx, r, t, text, choices, `reminder-${r.id}-o${at.getTime()}`, at),
          );
          if (t.personId !== null) await insertAddressedReceipt(tx, r.id, at, t.personId);
        }
        await setRecipients(tx, r.id, at, to.length);
      }
      return { row, status: missed ? ('missed' as const) : ('sent' as const), followUpAt };
    });
    if (!outcome) return 'skipped';
    if (outcome.status === 'sent') deadlineLateness.observe({ kind: 'reminder' }, secondsLate(at, now));
    for (const afterCommit of send) await afterCommit();
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
    const send: AfterCommit[] = [];
    const outcome = await this.db.transaction(async (tx) => {
      const o = await lockOccurrence(tx, reminderId, at);
      if (o?.status !== 'sent' || !o.follow_up_at || o.follow_up_status !== null) return null;
      if (o.follow_up_at.getTime() > now.getTime() + 2000) return null;
      const r = await lockReminder(tx, reminderId);
      const status =
        !r || r.status === 'deleted'
          ? 'cancelled'
          : now.getTime() - o.follow_up_at.getTime() > this.catchUpMs
            ? 'missed'
            : 'sent';
      await setFollowUpStatus(tx, reminderId, at, status, now);
      if (status !== 'sent' || !r) return status;
      const pending = await markFollowedUp(tx, reminderId, at, now);
      if (pending.length === 0) return status;
      const text = `${TEXTS[r.locale].followUp}${await this.render(tx, r, at)}\n${TEXTS[r.locale].ackHint}`;
      const to = await personTargets(tx, pending);
      const choices = [{ label: TEXTS[r.locale].ack, payload: ackPayload(r.id, at) }];
      for (const t of to)
        send.push(
          await this.stageMessage(tx, r, t, text, choices, `reminder-${r.id}-o${at.getTime()}-f`, at),
        );
      return status;
    });
    for (const afterCommit of send) await afterCommit();
    return outcome ?? 'skipped';
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
    for (const id of await dueReminderIds(this.db, now)) {
      // several occurrences may have passed while nobody ran: each is sent or recorded as missed
      for (let i = 0; i < 1000; i++) {
        const r = await reminderNext(this.db, id);
        const at = r?.next_at;
        if (!at || r?.status !== 'active' || at > now) break;
        if ((await this.fire(id, at, now)) === 'skipped') break;
        fired++;
      }
    }
    for (const o of await dueFollowUps(this.db, now))
      if ((await this.followUp(o.reminder_id, o.at, now)) !== 'skipped') followUps++;
    const moments = this.scheduler(now);
    // paged by id, so memory stays flat with many reminders; each page probed in one batch
    for (let after = 0; ; ) {
      const rows = await futureReminders(this.db, now, after);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const lost = await moments.ensure(
        this.moments.occurrence,
        rows.map((r) => nextOccurrence(r.id, r.next_at!)),
      );
      rescheduled += lost.length;
    }
    const pending = await pendingFollowUps(this.db, now);
    const lost = await moments.ensure(
      this.moments.followUp,
      pending.map((o) => followUpOccurrence(o.reminder_id, o.at, o.follow_up_at)),
    );
    rescheduled += lost.length;
    return { fired, followUps, rescheduled };
  }

  /** The delayed job of a reminder's next occurrence (after COMMIT; none unless active). */
  async scheduleNext(r: ReminderRow, now = this.now()): Promise<void> {
    if (r.status !== 'active' || !r.next_at) return;
    await this.scheduler(now).schedule(this.moments.occurrence, [nextOccurrence(r.id, r.next_at)]);
  }

  private async scheduleFollowUp(id: number, at: Date, followUpAt: Date, now: Date): Promise<void> {
    await this.scheduler(now).schedule(this.moments.followUp, [followUpOccurrence(id, at, followUpAt)]);
  }

  private async stageMessage(
    tx: Queryable,
    r: ReminderRow,
    t: Target,
    text: string,
    choices: Choice[] | undefined,
    keyPrefix: string,
    at: Date,
  ): Promise<AfterCommit> {
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
      // a person it cannot reach is marked on their receipt (reminderUnreached)
      ...(t.personId !== null ? { subject: `reminder:${r.id}:${at.getTime()}` } : {}),
    };
    return this.outbox.stage(tx, [req]);
  }

  private async render(q: Queryable, r: ReminderRow, at: Date): Promise<string> {
    const org = await orgName(q, r.org_id);
    return renderTemplate(r.text, {
      at,
      timeZone: tzOf(r.schedule),
      org: org ?? '',
      locale: r.locale,
    });
  }
}
