import type { OrgChain } from '../../../kernel/access/org-chain.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { deadlineLateness, secondsLate } from '../../../kernel/metrics/metrics.js';
import type { Occurrence } from '../../../kernel/moments/moment.js';
import { Moments } from '../../../kernel/moments/moments.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { parseIsoDuration } from '../../../kernel/time/iso-duration.js';
import { deadlinesFrom, policySetting } from '../escalation-policy.js';
import { type ComplaintAction, isOpen, stageOf } from '../lifecycle.js';
import { type ComplaintDeadline, type DeadlineMoments, deadlineMoments } from '../moments.js';
import {
  type ComplaintRow,
  claimOverdueReminder,
  complaintsByIds,
  findComplaint,
  findComplaintForUpdate,
  futureDeadlineSlots,
  insertComplaint,
  type NewComplaint,
  overdueToRemind,
  unratedResolvedPage,
} from '../repository.js';
import { owedNotices, settleNotices } from '../repository-owed-notices.js';
import { policiesFor } from '../repository-settings.js';
import { clearWarnings, warningsDue } from '../repository-warnings.js';
import { type EscalatedRow, escalateDueBatch, newSweepCache } from './bulk-escalation.js';
import { BUCKET_MS, bucketOccurrence, bucketOccurrences, runningDeadlines } from './deadline-buckets.js';

/** How long a change's notices may be in flight before the reconciler counts them as lost. */
export const NOTICE_GRACE_MS = 30_000;

/** Told after COMMIT of every change (reporter, handlers, residents' group). */
export interface ComplaintNotifications {
  /** `chain`: the complaint's org chain as the change read it (read afresh when not given) */
  changed(c: ComplaintRow, chain?: OrgChain): Promise<void>;
  overdueReminder(c: ComplaintRow): Promise<void>;
  /**
   * A deadline draws near (the policy's warnAtPercent of its time limit has run): told once per
   * complaint, stage and deadline (idempotent by them), so a repeated call sends nothing new.
   */
  warning(c: ComplaintRow, stage: 'ack' | 'resolve', due: Date): Promise<void>;
}

/** What a transition is asked to do (see `ComplaintService.transition`). */
export type TransitionBody = {
  action: ComplaintAction;
  note?: string;
  assigneeId?: number;
  /** transfer: the role it is handed to (instead of a person) */
  role?: string;
  photos?: string[];
};
/** Who asks for a transition: the timeline's actor. */
export type TransitionBy = { label: string; tokenId?: number | null; personId?: number | null };

/**
 * The deadline machine of the closed loop, the part of `ComplaintService` (which extends it) that
 * runs on time rather than on requests: the deadlines of a complaint just filed, the delayed jobs
 * of the running deadlines after each COMMIT, the escalation of passed deadlines (one complaint, or
 * set-based), the closing of resolved complaints nobody rated, the overdue reminders, and the
 * reconciler that re-adds what the queue lost. Its jobs are two moments of the deadlines queue
 * (../moments.ts), added and probed through `Moments`.
 *
 * A base class rather than a helper object, so that each step calls the next through the service
 * (`this.escalateDue`, `this.scheduleBuckets`, `this.notifyEscalated`, `this.transition`, …), as when
 * they were one class: bench/complaint-deadlines.ts times the steps by wrapping them on the service.
 */
export abstract class ComplaintDeadlines {
  /** The moments of the deadlines queue (bucket and per-complaint jobs), for startDeadlineWorker. */
  readonly deadlineMoments: DeadlineMoments;
  /** Adds and probes the deadline jobs; null when built without queues (nothing is scheduled). */
  protected readonly moments: Moments;

  constructor(
    protected readonly db: Db,
    queues: QueueBackend,
    /** told after COMMIT of every change (reporter, handlers, residents' group) */
    protected readonly notifier: ComplaintNotifications,
    protected readonly now: () => Date = () => new Date(),
  ) {
    this.moments = new Moments(queues, now);
    this.deadlineMoments = deadlineMoments(this);
  }

  /** Applies one transition to a locked row (`ComplaintService.transition`). */
  abstract transition(
    tx: Queryable,
    c: ComplaintRow,
    body: TransitionBody,
    by: TransitionBy,
  ): Promise<ComplaintRow>;

