import { AppError, badRequest, notFound } from '../../../kernel/access/errors.js';
import { requireOrg, requirePerson } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  type Actor,
  assertWriter,
  canSee,
  canWrite,
  type Principal,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../../kernel/queue/names.js';
import { parseIsoDuration } from '../../../kernel/time/iso-duration.js';
import { orgPath } from '../../orgs/index.js';
import { deadlinesFrom, policiesFor, policySetting } from '../escalation-policy.js';
import {
  type ComplaintAction,
  type ComplaintStatus,
  isOpen,
  LEVELS,
  type Level,
  levelAbove,
  nextStatus,
  stageOf,
} from '../lifecycle.js';
import { type EscalatedRow, escalateDueBatch, newSweepCache } from './bulk-escalation.js';

/**
 * The closed loop: transitions with optimistic concurrency (two handlers accepting at once: one
 * wins, the other gets 409), a timeline event for every change, and the deadlines of the current
 * level on the row, written in the same transaction. After COMMIT a delayed job for the second of
 * each running deadline is added (`deadlines-at-<ms>`, per 100 ms, shared by every complaint due then);
 * the worker and the reconciler escalate only through `escalateDue`/`escalateIfDue`, which re-read
 * the rows and do nothing unless a deadline still running has passed.
 */
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
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  overdue: boolean;
  assignee_id: number | null;
  reopen_count: number;
  escalations: number;
  rating: string | null;
  rating_comment: string | null;
  overdue_reminders: number;
  overdue_reminded_at: Date | null;
  rated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ActionBody {
  action: Exclude<ComplaintAction, 'escalate'>;
  note?: string;
  assigneeId?: number;
  photos?: string[];
  /** the version the caller saw; a mismatch is 409 */
  version?: number;
}

