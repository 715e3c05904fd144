import type { Text } from '../../../flows/flow-schema.js';
import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, type ErrorDetail, notFound } from '../../../kernel/access/errors.js';
import { requireInScope, requireOrg, requirePeople } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../../kernel/queue/names.js';
import { CHINA_TIME_ZONE } from '../../../kernel/time/zone.js';
import { nearestRoleHolders, type PartyNotifier, type Staged } from '../notifier.js';

/**
 * Tasks for party members (inspections, duty shifts, door-to-door notices, volunteer services):
 * created over the API, pushed privately with accept / decline buttons; slots are taken first
 * come, first served under a row lock on the task (more accepters than slots: exactly `slots`
 * win, the rest are told it is full). The row carries its three moments — the reminder before
 * the due time, the accept-by time (unfilled slots escalate to the branch secretary) and the due
 * time (unfinished work escalates) — and when each was done. Delayed jobs
 * `party-task-<id>-<stage>` only wake `fireIfDue`, which re-reads the row; the reconciler fires
 * what is past and re-adds lost jobs, so a lost queue loses nothing.
 */
export interface TaskRow {
  id: number;
  org_id: number;
  branch_id: number | null;
  title: string;
  description: string;
  place: string;
  kind: 'assigned' | 'volunteers';
  slots: number;
  due_at: Date;
  remind_at: Date | null;
  accept_by: Date;
  status: 'open' | 'done' | 'cancelled';
  reminded_at: Date | null;
  unaccepted_escalated_at: Date | null;
  overdue_escalated_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

interface AssignmentRow {
  task_id: number;
  person_id: number;
  status: 'invited' | 'accepted' | 'declined' | 'completed';
  responded_at: Date | null;
  completed_at: Date | null;
  note: string | null;
  photo: string | null;
  hours: string | null;
}

export type Stage = 'remind' | 'unaccepted' | 'overdue';
const STAGES: Stage[] = ['remind', 'unaccepted', 'overdue'];

export interface CreateTaskBody {
  orgId: number;
  branchId?: number;
  title: string;
  description?: string;
  place?: string;
  dueAt: Date;
  acceptBy?: Date;
  remindBeforeMinutes?: number;
  assignees?: number[];
  volunteersNeeded?: number;
}

/** A refusal told to the person in chat; nothing was recorded. */
export type Refusal = { ok: false; message: Text };
const refuse = (zh: string, en: string): Refusal => ({ ok: false, message: { 'zh-CN': zh, en } });

const fmt = (d: Date) =>
  new Intl.DateTimeFormat('zh-CN', {
    timeZone: CHINA_TIME_ZONE,
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);

export const taskButtons = {
  accept: (id: number) => ({ label: '接受', payload: `tkok:${id}` }),
  decline: (id: number) => ({ label: '婉拒', payload: `tkno:${id}` }),
  done: (id: number) => ({ label: '完成任务', payload: `tkdone:${id}` }),
};

export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend | null,
    private readonly notifier: PartyNotifier | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Sends messages staged in a transaction (after its COMMIT). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    await this.notifier?.flush(staged);
  }