  /**
   * After COMMIT of a change: its deadline jobs, then its notifications, then the change's owed
   * notices settled (`linli.complaint_notices_due`, written with the change: a crash before this
   * leaves them to `resendOwedNotices`).
   * `chain`: the complaint's org chain as the change itself read it (a filing turn's, checked against
   * the stamp its first read saw), so its notices say what the change saw without reading it again.
   */
  async afterChange(c: ComplaintRow, chain?: OrgChain): Promise<void> {
    await this.scheduleDeadlines(c);
    await this.notifier.changed(c, chain);
    await settleNotices(this.db, c.id, c.version);
  }

  /**
   * The notices a crash left unsent (a process died between a change's COMMIT and its notifier):
   * each complaint owing some for longer than `graceMs` is told about again if it is still at the
   * version that owes them (the deliveries' keys carry the version: what went before the crash is
   * not sent twice); one that has changed since is settled unsent, since its later change's notice
   * says what is true now. Returns how many complaints were told again.
   */
  async resendOwedNotices(graceMs = NOTICE_GRACE_MS, pageSize = 200): Promise<number> {
    let resent = 0;
    for (const owed of await owedNotices(this.db, graceMs, pageSize)) {
      const c = await findComplaint(this.db, owed.complaint_id);
      if (c && c.version === owed.version) {
        await this.notifier.changed(c);
        resent++;
      }
      await settleNotices(this.db, owed.complaint_id, owed.version);
    }
    return resent;
  }

  /**
   * Files a complaint with its first deadlines (its compound's chain of policies, from now), its
   * first timeline event and the notices it owes, in the caller's transaction: two statements (the
   * policies, then one insert of all of it), while the filer's conversation row is locked.
   */
  async file(
    tx: Queryable,
    c: NewComplaint,
    /** the compound's chain of policies when the caller has them (`policiesOn` its org chain), else read */
    policies?: Awaited<ReturnType<typeof policiesFor>>,
  ): Promise<ComplaintRow> {
    const d = deadlinesFrom(
      policies ?? (await policiesFor(tx, c.compoundId)),
      'compound',
      c.category,
      this.now(),
    );
    return insertComplaint(tx, c, d);
  }

  /** When a resolved complaint with no rating closes as unrated (the policy's ratingTimeout). */
  async ratingDueAt(q: Queryable, c: ComplaintRow): Promise<Date | null> {
    if (c.status !== 'resolved' || !c.resolved_at) return null;
    const timeout = parseIsoDuration(policySetting(await policiesFor(q, c.org_id), 'ratingTimeout'));
    return timeout.ok ? new Date(c.resolved_at.getTime() + timeout.ms) : null;
  }

  /**
   * Adds the delayed jobs of a complaint's running deadlines (after COMMIT), in one round trip:
   * the ack/resolve deadlines as *bucket* jobs — one job per 100 ms slot in which any deadline falls
   * (`deadlines-at-<epoch ms, rounded up to the slot>`), shared by every complaint due in it, so a burst of
   * 10,000 deadlines at one instant is one job and one set-based sweep, and Redis holds one job
   * per distinct second rather than two per complaint per version; the rating timeout as a job of
   * its own (`complaint-<id>-v<version>-rating`).
   */
  async scheduleDeadlines(c: ComplaintRow): Promise<void> {
    const rating = await this.ratingDueAt(this.db, c);
    const { bucket, complaint } = this.deadlineMoments;
    await this.moments.scheduleAll([
      ...bucketOccurrences(runningDeadlines(c)).map((o) => ({ moment: bucket, ...o })),
      ...(rating ? [{ moment: complaint, data: ratingJob(c), at: rating }] : []),
    ]);
  }

  /**
   * Escalates every open complaint whose running deadline has passed, in set-based batches (see
   * `escalateDueBatch`). Each batch's next deadline jobs are added right after its COMMIT; the
   * notifications of all batches follow once the sweep is done, so a burst is escalated (the
   * record that counts) before any CPU goes to messages. Returns how many were escalated (or
   * marked overdue at the top).
   */
  async escalateDue(batchSize = 1000): Promise<number> {
    const escalated: EscalatedRow[][] = [];
    let failed: unknown = null;
    const cache = newSweepCache();
    for (;;) {
      const now = this.now();
      const batch = await this.db.transaction((tx) => escalateDueBatch(tx, now, batchSize, cache));
      if (batch.length) {
        escalated.push(batch);
        // a lost add is re-added by the reconciler; the sweep goes on
        await this.scheduleBuckets(batch).catch((err) => {
          failed ??= err;
        });
      }
      if (batch.length < batchSize) break;
    }
    for (const batch of escalated) await this.notifyEscalated(batch);
    if (failed) throw failed;
    return escalated.reduce((n, b) => n + b.length, 0);
  }

