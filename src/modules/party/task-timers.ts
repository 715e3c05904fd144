import type { Queryable } from '../../kernel/db/db.js';
import type { Moment, Occurrence } from '../../kernel/moments/moment.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import type { TaskDeps } from './deps.js';
import type { Say, Staged } from './notifier.js';
import { nearestRoleHolders } from './repository/members.js';
import {
  type AssignmentRow,
  assignments,
  branchSecretary,
  lockTask,
  markStageDone,
  openTasksPage,
  peopleNames,
  type StageColumn,
  secretariesOfBranchesOf,
  type TaskRow,
} from './repository/tasks.js';
import { taskButtons, taskSubject } from './task-texts.js';
import { partyTexts } from './texts.js';

/**
 * The timer machine of a task. The row carries its three moments — the reminder before the due
 * time, the accept-by time (unfilled slots escalate to the branch secretary) and the due time
 * (unfinished work escalates) — and when each was done. Delayed jobs `party-task-<id>-<stage>`
 * only wake `fireIfDue`, which re-reads the row; the reconciler fires what is past and re-adds
 * lost jobs, so a lost queue loses nothing. The worker that runs the jobs is in moments.ts.
 */
export type Stage = 'remind' | 'unaccepted' | 'overdue';
export const STAGES: Stage[] = ['remind', 'unaccepted', 'overdue'];

const DONE_COLUMN: Record<Stage, StageColumn> = {
  remind: 'reminded_at',
  unaccepted: 'unaccepted_escalated_at',
  overdue: 'overdue_escalated_at',
};

export const taskJobId = (id: number, stage: Stage) => jobId('party-task', id, stage);

/** When the stage is due; null when it needs nothing (the task is closed or the stage was done). */
function dueOf(t: TaskRow, stage: Stage): Date | null {
  if (t.status !== 'open') return null;
  if (stage === 'remind') return t.reminded_at ? null : t.remind_at;
  if (stage === 'unaccepted') return t.unaccepted_escalated_at ? null : t.accept_by;
  return t.overdue_escalated_at ? null : t.due_at;
}

/** The payload of a task's jobs. */
export interface TaskStage {
  taskId: number;
  stage: Stage;
}

/** A task's reminders and escalations: jobs `party-task-<id>-<stage>` named `task` on the party queue. */
export function taskMoment(d: TaskDeps): Moment<TaskStage> {
  return {
    label: 'party task',
    queue: QueueName.party,
    job: 'task',
    jobId: (x) => taskJobId(x.taskId, x.stage),
    fire: (x) => fireIfDue(d, x.taskId, x.stage),
  };
}

/** The jobs the task's pending stages need. */
function occurrencesOf(t: TaskRow): Occurrence<TaskStage>[] {
  return STAGES.flatMap((stage) => {
    const at = dueOf(t, stage);
    return at ? [{ data: { taskId: t.id, stage }, at }] : [];
  });
}

/** Adds the delayed jobs of the task's pending moments (after COMMIT). */
export async function scheduleTask(d: TaskDeps, t: TaskRow): Promise<void> {
  await d.moments.schedule(taskMoment(d), occurrencesOf(t));
}

/** Removes the task's delayed jobs (after a cancel); a job already gone is no error. */
export async function unscheduleTask(d: TaskDeps, id: number): Promise<void> {
  await d.moments.unschedule(
    taskMoment(d),
    STAGES.map((stage) => ({ taskId: id, stage })),
  );
}

/**
 * The worker's and the reconciler's one entry: does the stage's work if the row still needs it
 * (open, not done before, its time come). Messages are written in the same transaction as the
 * mark, so a crash can neither lose them nor send them twice.
 */
export async function fireIfDue(d: TaskDeps, taskId: number, stage: Stage): Promise<boolean> {
  const result = await d.db.transaction(async (tx) => {
    const t = await lockTask(tx, taskId);
    if (!t) return null;
    const at = dueOf(t, stage);
    if (!at || at.getTime() > d.now().getTime()) return null;
    await markStageDone(tx, taskId, DONE_COLUMN[stage], d.now());
    const staged: (Staged | null)[] = [];
    const as = await assignments(tx, taskId);
    const taken = as.filter((a) => a.status === 'accepted' || a.status === 'completed');
    const names = async (ids: number[]) => (ids.length ? await peopleNames(tx, ids) : []);
    if (stage === 'remind') {
      for (const a of as.filter((x) => x.status === 'accepted'))
        staged.push(
          await d.notifier.stage(
            tx,
            a.person_id,
            (l) => partyTexts(l).remind(taskSubject(t)),
            `party-task-${t.id}-remind-${a.person_id}`,
            { orgId: t.org_id, choices: (l) => [taskButtons.done(t.id, l)] },
          ),
        );
      return staged;
    }
    let text: Say | null = null;
    const subject = taskSubject(t);
    if (stage === 'unaccepted' && taken.length < t.slots) {
      const waiting = as
        .filter((a) => a.status === 'invited' || a.status === 'declined')
        .map((a) => a.person_id);
      const named = t.kind === 'assigned' ? await names(waiting) : [];
      text = (l) => partyTexts(l).unaccepted(subject, t.slots, taken.length, named);
    }
    if (stage === 'overdue') {
      const unfinished = as.filter((a) => a.status === 'accepted').map((a) => a.person_id);
      if (unfinished.length || taken.length < t.slots) {
        const named = await names(unfinished);
        text = (l) => partyTexts(l).overdue(subject, t.slots, taken.length, named);
      }
    }
    if (!text) return staged;
    for (const p of await escalationRecipients(tx, t, as))
      staged.push(
        await d.notifier.stage(tx, p, text, `party-task-${t.id}-${stage}-${p}`, {
          orgId: t.org_id,
          urgent: true,
        }),
      );
    return staged;
  });
  if (result === null) return false;
  await d.notifier.flush(result);
  return true;
}

/** The task's branch secretary; else the secretaries of the branches of the people asked; else the party secretary nearest the task's org. */
async function escalationRecipients(tx: Queryable, t: TaskRow, as: AssignmentRow[]): Promise<number[]> {
  const rows =
    t.branch_id !== null
      ? await branchSecretary(tx, t.branch_id)
      : await secretariesOfBranchesOf(
          tx,
          as.map((a) => a.person_id),
        );
  const found = [...new Set(rows.map((r) => Number(r.secretary_id)))].sort((a, b) => a - b);
  return found.length ? found : nearestRoleHolders(tx, t.org_id, 'party_secretary');
}

/**
 * At start and every minute: fires every moment whose time has passed (the queue may have lost
 * its job), then re-adds the jobs of future moments that are missing. Pages by id.
 */
export async function reconcileTasks(
  d: TaskDeps,
  pageSize = 500,
): Promise<{ fired: number; rescheduled: number }> {
  let fired = 0;
  let rescheduled = 0;
  let after = 0;
  for (;;) {
    const rows = await openTasksPage(d.db, after, pageSize);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    const future: Occurrence<TaskStage>[] = [];
    for (const t of rows) {
      for (const o of occurrencesOf(t)) {
        if (o.at.getTime() > d.now().getTime()) future.push(o);
        else if (await fireIfDue(d, t.id, o.data.stage)) fired++;
      }
    }
    // the page's future jobs, probed in one batch; count the tasks that had one re-added
    const lost = await d.moments.ensure(taskMoment(d), future);
    rescheduled += new Set(lost.map((o) => o.data.taskId)).size;
  }
  return { fired, rescheduled };
}
