import type { Db, Queryable } from '../../kernel/db/db.js';
import type { Moment, Occurrence } from '../../kernel/moments/moment.js';
import { Moments } from '../../kernel/moments/moments.js';
import type { AfterCommit } from '../../kernel/outbox/outbox.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { GENESIS } from './ballot-log.js';
import { type ProposalJob, type ProposalKind, proposalMoments } from './moments.js';
import { countOf } from './queries/proposals.js';
import {
  findProposal,
  freezeElectorate,
  lastLogRow,
  lockProposal,
  markClosed,
  markOpen,
  markReminded,
  nonVoters,
  type ProposalRow,
  unfinishedProposals,
} from './repository.js';

/**
 * A proposal's moments: opening, closing and the reminders before closing. The proposal row is
 * the truth: `openIfDue`, `closeIfDue` and `remindIfDue` re-read and lock it and act only if it
 * still calls for it, so the delayed jobs (`proposal-<id>-open|close|remind<minutes>`, the
 * moments of ./moments.ts, added through the kernel's `Moments`) are only wake-up calls and
 * `reconcile()` (at start and every minute) catches up on anything a lost queue dropped.
 */

export interface VoteNotifierPort {
  /** writes the group messages of an opening or closing in its transaction; returns what to run after COMMIT */
  stage(tx: Queryable, p: ProposalRow, moment: 'opened' | 'closed'): Promise<AfterCommit>;
  /** writes the reminders to the owners who have not voted, in the transaction that marks them sent */
  stageRemind(tx: Queryable, p: ProposalRow, offset: number, personIds: number[]): Promise<AfterCommit>;
}

/** The jobs a scheduled or open proposal needs: its opening, closing and unsent reminders. */
function occurrencesOf(row: ProposalRow): Occurrence<ProposalJob>[] {
  const jobs: Occurrence<ProposalJob>[] = [];
  if (row.status === 'scheduled') jobs.push({ data: { proposalId: row.id, kind: 'open' }, at: row.opens_at });
  if (row.status === 'scheduled' || row.status === 'open') {
    jobs.push({ data: { proposalId: row.id, kind: 'close' }, at: row.closes_at });
    for (const m of row.reminder_offsets) {
      if (row.reminders_sent.includes(m)) continue;
      const at = new Date(row.closes_at.getTime() - m * 60_000);
      if (at.getTime() < row.opens_at.getTime()) continue;
      jobs.push({ data: { proposalId: row.id, kind: 'remind', offset: m }, at });
    }
  }
  return jobs;
}

export class ProposalTimers {
  /** The open, close and remind moments; their `fire` is `runJob` (for the worker). */
  readonly moments: Record<ProposalKind, Moment<ProposalJob>> = proposalMoments((x) => this.runJob(x));
  /** Adds and probes the jobs. */
  private readonly scheduler: Moments;

  constructor(
    private readonly db: Db,
    queues: QueueBackend,
    private readonly now: () => Date,
    private readonly notifier: VoteNotifierPort,
  ) {
    this.scheduler = new Moments(queues, now);
  }

  /** Opens a scheduled proposal whose time has come: freezes the electorate, announces it. */
  async openIfDue(id: number): Promise<boolean> {
    const opened = await this.db.transaction(async (tx) => {
      const row = await lockProposal(tx, id);
      if (row?.status !== 'scheduled' || row.opens_at.getTime() > this.now().getTime()) return null;
      const totals = await freezeElectorate(tx, row);
      const row2 = await markOpen(tx, id, this.now(), totals);
      return { row: row2, send: await this.notifier.stage(tx, row2, 'opened') };
    });
    if (!opened) return false;
    await this.schedule(opened.row);
    await opened.send();
    // a proposal opened after its own closing time (a long outage) closes at once
    if (opened.row.closes_at.getTime() <= this.now().getTime()) await this.closeIfDue(id);
    return true;
  }

