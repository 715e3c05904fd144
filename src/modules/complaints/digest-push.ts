import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { keepImage } from '../../kernel/media/media-store.js';
import type { PngRenderer } from '../../kernel/media/png-renderer.js';
import type { Moment } from '../../kernel/moments/moment.js';
import { Moments } from '../../kernel/moments/moments.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import { isWorkingDay } from '../../kernel/time/china-calendar.js';
import { CHINA_TIME_ZONE, instantOfWall, wallOf } from '../../kernel/time/zone.js';
import { boundGroups, type ResidentsGroup, residentsGroups } from '../chats/index.js';
import { digestChartSvg } from './digest-chart.js';
import type { OverdueListPush } from './overdue-list.js';
import { type DigestService, lastMonth, type MonthlyDigest } from './queries/digest.js';
import { GROUP_LOCALE } from './texts.js';

/** How long after its time a month's digest is still posted (a process down for days posts it late, not never). */
const LATE_BY_MS = 7 * 24 * 3_600_000;

/** When a month's digest is posted: its first working day (holidays and make-up days counted), 10:00 China time. */
export function digestDueAt(year: number, month: number): Date {
  for (let day = 1; day <= 28; day++) {
    const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (isWorkingDay(date))
      return instantOfWall({ year, month, day, hour: 10, minute: 0, second: 0 }, CHINA_TIME_ZONE);
  }
  throw new Error(`no working day in the first four weeks of ${year}-${month}`);
}

/** Where an org's digest goes: a compound's residents' groups, and the org's WeCom robots (officials). */
async function digestChats(q: Queryable, orgId: number): Promise<ResidentsGroup[]> {
  const robots = (await boundGroups(q, orgId, 'handlers')).filter((g) => g.channel === 'wecom_robot');
  return [...(await residentsGroups(q, orgId)), ...robots];
}

/**
 * Posts each compound's digest of the last month to its residents' groups, and each org's digest
 * (its subtree's) to its officials' WeCom robots, on the month's first working day at 10:00 (not
 * urgent: quiet hours hold it), the chart after the text. Exactly once per org and month:
 * the org's row in `linli.digest_sends` is written in the transaction that writes its
 * deliveries. The job `digest-<YYYY-MM>` is the timely trigger; the reconciler posts whatever is
 * due and unsent (up to a week late) and keeps the next job in the queue, so a lost queue loses no
 * digest. A compound with no complaint in either month is marked and sent nothing.
 */
