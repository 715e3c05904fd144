import { z } from 'zod';
import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, notFound } from '../../../kernel/access/errors.js';
import { requireOrg, requirePeople } from '../../../kernel/access/in-scope.js';
import { type Actor, assertWriter, type Principal } from '../../../kernel/access/principal.js';
import type { ChannelName } from '../../../kernel/chat/port.js';
import type { Db } from '../../../kernel/db/db.js';
import type { AnyMoment } from '../../../kernel/moments/moment.js';
import type { Outbox } from '../../../kernel/outbox/outbox.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { civilDate, wallOf } from '../../../kernel/time/zone.js';
import { type Audience, audienceSchema, targets } from '../audience.js';
import { ReminderDelivery } from '../delivery.js';
import { getReminder, listReminders, previewReminder, view, visibleReminder } from '../queries/reminders.js';
import {
  insertReminder,
  isLive,
  lockReminder,
  markReminderDeleted,
  setReminderStatus,
} from '../repository.js';
import { compileSchedule, holidayPolicyOf, scheduleSchema, skipHolidaysSchema, tzOf } from '../schedule.js';
import { checkTemplate } from '../template.js';
import { compiledOf, localText, pinStart } from '../timing.js';
import { type AckOutcome, acknowledge, acknowledgeInGroup } from './acknowledge.js';

/**
 * Reminders: a schedule, an audience, a text template, optionally an acknowledgement (收到) with a
 * follow-up to those who have not acknowledged after N hours.
 *
 * `ReminderService` is the module's one face (app/modules.ts, the worker, the HTTP routes and the
 * chat call it): creating, pausing, resuming and deleting live here; sending an occurrence or a
 * follow-up, the jobs and the reconciler (the delivery contract) in ../delivery.ts; 收到 in
 * ./acknowledge.ts; reading in ../queries/reminders.ts.
 */
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

/** POST /reminders/preview: a schedule as the create body takes it, checked and unrolled, saved nowhere. */
export const previewScheduleBody = z.strictObject({
  schedule: scheduleSchema,
  skipHolidays: skipHolidaysSchema.optional(),
  count: z.number().int().min(1).max(100).default(5),
});
export type PreviewScheduleBody = z.infer<typeof previewScheduleBody>;

const HOUR = 3_600_000;

export class ReminderService {
  private readonly delivery: ReminderDelivery;

  constructor(
    private readonly db: Db,
    queues: QueueBackend,
    outbox: Outbox,
    private readonly opts: { now?: () => Date; catchUpMs?: number } = {},
  ) {
    this.delivery = new ReminderDelivery(db, queues, outbox, () => this.now(), opts.catchUpMs ?? 6 * HOUR);
    this.moments = Object.values(this.delivery.moments);
  }