  /** Closes an open proposal past its closing time: counts, stores the result, announces it. */
  async closeIfDue(id: number): Promise<boolean> {
    const closed = await this.db.transaction(async (tx) => {
      const row = await lockProposal(tx, id);
      if (row?.status !== 'open' || row.closes_at.getTime() > this.now().getTime()) return null;
      const last = await lastLogRow(tx, id);
      // the head is published in the result message: a log rewritten afterwards no longer ends there
      const result = {
        ...(await countOf(tx, row)),
        log: { entries: last?.seq ?? 0, head: last?.hash ?? GENESIS },
      };
      const row2 = await markClosed(tx, id, this.now(), result);
      return { row: row2, send: await this.notifier.stage(tx, row2, 'closed') };
    });
    if (!closed) return false;
    await closed.send();
    return true;
  }

  /** Reminds the owners who have not voted, once per offset (marked on the row). */
  async remindIfDue(id: number, offset: number): Promise<boolean> {
    const due = await this.db.transaction(async (tx) => {
      const row = await lockProposal(tx, id);
      if (row?.status !== 'open') return null;
      if (!row.reminder_offsets.includes(offset) || row.reminders_sent.includes(offset)) return null;
      const at = row.closes_at.getTime() - offset * 60_000;
      const now = this.now().getTime();
      if (at > now || row.closes_at.getTime() <= now) return null;
      // a reminder whose time came before the opening is skipped, not sent late
      if (row.opened_at && at < row.opened_at.getTime() - 60_000) {
        await markReminded(tx, id, offset);
        return null;
      }
      // earlier reminders not sent yet (a long outage) are dropped: one reminder, the latest
      for (const m of row.reminder_offsets)
        if (m >= offset && !row.reminders_sent.includes(m)) await markReminded(tx, id, m);
      const people = await nonVoters(tx, id);
      const send = people.length ? await this.notifier.stageRemind(tx, row, offset, people) : undefined;
      return { row, people, send };
    });
    if (!due) return false;
    await due.send?.();
    return true;
  }

  /** The delayed jobs of a proposal's future moments (after COMMIT). */
  async schedule(row: ProposalRow): Promise<void> {
    await this.scheduler.scheduleAll(
      occurrencesOf(row).map((o) => ({ moment: this.moments[o.data.kind], ...o })),
    );
  }

  /** Runs a job (the worker's one entry). */
  async runJob(data: { proposalId: number; kind: string; offset?: number }): Promise<boolean> {
    if (data.kind === 'open') return this.openIfDue(data.proposalId);
    if (data.kind === 'close') return this.closeIfDue(data.proposalId);
    if (data.kind === 'remind' && data.offset) return this.remindIfDue(data.proposalId, data.offset);
    return false;
  }

  /**
   * At start and every minute: opens, closes and reminds whatever is due (a job the queue lost),
   * then re-adds the missing jobs of future moments.
   */
  async reconcile(): Promise<{ opened: number; closed: number; reminded: number; rescheduled: number }> {
    const out = { opened: 0, closed: 0, reminded: 0, rescheduled: 0 };
    const now = this.now();
    const rows = await unfinishedProposals(this.db);
    const fresh: ProposalRow[] = [];
    for (const r of rows) {
      if (r.status === 'scheduled' && r.opens_at <= now) {
        if (await this.openIfDue(r.id)) out.opened++;
        continue;
      }
      if (r.status === 'open' && r.closes_at <= now) {
        if (await this.closeIfDue(r.id)) out.closed++;
        continue;
      }
      if (r.status === 'open') {
        // the latest reminder that is due (remindIfDue drops the earlier ones)
        const due = r.reminder_offsets
          .filter((m) => !r.reminders_sent.includes(m) && r.closes_at.getTime() - m * 60_000 <= now.getTime())
          .sort((a, b) => a - b)[0];
        if (due !== undefined && (await this.remindIfDue(r.id, due))) out.reminded++;
      }
      fresh.push((await findProposal(this.db, r.id))!);
    }
    // the jobs of what is still to open, close or remind, probed in batches; count the proposals re-added
    const lost = await this.scheduler.ensureAll(
      fresh.flatMap(occurrencesOf).map((o) => ({ moment: this.moments[o.data.kind], ...o })),
    );
    out.rescheduled = new Set(lost.map((o) => o.data.proposalId)).size;
    return out;
  }
}