export class DigestPush {
  readonly moment: Moment<{ month: string }>;
  private readonly chart: PngRenderer | null;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly digests: DigestService,
    opts: {
      /** draws the chart that follows the text; null: the text alone (no CJK font on this machine) */
      chart?: PngRenderer | null;
      now?: () => Date;
      logger?: Logger;
    } = {},
  ) {
    this.chart = opts.chart ?? null;
    this.now = opts.now ?? (() => new Date());
    this.logger = opts.logger;
    this.moment = {
      label: 'digest',
      queue: QueueName.digests,
      job: 'digest',
      jobId: (x) => jobId('digest', x.month),
      fire: () => this.sendDue(),
    };
  }

  /** Posts the digests due at `now` and not yet posted; how many compounds were done. */
  async sendDue(now: Date = this.now()): Promise<number> {
    const w = wallOf(now, CHINA_TIME_ZONE);
    const due = digestDueAt(w.year, w.month);
    if (now < due || now.getTime() > due.getTime() + LATE_BY_MS) return 0;
    const month = lastMonth(now);
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT o.id FROM linli.orgs o
        WHERE ((o.kind = 'compound'
                AND EXISTS (SELECT 1 FROM linli.chats ch WHERE ch.org_id = o.id AND ch.purpose = 'residents'))
            OR EXISTS (SELECT 1 FROM linli.chats ch
                        WHERE ch.org_id = o.id AND ch.channel = 'wecom_robot' AND ch.purpose = 'handlers'))
          AND NOT EXISTS (SELECT 1 FROM linli.digest_sends d WHERE d.org_id = o.id AND d.month = $1)
        ORDER BY o.id`,
      [month],
    );
    let done = 0;
    for (const { id } of rows) if (await this.sendOne(Number(id), month)) done++;
    return done;
  }

  /** One org's digest of `month`, unless it went out already; true when this call wrote it. */
  async sendOne(orgId: number, month: string): Promise<boolean> {
    const d = await this.digests.monthly(SYSTEM_ACTOR.principal, orgId, month);
    const quiet = d.current.counts.total === 0 && d.previous.counts.total === 0;
    // a compound's residents' groups, and the officials' WeCom robots of any org (its subtree's digest)
    const groups = quiet ? [] : await digestChats(this.db, orgId);
    // drawn before the transaction (CPU, no rows): a chart that fails to draw leaves the text alone
    const png = groups.length ? this.drawChart(d) : null;
    const after = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'INSERT INTO linli.digest_sends (org_id, month) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING org_id',
        [orgId, month],
      );
      if (rows.length === 0) return null;
      const chartRef = png ? await keepImage(tx, `digest-${orgId}-${month}`, png, 'image/png') : null;
      return this.outbox.stage(
        tx,
        groups.flatMap((g) => {
          const key = `digest-${orgId}-${month}-${g.channel}-${g.external_chat_id}`;
          const chat = { externalId: g.external_chat_id, kind: 'group' as const };
          const text = { chat, text: d.text, locale: GROUP_LOCALE };
          return [
            { channel: g.channel, message: text, idempotencyKey: key, orgId },
            // the chart right after the text (the chat's order holds)
            ...(chartRef
              ? [
                  {
                    channel: g.channel,
                    message: {
                      chat,
                      text: '',
                      media: { kind: 'photo' as const, ref: chartRef },
                      locale: GROUP_LOCALE,
                    },
                    idempotencyKey: `${key}-chart`,
                    orgId,
                  },
                ]
              : []),
          ];
        }),
      );
    });
    if (!after) return false;
    await after();
    return true;
  }

  private drawChart(d: MonthlyDigest): Buffer | null {
    if (!this.chart) return null;
    try {
      return this.chart.png(digestChartSvg(d));
    } catch (err) {
      this.logger?.warn(
        { err, orgId: d.orgId, month: d.month },
        'digest chart could not be drawn: text only',
      );
      return null;
    }
  }

  /** The reconciler's turn: what is due goes out, and the next job is in the queue. */
  async reconcile(moments: Moments): Promise<{ digests: number }> {
    const digests = await this.sendDue();
    const now = this.now();
    const w = wallOf(now, CHINA_TIME_ZONE);
    const [y, m] = w.month === 12 ? [w.year + 1, 1] : [w.year, w.month + 1];
    const thisOne = digestDueAt(w.year, w.month);
    const next =
      now < thisOne
        ? { month: `${w.year}-${String(w.month).padStart(2, '0')}`, at: thisOne }
        : { month: `${y}-${String(m).padStart(2, '0')}`, at: digestDueAt(y, m) };
    await moments.schedule(this.moment, [{ data: { month: next.month }, at: next.at }]);
    return { digests };
  }
}

/**
 * The officials' and residents' scheduled posts (queue `digests`): the monthly digest's job and the
 * daily overdue list's, and one reconciler for both (at start and every `everyMs`).
 */
export function startDigestWorker(
  queues: QueueBackend,
  push: DigestPush,
  overdue: OverdueListPush,
  logger: Logger,
  everyMs = 60_000,
) {
  const moments = new Moments(queues);
  return startMoments({
    label: 'digest',
    queues,
    moments: [push.moment, overdue.moment],
    reconcile: async () => ({ ...(await push.reconcile(moments)), ...(await overdue.reconcile(moments)) }),
    logger,
    everyMs,
    concurrency: 1,
  });
}