  private async scheduleBuckets(escalated: EscalatedRow[]): Promise<void> {
    await this.moments.schedule(
      this.deadlineMoments.bucket,
      bucketOccurrences(escalated.flatMap(runningDeadlines)),
    );
  }

  private async notifyEscalated(escalated: EscalatedRow[]): Promise<void> {
    const rows = await complaintsByIds(
      this.db,
      escalated.map((c) => c.id),
    );
    // in a few parallel lanes; one complaint's failure does not stop the others (its deliveries
    // are idempotent by complaint + version, so a later retry sends once)
    const queue = [...rows];
    const lane = async () => {
      for (let c = queue.shift(); c; c = queue.shift())
        await this.notifier
          .changed(c)
          .then(() => settleNotices(this.db, c.id, c.version))
          .catch(() => {});
    };
    await Promise.all(Array.from({ length: 4 }, lane));
  }

  /**
   * What a bucket job runs: the escalations due, then the warnings due (a complaint escalated
   * first has new deadlines and warnings, so a stale warning of the level it left never goes).
   */
  async sweepDue(): Promise<number> {
    const escalated = await this.escalateDue();
    await this.warnDue();
    return escalated;
  }

  /**
   * Sends every warning whose time has come (the policy's `warnAtPercent` of a running deadline's
   * time limit), in pages: the notifier's messages first (idempotent by complaint, stage and
   * deadline), then the row's warning cleared by compare-and-set. So a crash in between sends it
   * once at the next sweep, two sweeps at once send it once, and a warning set meanwhile for new
   * deadlines stays. A warning whose deadline no longer runs (acknowledged, settled, overdue) or
   * has already passed (the escalation is the signal then) is cleared unsent. One complaint's
   * failure leaves its warning for the next sweep and does not stop the others. Returns how many
   * warnings went.
   */
  async warnDue(pageSize = 500): Promise<number> {
    let sent = 0;
    let failed: unknown = null;
    const seen = new Set<number>();
    for (;;) {
      const now = this.now();
      const rows = (await warningsDue(this.db, now, pageSize)).filter((c) => !seen.has(c.id));
      if (rows.length === 0) break;
      for (const c of rows) {
        seen.add(c.id);
        const running = isOpen(c.status) && !c.overdue;
        const ack = c.ack_warn_at && c.ack_warn_at <= now ? c.ack_warn_at : undefined;
        const resolve = c.resolve_warn_at && c.resolve_warn_at <= now ? c.resolve_warn_at : undefined;
        try {
          if (ack && running && stageOf(c.status) === 'ack' && c.ack_due_at && c.ack_due_at > now) {
            await this.notifier.warning(c, 'ack', c.ack_due_at);
            deadlineLateness.observe({ kind: 'warning' }, secondsLate(ack, now));
            sent++;
          }
          if (resolve && running && c.resolve_due_at && c.resolve_due_at > now) {
            await this.notifier.warning(c, 'resolve', c.resolve_due_at);
            deadlineLateness.observe({ kind: 'warning' }, secondsLate(resolve, now));
            sent++;
          }
          await clearWarnings(this.db, c.id, ack, resolve);
        } catch (err) {
          failed ??= err;
        }
      }
      if (rows.length < pageSize) break;
    }
    if (failed) throw failed;
    return sent;
  }

  /**
   * The deadline worker's and the reconciler's one entry: escalates a complaint whose running
   * deadline has passed, if it still is at `version` (when given). A late, duplicate or stale job
   * does nothing.
   */
  async escalateIfDue(id: number, version?: number): Promise<boolean> {
    const updated = await this.db.transaction(async (tx) => {
      const c = await findComplaintForUpdate(tx, id);
      if (!c || (version !== undefined && c.version !== version) || !isOpen(c.status) || c.overdue)
        return null;
      const now = this.now().getTime();
      const stage = stageOf(c.status);
      const breached =
        stage === 'ack' && c.ack_due_at && c.ack_due_at.getTime() <= now
          ? { stage: 'ack', due: c.ack_due_at }
          : c.resolve_due_at && c.resolve_due_at.getTime() <= now
            ? { stage: 'resolve', due: c.resolve_due_at }
            : null;
      if (!breached) return null;
      return this.transition(
        tx,
        c,
        {
          action: 'escalate',
          note: `${breached.stage} deadline ${breached.due.toISOString()} passed at level ${c.level}`,
        },
        { label: 'system' },
      );
    });
    if (!updated) return false;
    await this.afterChange(updated);
    return true;
  }

