import type { Locale } from '../../../flows/flow-schema.js';
import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, type ErrorDetail } from '../../../kernel/access/errors.js';
import { requireInScope, requireOrg, requirePeople } from '../../../kernel/access/in-scope.js';
import { type Actor, assertCanWrite, type Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { Moments } from '../../../kernel/moments/moments.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import type { TaskDeps } from '../deps.js';
import type { PartyNotifier, Staged } from '../notifier.js';
import { getTask, listTasks, presentTask, taskFor } from '../queries/tasks.js';
import {
  approvedMembersUnder,
  assignments,
  cancelTaskRow,
  insertInvitations,
  insertTask,
  type TaskRow,
} from '../repository/tasks.js';
import { taskButtons, taskSubject } from '../task-texts.js';
import {
  fireIfDue,
  reconcileTasks,
  type Stage,
  scheduleTask,
  taskMoment,
  unscheduleTask,
} from '../task-timers.js';
import { partyTexts } from '../texts.js';
import { accept, completable, complete, decline, lockOpen, type Refusal } from './task-answers.js';

/**
 * Tasks for party members (inspections, duty shifts, door-to-door notices, volunteer services):
 * created over the API, pushed privately with accept / decline buttons; slots are taken first
 * come, first served under a row lock on the task (more accepters than slots: exactly `slots`
 * win, the rest are told it is full). The row carries its three moments — the reminder before
 * the due time, the accept-by time (unfilled slots escalate to the branch secretary) and the due
 * time (unfinished work escalates) — and when each was done. Delayed jobs
 * `party-task-<id>-<stage>` only wake `fireIfDue`, which re-reads the row; the reconciler fires
 * what is past and re-adds lost jobs, so a lost queue loses nothing.
 *
 * `TaskService` is the façade the app, the worker, chat and flows call: create and cancel live
 * here; the answers from chat in task-answers.ts; the moments in ../task-timers.ts; the reads in
 * ../queries/tasks.ts; the SQL in ../repository/tasks.ts.
 */
export type { TaskRow } from '../repository/tasks.js';
export { taskButtons } from '../task-texts.js';
export { type Stage, taskJobId } from '../task-timers.js';
export type { Refusal } from './task-answers.js';

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

export class TaskService {
  private readonly deps: TaskDeps;

  constructor(db: Db, queues: QueueBackend, notifier: PartyNotifier, now: () => Date = () => new Date()) {
    this.deps = { db, moments: new Moments(queues, now), notifier, now };
  }

  /** The moment of tasks' reminders and escalations, for the worker (moments.ts). */
  get moment() {
    return taskMoment(this.deps);
  }

  /** Sends messages staged in a transaction (after its COMMIT). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    await this.deps.notifier.flush(staged);
  }

  async create(actor: Actor, body: CreateTaskBody) {
    const created = await createTask(this.deps, actor, body);
    await this.deps.notifier.flush(created.staged);
    await this.schedule(created.task);
    return this.get(actor.principal, created.task.id);
  }

  /** Adds the delayed jobs of the task's pending moments (after COMMIT). */
  async schedule(t: TaskRow): Promise<void> {
    await scheduleTask(this.deps, t);
  }

  /**
   * The worker's and the reconciler's one entry: does the stage's work if the row still needs it
   * (open, not done before, its time come). Messages are written in the same transaction as the
   * mark, so a crash can neither lose them nor send them twice.
   */
  async fireIfDue(taskId: number, stage: Stage): Promise<boolean> {
    return fireIfDue(this.deps, taskId, stage);
  }

  /**
   * At start and every minute: fires every moment whose time has passed (the queue may have lost
   * its job), then re-adds the jobs of future moments that are missing. Pages by id.
   */
  async reconcile(pageSize = 500): Promise<{ fired: number; rescheduled: number }> {
    return reconcileTasks(this.deps, pageSize);
  }

  // ---------------------------------------------------------------------------------------------
  // answers from chat (in the conversation's or the button's transaction): task-answers.ts

  /** First come, first served: the task row is locked, so concurrent accepts queue behind each other. */
  async accept(
    tx: Queryable,
    taskId: number,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow; staged: (Staged | null)[] } | Refusal> {
    return accept(this.deps, tx, taskId, personId);
  }

  async decline(
    tx: Queryable,
    taskId: number,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow } | Refusal> {
    return decline(this.deps, tx, taskId, personId);
  }

  /** The task a person is completing: the one named, or their only accepted one. */
  async completable(
    tx: Queryable,
    taskId: number | undefined,
    personId: number,
  ): Promise<{ ok: true; task: TaskRow } | Refusal> {
    return completable(tx, taskId, personId);
  }

  /** Records a member's completion; the task is done when every slot is taken and completed. */
  async complete(
    tx: Queryable,
    r: { taskId?: number; personId: number; note: string; photo: string | null; hours: number },
  ): Promise<{ ok: true; task: TaskRow; finished: boolean } | Refusal> {
    return complete(this.deps, tx, r);
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP reads (../queries/tasks.ts) and cancel

  async get(p: Principal, id: number) {
    return getTask(this.deps.db, p, id);
  }

  async list(p: Principal, f: { orgId?: number; status?: string; limit?: number; cursor?: string }) {
    return listTasks(this.deps.db, p, f);
  }

  async cancel(actor: Actor, id: number) {
    const { db, notifier } = this.deps;
    const t = await taskFor(db, actor.principal, id);
    assertCanWrite(actor.principal, t.path.map(Number), 'task', id);
    const staged = await db.transaction(async (tx) => {
      const locked = await lockOpen(tx, id);
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
      await cancelTaskRow(tx, id, this.deps.now());
      const out: (Staged | null)[] = [];
      for (const a of (await assignments(tx, id)).filter(
        (x) => x.status === 'accepted' || x.status === 'invited',
      ))
        out.push(
          await notifier.stage(
            tx,
            a.person_id,
            (l) => partyTexts(l).cancelled(t.title),
            `party-task-${id}-cancel-${a.person_id}`,
            {
              orgId: t.org_id,
            },
          ),
        );
      return out;
    });
    await notifier.flush(staged);
    await unscheduleTask(this.deps, id);
    return this.get(actor.principal, id);
  }
}

/**
 * Validates the body, then writes the task, its invitations and their messages in one
 * transaction; returns the task and the staged messages (the caller flushes them and schedules
 * the task's moments after COMMIT).
 */
async function createTask(
  d: TaskDeps,
  actor: Actor,
  body: CreateTaskBody,
): Promise<{ task: TaskRow; staged: (Staged | null)[] }> {
  const org = await requireOrg(d.db, actor.principal, body.orgId, { field: 'orgId', write: true });
  // every id the body names lies in the token's subtree (404 otherwise, as for absent ones)
  if (body.branchId !== undefined)
    await requireInScope(d.db, actor.principal, 'party_branch', body.branchId, { field: 'branchId' });
  if (body.assignees !== undefined) await requirePeople(d.db, actor.principal, body.assignees, 'assignees');
  if (org.kind !== 'compound' && org.kind !== 'community')
    throw badRequest('Tasks belong to a compound or a community', [
      { field: 'orgId', message: `must be a compound or community, not a ${org.kind}` },
    ]);
  const now = d.now();
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

  return d.db.transaction(async (tx) => {
    // approved members reporting in the task's subtree: the assignees must be among them
    const members = await approvedMembersUnder(tx, body.orgId);
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
    const task = await insertTask(tx, {
      orgId: body.orgId,
      branchId: body.branchId ?? null,
      title: body.title,
      description: body.description ?? '',
      place: body.place ?? '',
      kind: hasAssignees ? 'assigned' : 'volunteers',
      slots,
      dueAt: body.dueAt,
      remindAt: remindAt > now ? remindAt : null,
      acceptBy,
      createdBy: actor.principal.label,
    });
    await insertInvitations(tx, task.id, recipients);
    await recordAudit(tx, actor, {
      action: 'task.create',
      objectType: 'task',
      objectId: task.id,
      orgId: task.org_id,
      after: { ...presentTask(task), recipients },
    });
    const staged: (Staged | null)[] = [];
    const subject = taskSubject(task);
    const text = (l: Locale) => partyTexts(l).invite(subject, hasAssignees ? null : slots);
    for (const p of recipients)
      staged.push(
        await d.notifier.stage(tx, p, text, `party-task-${task.id}-invite-${p}`, {
          orgId: task.org_id,
          choices: (l) => [taskButtons.accept(task.id, l), taskButtons.decline(task.id, l)],
        }),
      );
    return { task, staged };
  });
}