  /** Its moments (an occurrence, a follow-up), for the worker (startReminderWorker). */
  readonly moments: AnyMoment[];

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
      const created = await insertReminder(tx, {
        orgId: body.orgId,
        audience: body.audience,
        text: body.text,
        locale: body.locale,
        schedule,
        holidayPolicy: policy,
        ack: body.ack !== undefined,
        followUpHours: body.ack?.followUpAfterHours ?? null,
        nextAt: next,
        createdBy: actor.principal.label,
      });
      await recordAudit(tx, actor, {
        action: 'reminder.create',
        objectType: 'reminder',
        objectId: created.id,
        orgId: created.org_id,
        after: view(created),
      });
      return created;
    });
    await this.delivery.scheduleNext(row);
    return view(row);
  }

  async get(p: Principal, id: number) {
    return getReminder(this.db, p, id);
  }

  async list(p: Principal, f: { orgId?: number; status?: string; limit: number; cursor?: string }) {
    return listReminders(this.db, p, f);
  }

  /** Pause (stale jobs then do nothing) or resume (from the first occurrence after now: no catch-up). */
  async setStatus(actor: Actor, id: number, status: 'active' | 'paused') {
    await visibleReminder(this.db, actor.principal, id);
    assertWriter(actor.principal);
    const updated = await this.db.transaction(async (tx) => {
      const cur = await lockReminder(tx, id);
      if (!cur || !isLive(cur)) throw notFound('reminder', id);
      if (cur.status === 'done' || cur.status === status) return cur;
      const next = status === 'active' ? compiledOf(cur).next(this.now()) : cur.next_at;
      const row = await setReminderStatus(tx, id, status === 'active' && !next ? 'done' : status, next);
      await recordAudit(tx, actor, {
        action: status === 'active' ? 'reminder.resume' : 'reminder.pause',
        objectType: 'reminder',
        objectId: id,
        orgId: cur.org_id,
        before: { status: cur.status },
        after: { status: row.status },
      });
      return row;
    });
    await this.delivery.scheduleNext(updated);
    return view(updated);
  }

  /** Soft delete: history stays for the audit; pending jobs and follow-ups do nothing. */
  async remove(actor: Actor, id: number): Promise<void> {
    const r = await visibleReminder(this.db, actor.principal, id);
    assertWriter(actor.principal);
    await this.db.transaction(async (tx) => {
      await markReminderDeleted(tx, id);
      await recordAudit(tx, actor, {
        action: 'reminder.delete',
        objectType: 'reminder',
        objectId: id,
        orgId: r.org_id,
        before: view(r),
      });
    });
  }

  /**
   * The next occurrences of a schedule not saved: the checks of `create` on the schedule (400 naming
   * the field), the same holiday moves. Names no org, so it needs no scope; it writes nothing.
   */
  previewSchedule(body: PreviewScheduleBody) {
    const now = this.now();
    const policy = holidayPolicyOf(body.skipHolidays);
    const schedule = pinStart(body.schedule, now);
    const compiled = compileSchedule(schedule, policy, now);
    if ('at' in body.schedule && new Date(body.schedule.at) <= now) {
      throw badRequest('The time is in the past', [{ field: 'schedule.at', message: 'in the past' }]);
    }
    const tz = tzOf(schedule);
    const items = compiled.after(now, body.count).map((at) => ({
      at,
      local: localText(at, tz),
      date: civilDate(at, tz),
      weekday: wallOf(at, tz).weekday,
    }));
    return { timeZone: tz, skipHolidays: policy, items };
  }

  /** The next `count` occurrences after now, holiday moves applied (what will be sent). */
  async preview(p: Principal, id: number, count: number) {
    return previewReminder(this.db, p, id, count, () => this.now());
  }

  // -------------------------------------------------------------------------------------------
  // Delivery (../delivery.ts)

  /**
   * The worker's and the reconciler's one entry for an occurrence: sends it if the reminder is
   * active with `next_at` = `at`, `at` has come, and nobody claimed it yet; a late, duplicate or
   * stale call does nothing. Returns what happened.
   */
  async fire(reminderId: number, at: Date, now = this.now()): Promise<'sent' | 'missed' | 'skipped'> {
    return this.delivery.fire(reminderId, at, now);
  }

  /** Sends the follow-up of an occurrence to its addressed recipients who have not acknowledged. */
  async followUp(
    reminderId: number,
    at: Date,
    now = this.now(),
  ): Promise<'sent' | 'missed' | 'cancelled' | 'skipped'> {
    return this.delivery.followUp(reminderId, at, now);
  }

  /**
   * At start and every minute (and with an explicit `now` in tests): fires every due occurrence
   * (late ones by the catch-up policy), handles due follow-ups, and re-adds the jobs of future
   * ones that the queue lost.
   */
  async reconcile(now = this.now()): Promise<{ fired: number; followUps: number; rescheduled: number }> {
    return this.delivery.reconcile(now);
  }

  // -------------------------------------------------------------------------------------------
  // 收到 (./acknowledge.ts)

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
    return acknowledge(this.db, () => this.now(), personId, reminderId, at, chat);
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
    return acknowledgeInGroup(this.db, () => this.now(), personId, chat, withinMs);
  }

  // -------------------------------------------------------------------------------------------
  // Internals

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
    const reached = await targets(this.db, a);
    if (reached.length === 0) {
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
}