  async create(actor: Actor, body: CreateTaskBody) {
    const org = await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    // every id the body names lies in the token's subtree (404 otherwise, as for absent ones)
    if (body.branchId !== undefined)
      await requireInScope(this.db, actor.principal, 'party_branch', body.branchId, { field: 'branchId' });
    if (body.assignees !== undefined)
      await requirePeople(this.db, actor.principal, body.assignees, 'assignees');
    if (org.kind !== 'compound' && org.kind !== 'community')
      throw badRequest('Tasks belong to a compound or a community', [
        { field: 'orgId', message: `must be a compound or community, not a ${org.kind}` },
      ]);
    const now = this.now();
    const problems: ErrorDetail[] = [];
    const hasAssignees = body.assignees !== undefined;
    const hasVolunteers = body.volunteersNeeded !== undefined;
    if (hasAssignees && hasVolunteers)
      problems.push({ field: 'volunteersNeeded', message: 'give assignees or volunteersNeeded, not both' });
    else if (!hasAssignees && !hasVolunteers)
      problems.push({
        field: 'volunteersNeeded',
        message: 'a task needs assignees or volunteersNeeded (it has no slots)',
      });
    else if (hasAssignees && body.assignees!.length === 0)
      problems.push({ field: 'assignees', message: 'empty: the task would have no slots' });
    else if (hasVolunteers && body.volunteersNeeded! < 1)
      problems.push({
        field: 'volunteersNeeded',
        message: 'must be at least 1: the task would have no slots',
      });
    if (hasAssignees && new Set(body.assignees).size !== body.assignees!.length)
      problems.push({ field: 'assignees', message: 'lists a person twice' });
    if (body.dueAt.getTime() <= now.getTime()) problems.push({ field: 'dueAt', message: 'is in the past' });
    if (body.acceptBy && (body.acceptBy.getTime() <= now.getTime() || body.acceptBy > body.dueAt))
      problems.push({ field: 'acceptBy', message: 'must be in the future and not after dueAt' });
    if (problems.length) throw badRequest(problems[0]!.message, problems);

    const created = await this.db.transaction(async (tx) => {
      // approved members reporting in the task's subtree: the assignees must be among them
      const { rows: members } = await tx.query<{ person_id: number }>(
        `SELECT DISTINCT m.person_id FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
         WHERE m.status = 'approved' AND c.path @> ARRAY[$1::bigint] ORDER BY m.person_id`,
        [body.orgId],
      );
      const eligible = new Set(members.map((m) => Number(m.person_id)));
      let recipients: number[];
      if (hasAssignees) {
        const unknown = body.assignees!.flatMap((id, i) =>
          eligible.has(id)
            ? []
            : [
                {
                  field: `assignees.${i}`,
                  message: `person ${id} is not an approved party member reporting here`,
                },
              ],
        );
        if (unknown.length) throw badRequest('Unknown assignee', unknown);
        recipients = body.assignees!;
      } else {
        recipients = [...eligible];
        if (recipients.length === 0)
          throw badRequest('Nobody to ask', [
            { field: 'orgId', message: 'no approved party member reports to this org' },
          ]);
      }
      const slots = hasAssignees ? recipients.length : body.volunteersNeeded!;
      const remindAt = new Date(body.dueAt.getTime() - (body.remindBeforeMinutes ?? 120) * 60_000);
      const acceptBy = body.acceptBy ?? new Date(now.getTime() + (body.dueAt.getTime() - now.getTime()) / 2);
      const { rows } = await tx.query<TaskRow>(
        `INSERT INTO linli.party_tasks (org_id, branch_id, title, description, place, kind, slots, due_at,
           remind_at, accept_by, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          body.orgId,
          body.branchId ?? null,
          body.title,
          body.description ?? '',
          body.place ?? '',
          hasAssignees ? 'assigned' : 'volunteers',
          slots,
          body.dueAt,
          remindAt > now ? remindAt : null,
          acceptBy,
          actor.principal.label,
        ],
      );
      const task = rows[0]!;
      await tx.query(
        `INSERT INTO linli.party_task_assignments (task_id, person_id) SELECT $1, unnest($2::bigint[])`,
        [task.id, recipients],
      );
      await recordAudit(tx, actor, {
        action: 'task.create',
        objectType: 'task',
        objectId: task.id,
        orgId: task.org_id,
        after: { ...present(task), recipients },
      });
      const staged: (Staged | null)[] = [];
      if (this.notifier) {
        const head = hasAssignees ? '【新任务】' : `【志愿者招募】需要 ${slots} 人，先到先得。`;
        const text = `${head}${task.title}\n${task.description ? `${task.description}\n` : ''}${
          task.place ? `地点：${task.place}\n` : ''
        }截止：${fmt(task.due_at)}`;
        for (const p of recipients)
          staged.push(
            await this.notifier.stage(tx, p, text, `party-task-${task.id}-invite-${p}`, {
              orgId: task.org_id,
              choices: [taskButtons.accept(task.id), taskButtons.decline(task.id)],
            }),
          );
      }
      return { task, staged };
    });
    await this.notifier?.flush(created.staged);
    await this.schedule(created.task);
    return this.get(actor.principal, created.task.id);
  }

  private dueOf(t: TaskRow, stage: Stage): Date | null {
    if (t.status !== 'open') return null;
    if (stage === 'remind') return t.reminded_at ? null : t.remind_at;
    if (stage === 'unaccepted') return t.unaccepted_escalated_at ? null : t.accept_by;
    return t.overdue_escalated_at ? null : t.due_at;
  }

  /** Adds the delayed jobs of the task's pending moments (after COMMIT). */
  async schedule(t: TaskRow): Promise<void> {
    if (!this.queues) return;
    const now = this.now().getTime();
    const jobs = STAGES.flatMap((stage) => {
      const at = this.dueOf(t, stage);
      return at
        ? [
            {
              name: 'task',
              data: { taskId: t.id, stage },
              opts: {
                jobId: taskJobId(t.id, stage),
                delay: Math.max(0, at.getTime() - now),
                removeOnComplete: true,
                removeOnFail: 1000,
              },
            },
          ]
        : [];
    });
    await this.queues.addBulk(QueueName.party, jobs);
  }

  /**
   * The worker's and the reconciler's one entry: does the stage's work if the row still needs it
   * (open, not done before, its time come). Messages are written in the same transaction as the
   * mark, so a crash can neither lose them nor send them twice.
   */
  async fireIfDue(taskId: number, stage: Stage): Promise<boolean> {
    const result = await this.db.transaction(async (tx) => {
      const t = (
        await tx.query<TaskRow>('SELECT * FROM linli.party_tasks WHERE id = $1 FOR UPDATE', [taskId])
      ).rows[0];
      if (!t) return null;
      const at = this.dueOf(t, stage);
      if (!at || at.getTime() > this.now().getTime()) return null;
      const column = {
        remind: 'reminded_at',
        unaccepted: 'unaccepted_escalated_at',
        overdue: 'overdue_escalated_at',
      }[stage];
      await tx.query(`UPDATE linli.party_tasks SET ${column} = $2, updated_at = now() WHERE id = $1`, [
        taskId,
        this.now(),
      ]);
      const staged: (Staged | null)[] = [];
      if (!this.notifier) return staged;
      const as = await assignments(tx, taskId);
      const taken = as.filter((a) => a.status === 'accepted' || a.status === 'completed');
      const names = async (ids: number[]) =>
        ids.length
          ? (
              await tx.query<{ name: string }>(
                'SELECT name FROM linli.people WHERE id = ANY($1::bigint[]) ORDER BY id',
                [ids],
              )
            ).rows.map((r) => r.name)
          : [];
      if (stage === 'remind') {
        for (const a of as.filter((x) => x.status === 'accepted'))
          staged.push(
            await this.notifier.stage(
              tx,
              a.person_id,
              `【任务提醒】${t.title} 将于 ${fmt(t.due_at)} 截止${t.place ? `，地点：${t.place}` : ''}。完成后请点「完成任务」。`,
              `party-task-${t.id}-remind-${a.person_id}`,
              { orgId: t.org_id, choices: [taskButtons.done(t.id)] },
            ),
          );
        return staged;
      }
      let text: string | null = null;
      if (stage === 'unaccepted' && taken.length < t.slots) {
        const waiting = as
          .filter((a) => a.status === 'invited' || a.status === 'declined')
          .map((a) => a.person_id);
        text = `【任务无人接】${t.title}（截止 ${fmt(t.due_at)}）需要 ${t.slots} 人，已接 ${taken.length} 人。${
          t.kind === 'assigned' && waiting.length ? `未接：${(await names(waiting)).join('、')}。` : ''
        }请协调。`;
      }
      if (stage === 'overdue') {
        const unfinished = as.filter((a) => a.status === 'accepted').map((a) => a.person_id);
        if (unfinished.length || taken.length < t.slots)
          text = `【任务逾期】${t.title} 已过截止时间 ${fmt(t.due_at)}。${
            unfinished.length ? `未完成：${(await names(unfinished)).join('、')}。` : ''
          }${taken.length < t.slots ? `名额 ${t.slots}，只接了 ${taken.length} 人。` : ''}请督促。`;
      }
      if (!text) return staged;
      for (const p of await this.escalationRecipients(tx, t, as))
        staged.push(
          await this.notifier.stage(tx, p, text, `party-task-${t.id}-${stage}-${p}`, {
            orgId: t.org_id,
            urgent: true,
          }),
        );
      return staged;
    });
    if (result === null) return false;
    await this.notifier?.flush(result);
    return true;
  }

  /** The task's branch secretary; else the secretaries of the branches of the people asked; else the party secretary nearest the task's org. */
  private async escalationRecipients(tx: Queryable, t: TaskRow, as: AssignmentRow[]): Promise<number[]> {
    const { rows } = await tx.query<{ secretary_id: number }>(
      t.branch_id !== null
        ? 'SELECT secretary_id FROM linli.party_branches WHERE id = $1 AND secretary_id IS NOT NULL'
        : `SELECT DISTINCT b.secretary_id FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
           WHERE m.person_id = ANY($1::bigint[]) AND m.status = 'approved' AND b.secretary_id IS NOT NULL`,
      [t.branch_id !== null ? t.branch_id : as.map((a) => a.person_id)],
    );
    const found = [...new Set(rows.map((r) => Number(r.secretary_id)))].sort((a, b) => a - b);
    return found.length ? found : nearestRoleHolders(tx, t.org_id, 'party_secretary');
  }

  /**
   * At start and every minute: fires every moment whose time has passed (the queue may have lost
   * its job), then re-adds the jobs of future moments that are missing. Pages by id.
   */
  async reconcile(pageSize = 500): Promise<{ fired: number; rescheduled: number }> {
    let fired = 0;
    let rescheduled = 0;
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<TaskRow>(
        `SELECT * FROM linli.party_tasks WHERE status = 'open' AND id > $1 AND overdue_escalated_at IS NULL
         ORDER BY id LIMIT $2`,
        [after, pageSize],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      for (const t of rows) {
        let missing = false;
        for (const stage of STAGES) {
          const at = this.dueOf(t, stage);
          if (!at) continue;
          if (at.getTime() <= this.now().getTime()) {
            if (await this.fireIfDue(t.id, stage)) fired++;
          } else if (
            this.queues &&
            !(await this.queues.queue(QueueName.party).getJob(taskJobId(t.id, stage)))
          ) {
            missing = true;
          }
        }
        if (missing) {
          await this.schedule(t);
          rescheduled++;
        }
      }
    }
    return { fired, rescheduled };
  }

  // ---------------------------------------------------------------------------------------------
  // answers from chat (in the conversation's or the button's transaction)

  private async lockOpen(tx: Queryable, taskId: number): Promise<TaskRow | Refusal> {
    const t = (await tx.query<TaskRow>('SELECT * FROM linli.party_tasks WHERE id = $1 FOR UPDATE', [taskId]))
      .rows[0];
    if (!t) return refuse('这个任务已不存在。', 'This task no longer exists.');
    if (t.status === 'cancelled')
      return refuse('这个任务已取消，无需再回复。', 'This task was cancelled; no reply is needed.');
    if (t.status === 'done')
      return refuse('这个任务已经结束了，谢谢您。', 'This task is already finished, thank you.');
    return t;
  }

  /** First come, first served: the task row is locked, so concurrent accepts queue behind each other. */
  async accept(
    tx: Queryable,
    taskId: number,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow; staged: (Staged | null)[] } | Refusal> {
    const t = await this.lockOpen(tx, taskId);
    if ('ok' in t) return t;
    if (t.due_at.getTime() <= this.now().getTime())
      return refuse('这个任务已过截止时间，不能再接了。', 'This task is past its due time.');
    const as = await assignments(tx, taskId);
    const mine = as.find((a) => a.person_id === personId);
    if (mine?.status === 'accepted' || mine?.status === 'completed')
      return refuse('您已经接受了这个任务。', 'You have already accepted this task.');
    if (!mine) {
      if (t.kind === 'assigned')
        return refuse('这个任务不是派给您的。', 'This task was not assigned to you.');
      const { rows } = await tx.query(
        `SELECT 1 FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
         WHERE m.person_id = $1 AND m.status = 'approved' AND c.path @> ARRAY[$2::bigint] LIMIT 1`,
        [personId, t.org_id],
      );
      if (!rows[0])
        return refuse(
          '只有到本社区（小区）报到的党员可以接这个任务。',
          'Only party members reporting here can take this task.',
        );
    }
    const taken = as.filter((a) => a.status === 'accepted' || a.status === 'completed').length;
    if (taken >= t.slots)
      return refuse('名额已满，谢谢您的热心！', 'All slots are taken, thank you all the same!');
    await tx.query(
      `INSERT INTO linli.party_task_assignments (task_id, person_id, status, responded_at) VALUES ($1, $2, 'accepted', $3)
       ON CONFLICT (task_id, person_id) DO UPDATE SET status = 'accepted', responded_at = EXCLUDED.responded_at`,
      [taskId, personId, this.now()],
    );
    const staged = this.notifier
      ? [
          await this.notifier.stage(
            tx,
            personId,
            `已为您登记任务「${t.title}」。完成后请点「完成任务」，写下情况并拍一张照片。`,
            `party-task-${t.id}-accepted-${personId}`,
            { orgId: t.org_id, choices: [taskButtons.done(t.id)], urgent: true },
          ),
        ]
      : [];
    return { ok: true, task: t, staged };
  }

  async decline(
    tx: Queryable,
    taskId: number,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow } | Refusal> {
    const t = await this.lockOpen(tx, taskId);
    if ('ok' in t) return t;
    const mine = (await assignments(tx, taskId)).find((a) => a.person_id === personId);
    if (!mine) return refuse('这个任务不是派给您的。', 'This task was not sent to you.');
    if (mine.status === 'completed')
      return refuse('您已经完成了这个任务。', 'You have already completed this task.');
    if (mine.status === 'declined') return refuse('您已经婉拒过了。', 'You have already declined.');
    await tx.query(
      `UPDATE linli.party_task_assignments SET status = 'declined', responded_at = $3 WHERE task_id = $1 AND person_id = $2`,
      [taskId, personId, this.now()],
    );
    return { ok: true, task: t };
  }

  /** The task a person is completing: the one named, or their only accepted one. */
  async completable(
    tx: Queryable,
    taskId: number | undefined,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow } | Refusal> {
    let id = taskId;
    if (id === undefined) {
      const { rows } = await tx.query<{ task_id: number }>(
        `SELECT a.task_id FROM linli.party_task_assignments a JOIN linli.party_tasks t ON t.id = a.task_id
         WHERE a.person_id = $1 AND a.status = 'accepted' AND t.status = 'open' ORDER BY t.due_at LIMIT 2`,
        [personId],
      );
      if (rows.length !== 1)
        return rows.length === 0
          ? refuse('您现在没有待完成的任务。', 'You have no task to complete.')
          : refuse(
              '您有多个待完成的任务，请点对应任务消息里的「完成任务」。',
              'You have several tasks: press 完成任务 on the one you did.',
            );
      id = Number(rows[0]!.task_id);
    }
    const t = await this.lockOpen(tx, id);
    if ('ok' in t) return t;
    const mine = (await assignments(tx, id)).find((a) => a.person_id === personId);
    if (mine?.status === 'completed')
      return refuse('这个任务您已经完成了。', 'You have already completed this task.');
    if (mine?.status !== 'accepted')
      return refuse('您没有接受这个任务。', 'You have not accepted this task.');
    return { ok: true, task: t };
  }

  /** Records a member's completion; the task is done when every slot is taken and completed. */
  async complete(
    tx: Queryable,
    r: { taskId?: number; personId: number; note: string; photo: string | null; hours: number },
  ): Promise<{ ok: true; task: TaskRow; finished: boolean } | Refusal> {
    const c = await this.completable(tx, r.taskId, r.personId);
    if (!c.ok) return c;
    const t = c.task;
    await tx.query(
      `UPDATE linli.party_task_assignments SET status = 'completed', completed_at = $3, note = $4, photo = $5, hours = $6
       WHERE task_id = $1 AND person_id = $2`,
      [t.id, r.personId, this.now(), r.note, r.photo, r.hours],
    );
    const as = await assignments(tx, t.id);
    const completed = as.filter((a) => a.status === 'completed').length;
    const finished = completed >= t.slots && !as.some((a) => a.status === 'accepted');
    if (finished)
      await tx.query(
        `UPDATE linli.party_tasks SET status = 'done', finished_at = $2, updated_at = now() WHERE id = $1`,
        [t.id, this.now()],
      );
    return { ok: true, task: t, finished };
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP reads and cancel

  private async taskFor(p: Principal, id: number, q: Queryable = this.db) {
    const { rows } = await q.query<TaskRow & { path: string[] }>(
      `SELECT t.*, o.path FROM linli.party_tasks t JOIN linli.orgs o ON o.id = t.org_id WHERE t.id = $1`,
      [id],
    );
    const t = rows[0];
    if (!t) throw notFound('task', id);
    assertCanSee(p, t.path.map(Number), 'task', id);
    return t;
  }

  async get(p: Principal, id: number) {
    const t = await this.taskFor(p, id);
    const { rows } = await this.db.query<AssignmentRow & { name: string }>(
      `SELECT a.*, p.name FROM linli.party_task_assignments a JOIN linli.people p ON p.id = a.person_id
       WHERE a.task_id = $1 ORDER BY a.person_id`,
      [id],
    );
    return {
      ...present(t),
      assignments: rows.map((a) => ({
        personId: a.person_id,
        name: a.name,
        status: a.status,
        respondedAt: a.responded_at,
        completedAt: a.completed_at,
        note: a.note,
        photo: a.photo,
        hours: a.hours,
      })),
    };
  }

  async list(p: Principal, f: { orgId?: number; status?: string; limit?: number; cursor?: string }) {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const limit = f.limit ?? 50;
    const { rows } = await this.db.query<TaskRow & { taken: number }>(
      `SELECT t.*, (SELECT count(*)::int FROM linli.party_task_assignments a
                    WHERE a.task_id = t.id AND a.status IN ('accepted', 'completed')) AS taken
       FROM linli.party_tasks t JOIN linli.orgs o ON o.id = t.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR t.status = $2)
         AND ($3::bigint IS NULL OR t.id < $3)
       ORDER BY t.id DESC LIMIT $4`,
      [scope, f.status ?? null, decodeCursor(f.cursor), limit + 1],
    );
    return page(
      rows.map((t) => ({ ...present(t), taken: t.taken })),
      limit,
    );
  }

  async cancel(actor: Actor, id: number) {
    const t = await this.taskFor(actor.principal, id);
    assertCanWrite(actor.principal, t.path.map(Number), 'task', id);
    const staged = await this.db.transaction(async (tx) => {
      const locked = await this.lockOpen(tx, id);
      if ('ok' in locked)
        throw conflict(`The task is already ${t.status}`, [{ field: 'status', message: t.status }]);
      await recordAudit(tx, actor, {
        action: 'task.cancel',
        objectType: 'task',
        objectId: id,
        orgId: t.org_id,
        before: { status: t.status },
        after: { status: 'cancelled' },
      });
      await tx.query(
        `UPDATE linli.party_tasks SET status = 'cancelled', finished_at = $2, updated_at = now() WHERE id = $1`,
        [id, this.now()],
      );
      const out: (Staged | null)[] = [];
      if (this.notifier)
        for (const a of (await assignments(tx, id)).filter(
          (x) => x.status === 'accepted' || x.status === 'invited',
        ))
          out.push(
            await this.notifier.stage(
              tx,
              a.person_id,
              `【任务取消】${t.title} 已取消，无需再处理。`,
              `party-task-${id}-cancel-${a.person_id}`,
              {
                orgId: t.org_id,
              },
            ),
          );
      return out;
    });
    await this.notifier?.flush(staged);
    if (this.queues)
      for (const s of STAGES)
        await this.queues
          .queue(QueueName.party)
          .remove(taskJobId(id, s))
          .catch(() => 0);
    return this.get(actor.principal, id);
  }
}

export const taskJobId = (id: number, stage: Stage) => jobId('party-task', id, stage);

async function assignments(tx: Queryable, taskId: number): Promise<AssignmentRow[]> {
  const { rows } = await tx.query<AssignmentRow>(
    'SELECT * FROM linli.party_task_assignments WHERE task_id = $1 ORDER BY person_id',
    [taskId],
  );
  return rows.map((r) => ({ ...r, person_id: Number(r.person_id) }));
}

function present(t: TaskRow) {
  return {
    id: t.id,
    orgId: t.org_id,
    branchId: t.branch_id,
    title: t.title,
    description: t.description,
    place: t.place,
    kind: t.kind,
    slots: t.slots,
    dueAt: t.due_at,
    acceptBy: t.accept_by,
    remindAt: t.remind_at,
    status: t.status,
    remindedAt: t.reminded_at,
    unacceptedEscalatedAt: t.unaccepted_escalated_at,
    overdueEscalatedAt: t.overdue_escalated_at,
    createdBy: t.created_by,
    createdAt: t.created_at,
    finishedAt: t.finished_at,
  };
}
