import { notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import { assertCanSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { civilDate, wallOf } from '../../../kernel/time/zone.js';
import { orgPath } from '../../orgs/index.js';
import { findLiveReminder, type LiveReminderRow, recentOccurrences, reminderPage } from '../repository.js';
import { tzOf } from '../schedule.js';
import { compiledOf, localText } from '../timing.js';

/** Reading reminders: what the API shows of one, its recent occurrences, the list, the preview. */

export function view(r: LiveReminderRow) {
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

/** The reminder (not deleted) if the principal may see its org; 404 otherwise. */
export async function visibleReminder(db: Db, p: Principal, id: number): Promise<LiveReminderRow> {
  const r = await findLiveReminder(db, id);
  if (!r) throw notFound('reminder', id);
  assertCanSee(p, await orgPath(db, r.org_id), 'reminder', id);
  return r;
}

export async function getReminder(db: Db, p: Principal, id: number) {
  const r = await visibleReminder(db, p, id);
  const rows = await recentOccurrences(db, id);
  return {
    ...view(r),
    occurrences: rows.map((o) => ({
      at: o.at,
      status: o.status,
      recipients: o.recipients,
      acknowledged: o.acked,
      unreachable: o.unreachable,
      followUpAt: o.follow_up_at,
      followUpStatus: o.follow_up_status,
    })),
  };
}

export async function listReminders(
  db: Db,
  p: Principal,
  f: { orgId?: number; status?: string; limit: number; cursor?: string },
) {
  if (f.orgId !== undefined) await requireOrg(db, p, f.orgId, { field: 'orgId' });
  const rows = await reminderPage(db, {
    scope: scopeOrgId(p),
    orgId: f.orgId,
    status: f.status,
    after: decodeCursor(f.cursor),
    limit: f.limit,
  });
  const p2 = page(rows, f.limit);
  return { items: p2.items.map(view), nextCursor: p2.nextCursor };
}

/** The next `count` occurrences after now, holiday moves applied (what will be sent). */
export async function previewReminder(db: Db, p: Principal, id: number, count: number, now: () => Date) {
  const r = await visibleReminder(db, p, id);
  const tz = tzOf(r.schedule);
  const items = compiledOf(r)
    .after(now(), count)
    .map((at) => ({
      at,
      local: localText(at, tz),
      date: civilDate(at, tz),
      weekday: wallOf(at, tz).weekday,
    }));
  return { status: r.status, timeZone: tz, items };
}