  /** Closes a resolved complaint nobody rated in time (counted apart as unrated). */
  async closeUnratedIfDue(id: number, version?: number): Promise<boolean> {
    const closed = await this.db.transaction(async (tx) => {
      const c = await findComplaintForUpdate(tx, id);
      if (!c || (version !== undefined && c.version !== version) || c.status !== 'resolved') return null;
      // rated since this resolution: nothing to close (a rating before a reopen does not count)
      if (c.rated_at && c.resolved_at && c.rated_at >= c.resolved_at) return null;
      const due = await this.ratingDueAt(tx, c);
      if (!due || due > this.now()) return null;
      return this.transition(
        tx,
        c,
        { action: 'close', note: 'no rating in time: closed as unrated' },
        { label: 'system' },
      );
    });
    if (!closed) return false;
    await this.afterChange(closed);
    return true;
  }

  /**
   * At start and every minute: escalates every open complaint past a running deadline (set-based),
   * closes resolved ones unrated past their rating time, then re-adds the deadline jobs the queue
   * lost (a Redis restart, a failover): bucket jobs for every future slot holding a deadline and
   * rating jobs, probed in batches (`Moments.ensure`: one round trip per page of ids).
   */
  async reconcile(pageSize = 1000): Promise<{ escalated: number; rescheduled: number; renotified: number }> {
    const now = this.now();
    const escalated = await this.escalateDue();
    await this.warnDue();
    await this.remindOverdue();
    const renotified = await this.resendOwedNotices();
    let rescheduled = 0;
    let after = 0;
    for (;;) {
      const rows = await unratedResolvedPage(this.db, after, pageSize);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const future: Occurrence<ComplaintDeadline>[] = [];
      await Promise.all(
        rows.map(async (c) => {
          const due = await this.ratingDueAt(this.db, c);
          if (due && due <= now) await this.closeUnratedIfDue(c.id);
          else if (due) future.push({ data: ratingJob(c), at: due });
        }),
      );
      // the page's rating jobs, probed in one batch; the lost ones re-added
      rescheduled += (await this.moments.ensure(this.deadlineMoments.complaint, future)).length;
    }
    const slots = await futureDeadlineSlots(this.db, now, BUCKET_MS);
    for (let i = 0; i < slots.length; i += pageSize) {
      const page = slots.slice(i, i + pageSize).map((r) => bucketOccurrence(Number(r.at)));
      // probed in batches (one pipelined EXISTS per id on Redis), not a job fetched and parsed per slot
      rescheduled += (await this.moments.ensure(this.deadlineMoments.bucket, page)).length;
    }
    return { escalated, rescheduled, renotified };
  }

  /**
   * Reminds the handlers of complaints overdue at the top of the chain again, every
   * `overdueReminderEvery` of the compound's policy (default P1D). A compare-and-set on
   * `overdue_reminded_at` claims each reminder, so two reconcilers never send one twice; the
   * message's idempotency key carries the reminder's number.
   */
  async remindOverdue(): Promise<number> {
    const now = this.now();
    const rows = await overdueToRemind(this.db, now);
    const every = new Map<number, number>();
    let sent = 0;
    for (const c of rows) {
      if (!every.has(c.org_id)) {
        const d = parseIsoDuration(
          policySetting(await policiesFor(this.db, c.org_id), 'overdueReminderEvery'),
        );
        every.set(c.org_id, d.ok ? d.ms : 86_400_000);
      }
      const last = c.overdue_reminded_at as Date;
      if (last.getTime() + every.get(c.org_id)! > now.getTime()) continue;
      const claimed = await claimOverdueReminder(this.db, c.id, last, now);
      if (!claimed) continue;
      sent++;
      await this.notifier.overdueReminder(claimed);
    }
    return sent;
  }
}

/** The rating timeout's job of a resolved complaint at its version: `complaint-<id>-v<version>-rating`. */
function ratingJob(c: ComplaintRow): ComplaintDeadline {
  return { complaintId: c.id, version: c.version, stage: 'rating' };
}