export class ComplaintService {
  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend | null,
    private readonly now: () => Date = () => new Date(),
    /** told after COMMIT of every change (reporter, handlers, residents' group) */
    private readonly notifier: {
      changed(c: ComplaintRow): Promise<void>;
      overdueReminder(c: ComplaintRow): Promise<void>;
    } | null = null,
  ) {}

  /** After COMMIT of a change: its deadline jobs, then its notifications. */
  async afterChange(c: ComplaintRow): Promise<void> {
    await this.scheduleDeadlines(c);
    await this.notifier?.changed(c);
  }

  /** Sets the first deadlines of a complaint just filed (in the filing transaction). */
  async startDeadlines(tx: Queryable, complaintId: number): Promise<ComplaintRow> {
    const c = await lock(tx, complaintId);
    const d = deadlinesFrom(await policiesFor(tx, c.org_id), c.level, c.category, this.now());
    return update(tx, c, { ack_due_at: d.ackDueAt, resolve_due_at: d.resolveDueAt });
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
    if (!this.queues) return;
    const rating = await this.ratingDueAt(this.db, c);
    const now = this.now().getTime();
    const jobs: { name: string; data: object; opts: object }[] = bucketJobs(runningDeadlines(c), now);
    if (rating) {
      jobs.push({
        name: 'deadline',
        data: { complaintId: c.id, version: c.version, stage: 'rating' },
        opts: {
          jobId: jobId('complaint', c.id, `v${c.version}`, 'rating'),
          delay: Math.max(0, rating.getTime() - now),
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      });
    }
    if (jobs.length) await this.queues.addBulk(QueueName.deadlines, jobs);
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
    if (!this.queues) return;
    const jobs = bucketJobs(escalated.flatMap(runningDeadlines), this.now().getTime());
    if (jobs.length) await this.queues.addBulk(QueueName.deadlines, jobs);
  }

  private async notifyEscalated(escalated: EscalatedRow[]): Promise<void> {
    if (!this.notifier) return;
    const { rows } = await this.db.query<ComplaintRow>(
      'SELECT * FROM linli.complaints WHERE id = ANY($1::bigint[]) ORDER BY id',
      [escalated.map((c) => c.id)],
    );
    // in a few parallel lanes; one complaint's failure does not stop the others (its deliveries
    // are idempotent by complaint + version, so a later retry sends once)
    const queue = [...rows];
    const lane = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await this.notifier?.changed(c).catch(() => {});
    };
    await Promise.all(Array.from({ length: 4 }, lane));
  }

  async act(actor: Actor, id: number, body: ActionBody): Promise<ComplaintRow> {
    const updated = await this.db.transaction(async (tx) => {
      const c = await lock(tx, id);
      const levelOrg = await orgPath(tx, c.level_org_id);
      const compound = await orgPath(tx, c.org_id);
      // the handling level's org or the compound must be inside the token's subtree
      if (!canWrite(actor.principal, levelOrg) && !canWrite(actor.principal, compound)) {
        if (!canSee(actor.principal, levelOrg) && !canSee(actor.principal, compound))
          throw notFound('complaint', id);
        assertWriter(actor.principal);
      }
      if (body.assigneeId !== undefined)
        await requirePerson(tx, actor.principal, body.assigneeId, { field: 'assigneeId' });
      if (body.version !== undefined && body.version !== c.version) throw changed(c);
      return this.transition(tx, c, body, { label: actor.principal.label, tokenId: actor.principal.tokenId });
    });
    await this.afterChange(updated);
    return updated;
  }

  /** Applies one transition to a locked row: status, deadlines, event; optimistic on version. */
  async transition(
    tx: Queryable,
    c: ComplaintRow,
    body: { action: ComplaintAction; note?: string; assigneeId?: number; photos?: string[] },
    by: { label: string; tokenId?: number | null; personId?: number | null },
  ): Promise<ComplaintRow> {
    const to = nextStatus(c.status, body.action);
    if (!to) {
      throw new AppError(
        409,
        'invalid_transition',
        `A ${c.status} complaint cannot be ${past(body.action)}`,
        [{ field: 'action', message: `not allowed from ${c.status}` }],
      );
    }
    if (body.action === 'reject' && !body.note?.trim()) {
      throw badRequest('A rejection needs a reason', [{ field: 'note', message: 'required to reject' }]);
    }
    const now = this.now();
    const set: Partial<ComplaintRow> = { status: to };
    let type: string = body.action;
    const chain = await policiesFor(tx, c.org_id);
    const enterLevel = async (l: Level) => {
      const d = deadlinesFrom(chain, l, c.category, now);
      Object.assign(set, {
        level: l,
        level_org_id: await levelOrgId(tx, c.org_id, l),
        ack_due_at: d.ackDueAt,
        resolve_due_at: d.resolveDueAt,
        acknowledged_at: null,
        overdue: false,
      });
    };
    switch (body.action) {
      case 'accept':
        set.acknowledged_at = now;
        break;
      case 'resolve':
        set.resolved_at = now;
        break;
      case 'close':
        set.closed_at = now;
        break;
      case 'assign':
        if (!body.assigneeId)
          throw badRequest('Assign needs assigneeId', [{ field: 'assigneeId', message: 'required' }]);
        set.assignee_id = body.assigneeId;
        break;
      case 'appeal':
        await enterLevel(levelAbove(c.level) ?? c.level);
        break;
      case 'reopen': {
        set.reopen_count = c.reopen_count + 1;
        set.resolved_at = null;
        const above = levelAbove(c.level);
        if (set.reopen_count > policySetting(chain, 'maxReopens') && above) {
          await enterLevel(above);
          set.escalations = c.escalations + 1;
          type = 'reopened_escalated';
        } else {
          await enterLevel(c.level);
        }
        break;
      }
      case 'escalate': {
        const above = levelAbove(c.level);
        if (above) {
          await enterLevel(above);
          set.escalations = c.escalations + 1;
        } else {
          set.overdue = true;
          set.overdue_reminded_at = now; // the overdue notice is the first reminder
          type = 'overdue';
        }
        break;
      }
    }
    const updated = await update(tx, c, set);
    await tx.query(
      `INSERT INTO linli.complaint_events (complaint_id, actor_person_id, actor_label, actor_token_id, type,
         from_status, to_status, level_org_id, note, photos)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        c.id,
        by.personId ?? null,
        by.label,
        by.tokenId ?? null,
        type,
        c.status,
        to,
        updated.level_org_id,
        body.note ?? null,
        JSON.stringify(body.photos ?? []),
      ],
    );
    return updated;
  }

  /**
   * The deadline worker's and the reconciler's one entry: escalates a complaint whose running
   * deadline has passed, if it still is at `version` (when given). A late, duplicate or stale job
   * does nothing.
   */
  async escalateIfDue(id: number, version?: number): Promise<boolean> {
    const updated = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ComplaintRow>(
        'SELECT * FROM linli.complaints WHERE id = $1 FOR UPDATE',
        [id],
      );
      const c = rows[0];
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

  /** The reporter's rating: 满意/基本满意 close it, 不满意 reopens it (in the caller's transaction). */
  async rate(
    tx: Queryable,
    id: number,
    rating: 'satisfied' | 'basically_satisfied' | 'dissatisfied',
    comment: string | null,
    personId: number | null,
  ): Promise<ComplaintRow> {
    const c = await lock(tx, id);
    const rated = await update(tx, c, { rating, rating_comment: comment, rated_at: this.now() });
    return this.transition(
      tx,
      rated,
      { action: rating === 'dissatisfied' ? 'reopen' : 'close', note: comment ?? undefined },
      { label: 'reporter', personId },
    );
  }

  /** Closes a resolved complaint nobody rated in time (counted apart as unrated). */
  async closeUnratedIfDue(id: number, version?: number): Promise<boolean> {
    const closed = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ComplaintRow>(
        'SELECT * FROM linli.complaints WHERE id = $1 FOR UPDATE',
        [id],
      );
      const c = rows[0];
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
   * rating jobs, checked a page at a time with the lookups in flight together.
   */
  async reconcile(pageSize = 1000): Promise<{ escalated: number; rescheduled: number }> {
    const now = this.now();
    const escalated = await this.escalateDue();
    await this.remindOverdue();
    let rescheduled = 0;
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<ComplaintRow>(
        `SELECT * FROM linli.complaints
         WHERE id > $1 AND status = 'resolved' AND (rated_at IS NULL OR rated_at < resolved_at)
         ORDER BY id LIMIT $2`,
        [after, pageSize],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const missing: ComplaintRow[] = [];
      await Promise.all(
        rows.map(async (c) => {
          const due = await this.ratingDueAt(this.db, c);
          if (due && due <= now) await this.closeUnratedIfDue(c.id);
          else if (
            due &&
            this.queues &&
            !(await this.queues
              .queue(QueueName.deadlines)
              .getJob(jobId('complaint', c.id, `v${c.version}`, 'rating')))
          )
            missing.push(c);
        }),
      );
      for (const c of missing) await this.scheduleDeadlines(c);
      rescheduled += missing.length;
    }
    if (!this.queues) return { escalated, rescheduled };
    const { rows: slots } = await this.db.query<{ at: number }>(
      `SELECT DISTINCT (ceil(extract(epoch FROM d) * ${1000 / BUCKET_MS}) * ${BUCKET_MS})::bigint AS at FROM (
         SELECT ack_due_at AS d FROM linli.complaints
         WHERE status IN ('submitted', 'reopened') AND NOT overdue AND ack_due_at > $1
         UNION ALL
         SELECT resolve_due_at FROM linli.complaints
         WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND NOT overdue AND resolve_due_at > $1
       ) x ORDER BY at`,
      [now],
    );
    for (let i = 0; i < slots.length; i += pageSize) {
      const page = slots.slice(i, i + pageSize).map((r) => Number(r.at));
      // one pipelined EXISTS per page on Redis, not a job fetched and parsed per slot
      const found = await this.queues.exists(QueueName.deadlines, page.map(bucketJobId));
      const lost = page.filter((_, k) => !found[k]).map((at) => new Date(at));
      if (lost.length) await this.queues.addBulk(QueueName.deadlines, bucketJobs(lost, this.now().getTime()));
      rescheduled += lost.length;
    }
    return { escalated, rescheduled };
  }

  /**
   * Reminds the handlers of complaints overdue at the top of the chain again, every
   * `overdueReminderEvery` of the compound's policy (default P1D). A compare-and-set on
   * `overdue_reminded_at` claims each reminder, so two reconcilers never send one twice; the
   * message's idempotency key carries the reminder's number.
   */
  async remindOverdue(): Promise<number> {
    const now = this.now();
    const { rows } = await this.db.query<ComplaintRow>(
      `SELECT * FROM linli.complaints
       WHERE overdue AND status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND overdue_reminded_at < $1
       ORDER BY overdue_reminded_at LIMIT 1000`,
      [now],
    );
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
      const { rows: claimed } = await this.db.query<ComplaintRow>(
        `UPDATE linli.complaints SET overdue_reminders = overdue_reminders + 1, overdue_reminded_at = $3
         WHERE id = $1 AND overdue AND overdue_reminded_at = $2 RETURNING *`,
        [c.id, last, now],
      );
      if (!claimed[0]) continue;
      sent++;
      await this.notifier?.overdueReminder(claimed[0]);
    }
    return sent;
  }

  private async seesAnonymous(p: Principal): Promise<boolean> {
    if (p.kind === 'superuser') return true;
    const { rows } = await this.db.query<{ kind: string }>('SELECT kind FROM linli.orgs WHERE id = $1', [
      p.orgId,
    ]);
    return ['community', 'subdistrict', 'district', 'city'].includes(rows[0]?.kind ?? '');
  }

  async get(p: Principal, id: number) {
    const { rows } = await this.db.query<ComplaintRow>('SELECT * FROM linli.complaints WHERE id = $1', [id]);
    const c = rows[0];
    if (!c) throw notFound('complaint', id);
    if (!(canSee(p, await orgPath(this.db, c.org_id)) || canSee(p, await orgPath(this.db, c.level_org_id)))) {
      throw notFound('complaint', id);
    }
    const reveal = await this.seesAnonymous(p);
    const events = await this.db.query<{
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
    }>('SELECT * FROM linli.complaint_events WHERE complaint_id = $1 ORDER BY id', [id]);
    return {
      ...present(c, this.now(), reveal),
      events: events.rows.map((e) => ({
        id: e.id,
        at: e.at,
        actor: e.actor_label,
        actorPersonId:
          c.anonymous && !reveal && e.actor_person_id === c.reporter_id ? null : e.actor_person_id,
        type: e.type,
        fromStatus: e.from_status,
        toStatus: e.to_status,
        levelOrgId: e.level_org_id,
        note: e.note,
        photos: e.photos,
      })),
    };
  }

  async list(
    p: Principal,
    f: {
      orgId?: number;
      status?: ComplaintStatus;
      level?: Level;
      category?: string;
      overdue?: boolean;
      from?: Date;
      to?: Date;
      limit: number;
      cursor?: string;
    },
  ) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const scope = f.orgId ?? scopeOrgId(p);
    const now = this.now();
    const { rows } = await this.db.query<ComplaintRow>(
      `SELECT c.* FROM linli.complaints c JOIN linli.orgs o ON o.id = c.org_id JOIN linli.orgs l ON l.id = c.level_org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint] OR l.path @> ARRAY[$1::bigint])
         AND ($2::text IS NULL OR c.status = $2) AND ($3::text IS NULL OR c.level = $3)
         AND ($4::text IS NULL OR c.category = $4)
         AND ($5::boolean IS NULL OR $5 = (c.overdue OR (c.status IN ('submitted','accepted','in_progress','reopened')
               AND ((c.status IN ('submitted','reopened') AND c.ack_due_at <= $9) OR c.resolve_due_at <= $9))))
         AND ($6::timestamptz IS NULL OR c.created_at >= $6) AND ($7::timestamptz IS NULL OR c.created_at < $7)
         AND ($8::bigint IS NULL OR c.id < $8)
       ORDER BY c.id DESC LIMIT $10`,
      [
        scope,
        f.status ?? null,
        f.level ?? null,
        f.category ?? null,
        f.overdue ?? null,
        f.from ?? null,
        f.to ?? null,
        decodeCursor(f.cursor),
        now,
        f.limit + 1,
      ],
    );
    const reveal = await this.seesAnonymous(p);
    return page(
      rows.map((c) => present(c, now, reveal)),
      f.limit,
    );
  }
}

/**
 * An anonymous reporter is hidden from handlers below the community level (and every group):
 * only a superuser or a token of a community or above sees who it was.
 */
function present(c: ComplaintRow, now: Date, revealAnonymous: boolean) {
  const stage = stageOf(c.status);
  const late =
    c.overdue ||
    (isOpen(c.status) &&
      ((stage === 'ack' && !!c.ack_due_at && c.ack_due_at <= now) ||
        (!!c.resolve_due_at && c.resolve_due_at <= now)));
  return {
    id: c.id,
    number: c.number,
    orgId: c.org_id,
    levelOrgId: c.level_org_id,
    level: c.level,
    status: c.status,
    version: c.version,
    category: c.category,
    description: c.description,
    location: c.building ? { building: c.building, unit: c.unit_no, room: c.room } : null,
    photos: c.photos,
    anonymous: c.anonymous,
    reporterId: c.anonymous && !revealAnonymous ? null : c.reporter_id,
    assigneeId: c.assignee_id,
    createdAt: c.created_at,
    ackDueAt: c.ack_due_at,
    resolveDueAt: c.resolve_due_at,
    acknowledgedAt: c.acknowledged_at,
    resolvedAt: c.resolved_at,
    closedAt: c.closed_at,
    overdue: late,
    escalations: c.escalations,
    reopenCount: c.reopen_count,
    rating: c.rating,
  };
}

async function lock(tx: Queryable, id: number): Promise<ComplaintRow> {
  const { rows } = await tx.query<ComplaintRow>('SELECT * FROM linli.complaints WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  if (!rows[0]) throw notFound('complaint', id);
  return rows[0];
}

/** Writes `set` if the row is still at the version read; bumps the version. */
async function update(tx: Queryable, c: ComplaintRow, set: Partial<ComplaintRow>): Promise<ComplaintRow> {
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
  if (!rows[0]) throw changed(c);
  return rows[0];
}

function changed(c: ComplaintRow): AppError {
  return new AppError(
    409,
    'conflict',
    `Complaint ${c.number} was changed by someone else; reload and try again`,
    [{ field: 'version', message: 'stale' }],
  );
}

/** The org handling `level` for a compound: the compound itself or its ancestor of that kind. */
async function levelOrgId(q: Queryable, compoundId: number, level: Level): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT a.id FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path) WHERE o.id = $1 AND a.kind = $2`,
    [compoundId, level],
  );
  if (!rows[0]) throw new Error(`compound ${compoundId} has no ${level} above it`);
  return rows[0].id;
}

