import type { Logger } from 'pino';
import type { Db } from '../../kernel/db/db.js';
import type { Moment } from '../../kernel/moments/moment.js';
import type { Moments } from '../../kernel/moments/moments.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import { isWorkingDay } from '../../kernel/time/china-calendar.js';
import { CHINA_TIME_ZONE, civilDate, instantOfWall, shiftDays } from '../../kernel/time/zone.js';
import { boundGroups } from '../chats/index.js';
import { findOrg } from '../orgs/index.js';
import { categoriesFor } from './categories.js';
import { type OverdueRow, overdueComplaints } from './repository-overdue.js';
import { complaintTexts, GROUP_LOCALE } from './texts.js';

/** How many complaints a list names (the rest are counted): a robot's message is 2,048 bytes. */
const LIST_LIMIT = 20;
const DAY_MS = 86_400_000;

/** When a working day's list is posted: 09:00 China time. */
export function overdueListAt(day: string): Date {
  const [year, month, d] = day.split('-').map(Number) as [number, number, number];
  return instantOfWall({ year, month, day: d, hour: 9, minute: 0, second: 0 }, CHINA_TIME_ZONE);
}

/** The next working day's 09:00 at or after `now` (today's when it is still to come). */
export function nextOverdueListAt(now: Date): { day: string; at: Date } {
  for (let i = 0; i < 30; i++) {
    const day = civilDate(shiftDays(now, i, CHINA_TIME_ZONE), CHINA_TIME_ZONE);
    if (isWorkingDay(day) && overdueListAt(day) >= now) return { day, at: overdueListAt(day) };
  }
  throw new Error('no working day in the next 30 days');
}

/** The list as an officials' group reads it. */
export function overdueListText(
  orgName: string,
  day: string,
  total: number,
  rows: (OverdueRow & { categoryName: string })[],
  now: Date,
): string {
  const t = complaintTexts(GROUP_LOCALE);
  const [, m, d] = day.split('-').map(Number);
  const lines = [
    `【超期未办结报事 · ${m}月${d}日】${orgName} 共 ${total} 件（超时升级过或已逾期，仍未办结）`,
  ];
  rows.forEach((r, i) => {
    const days = Math.max(0, Math.floor((now.getTime() - r.created_at.getTime()) / DAY_MS));
    const parts = [
      `${i + 1}. ${r.number} ${r.compound} · ${r.categoryName}`,
      `现由${t.level[r.level]}办理（${t.status[r.status]}）`,
      r.escalations > 0 ? `超时升级 ${r.escalations} 次` : null,
      r.late_now ? '已逾期' : null,
      `已 ${days} 天`,
    ];
    lines.push(parts.filter(Boolean).join(' · '));
  });
  if (total > rows.length) lines.push(`另有 ${total - rows.length} 件未列出，请在管理后台查看。`);
  return lines.join('\n');
}

/**
 * The daily list of overdue complaints (#16.8): on every working day at 09:00 China time, each org
 * with officials' WeCom robots gets the open complaints of its subtree that missed a deadline
 * (repository-overdue.ts), oldest first. Exactly once per org and day: its row in
 * `linli.overdue_list_sends` is written in the transaction that writes the deliveries; an org with
 * nothing overdue is marked and sent nothing. A process down at 09:00 posts the day's list when it
 * comes back that same day, never a stale one the day after. The job `overdue-list-<YYYY-MM-DD>`
 * is the timely trigger; the reconciler posts what is due and keeps the next job in the queue.
 */
export class OverdueListPush {
  readonly moment: Moment<{ day: string }>;
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    opts: { now?: () => Date; logger?: Logger } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.moment = {
      label: 'overdue list',
      queue: QueueName.digests,
      job: 'overdue-list',
      jobId: (x) => jobId('overdue-list', x.day),
      fire: () => this.sendDue(),
    };
  }

  /** Posts the lists due at `now` and not yet posted today; how many orgs were done. */
  async sendDue(now: Date = this.now()): Promise<number> {
    const day = civilDate(now, CHINA_TIME_ZONE);
    if (!isWorkingDay(day) || now < overdueListAt(day)) return 0;
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT DISTINCT ch.org_id AS id FROM linli.chats ch
        WHERE ch.channel = 'wecom_robot' AND ch.purpose = 'handlers'
          AND NOT EXISTS (SELECT 1 FROM linli.overdue_list_sends s WHERE s.org_id = ch.org_id AND s.day = $1)
        ORDER BY 1`,
      [day],
    );
    let done = 0;
    for (const { id } of rows) if (await this.sendOne(Number(id), day, now)) done++;
    return done;
  }

  /** One org's list of `day`, unless it went out already; true when this call wrote it. */
  async sendOne(orgId: number, day: string, now: Date): Promise<boolean> {
    const org = await findOrg(this.db, orgId);
    if (!org) return false;
    const { total, rows } = await overdueComplaints(this.db, orgId, now, LIST_LIMIT);
    const named = [];
    const categories = new Map<number, Awaited<ReturnType<typeof categoriesFor>>>();
    for (const r of rows) {
      if (!categories.has(r.org_id)) categories.set(r.org_id, await categoriesFor(this.db, r.org_id));
      const c = categories.get(r.org_id)!.find((x) => x.code === r.category);
      named.push({ ...r, categoryName: c?.zh ?? r.category });
    }
    const robots =
      total === 0
        ? []
        : (await boundGroups(this.db, orgId, 'handlers')).filter((g) => g.channel === 'wecom_robot');
    const text = overdueListText(org.name, day, total, named, now);
    const after = await this.db.transaction(async (tx) => {
      const { rows: marked } = await tx.query(
        `INSERT INTO linli.overdue_list_sends (org_id, day, items) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING org_id`,
        [orgId, day, total],
      );
      if (marked.length === 0) return null;
      return this.outbox.stage(
        tx,
        robots.map((g) => ({
          channel: g.channel,
          message: {
            chat: { externalId: g.external_chat_id, kind: 'group' as const },
            text,
            locale: GROUP_LOCALE,
          },
          idempotencyKey: `overdue-list-${orgId}-${day}-${g.external_chat_id.slice(0, 8)}`,
          orgId,
        })),
      );
    });
    if (!after) return false;
    await after();
    return true;
  }

  /** The reconciler's turn: today's lists if due, and the next working day's job in the queue. */
  async reconcile(moments: Moments): Promise<{ overdueLists: number }> {
    const now = this.now();
    const overdueLists = await this.sendDue(now);
    const next = nextOverdueListAt(new Date(now.getTime() + 1));
    await moments.schedule(this.moment, [{ data: { day: next.day }, at: next.at }]);
    return { overdueLists };
  }
}