function past(action: ComplaintAction): string {
  const words: Record<ComplaintAction, string> = {
    accept: 'accepted',
    start: 'started',
    resolve: 'resolved',
    reject: 'rejected',
    appeal: 'appealed',
    reopen: 'reopened',
    close: 'closed',
    withdraw: 'withdrawn',
    assign: 'assigned',
    note: 'noted',
    escalate: 'escalated',
  };
  return words[action];
}

export { LEVELS };

/**
 * Deadlines are grouped in slots of 100 ms: a deadline fires at most this late from rounding, and
 * a burst due at one instant is one job.
 */
export const BUCKET_MS = 100;
/** The slot of a deadline: its epoch ms rounded up to the slot's end (the job fires when all are due). */
export const bucketOf = (d: Date) => Math.ceil(d.getTime() / BUCKET_MS) * BUCKET_MS;
/** The job of the deadlines falling in the slot ending at `at` (epoch ms). */
export const bucketJobId = (at: number) => jobId('deadlines-at', at);

/** The deadlines a complaint is running now: ack while waiting for acknowledgement, resolve while open. */
function runningDeadlines(c: EscalatedRow): Date[] {
  if (!isOpen(c.status) || c.overdue) return [];
  const out: Date[] = [];
  if (stageOf(c.status) === 'ack' && c.ack_due_at) out.push(c.ack_due_at);
  if (c.resolve_due_at) out.push(c.resolve_due_at);
  return out;
}

/** One bucket job per distinct slot among `dates`. */
function bucketJobs(dates: Date[], now: number) {
  const slots = [...new Set(dates.map(bucketOf))];
  return slots.map((at) => ({
    name: 'deadline-bucket',
    data: { at },
    opts: {
      jobId: bucketJobId(at),
      delay: Math.max(0, at - now),
      removeOnComplete: true,
      removeOnFail: 1000,
    },
  }));
}
