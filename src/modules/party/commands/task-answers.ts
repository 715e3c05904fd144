import type { Text } from '../../../flows/flow-schema.js';
import type { Queryable } from '../../../kernel/db/db.js';
import type { PartyDeps } from '../deps.js';
import type { Staged } from '../notifier.js';
import {
  acceptAssignment,
  acceptedOpenTaskIds,
  assignments,
  completeAssignment,
  declineAssignment,
  finishTask,
  isApprovedMemberUnder,
  lockTask,
  type TaskRow,
} from '../repository/tasks.js';
import { taskButtons } from '../task-texts.js';
import { partyTexts } from '../texts.js';

/**
 * The answers of party members to a task, from chat and flows (in the conversation's or the
 * button's transaction): accept (slots first come, first served under a row lock on the task:
 * with more accepters than slots exactly `slots` win, the rest are told it is full), decline,
 * and complete.
 */

/** A refusal told to the person in chat; nothing was recorded. */
export type Refusal = { ok: false; message: Text };
const refuse = (zh: string, en: string): Refusal => ({ ok: false, message: { 'zh-CN': zh, en } });

/** The task, locked, when it is still open; else what to tell the person. */
export async function lockOpen(tx: Queryable, taskId: number): Promise<TaskRow | Refusal> {
  const t = await lockTask(tx, taskId);
  if (!t) return refuse('这个任务已不存在。', 'This task no longer exists.');
  if (t.status === 'cancelled')
    return refuse('这个任务已取消，无需再回复。', 'This task was cancelled; no reply is needed.');
  if (t.status === 'done')
    return refuse('这个任务已经结束了，谢谢您。', 'This task is already finished, thank you.');
  return t;
}

/** First come, first served: the task row is locked, so concurrent accepts queue behind each other. */
export async function accept(
  d: PartyDeps,
  tx: Queryable,
  taskId: number,
  personId: number,
): Promise<{ ok: true; task: TaskRow; staged: (Staged | null)[] } | Refusal> {
  const t = await lockOpen(tx, taskId);
  if ('ok' in t) return t;
  if (t.due_at.getTime() <= d.now().getTime())
    return refuse('这个任务已过截止时间，不能再接了。', 'This task is past its due time.');
  const as = await assignments(tx, taskId);
  const mine = as.find((a) => a.person_id === personId);
  if (mine?.status === 'accepted' || mine?.status === 'completed')
    return refuse('您已经接受了这个任务。', 'You have already accepted this task.');
  if (!mine) {
    if (t.kind === 'assigned') return refuse('这个任务不是派给您的。', 'This task was not assigned to you.');
    if (!(await isApprovedMemberUnder(tx, personId, t.org_id)))
      return refuse(
        '只有到本社区（小区）报到的党员可以接这个任务。',
        'Only party members reporting here can take this task.',
      );
  }
  const taken = as.filter((a) => a.status === 'accepted' || a.status === 'completed').length;
  if (taken >= t.slots)
    return refuse('名额已满，谢谢您的热心！', 'All slots are taken, thank you all the same!');
  await acceptAssignment(tx, taskId, personId, d.now());
  const staged = [
    await d.notifier.stage(
      tx,
      personId,
      (l) => partyTexts(l).accepted(t.title),
      `party-task-${t.id}-accepted-${personId}`,
      { orgId: t.org_id, choices: (l) => [taskButtons.done(t.id, l)], urgent: true },
    ),
  ];
  return { ok: true, task: t, staged };
}

export async function decline(
  d: PartyDeps,
  tx: Queryable,
  taskId: number,
  personId: number,
): Promise<{ ok: true; task: TaskRow } | Refusal> {
  const t = await lockOpen(tx, taskId);
  if ('ok' in t) return t;
  const mine = (await assignments(tx, taskId)).find((a) => a.person_id === personId);
  if (!mine) return refuse('这个任务不是派给您的。', 'This task was not sent to you.');
  if (mine.status === 'completed')
    return refuse('您已经完成了这个任务。', 'You have already completed this task.');
  if (mine.status === 'declined') return refuse('您已经婉拒过了。', 'You have already declined.');
  await declineAssignment(tx, taskId, personId, d.now());
  return { ok: true, task: t };
}

/** The task a person is completing: the one named, or their only accepted one. */
export async function completable(
  tx: Queryable,
  taskId: number | undefined,
  personId: number,
): Promise<{ ok: true; task: TaskRow } | Refusal> {
  let id = taskId;
  if (id === undefined) {
    const rows = await acceptedOpenTaskIds(tx, personId);
    if (rows.length !== 1)
      return rows.length === 0
        ? refuse('您现在没有待完成的任务。', 'You have no task to complete.')
        : refuse(
            '您有多个待完成的任务，请点对应任务消息里的「完成任务」。',
            'You have several tasks: press 完成任务 on the one you did.',
          );
    id = Number(rows[0]!.task_id);
  }
  const t = await lockOpen(tx, id);
  if ('ok' in t) return t;
  const mine = (await assignments(tx, id)).find((a) => a.person_id === personId);
  if (mine?.status === 'completed')
    return refuse('这个任务您已经完成了。', 'You have already completed this task.');
  if (mine?.status !== 'accepted') return refuse('您没有接受这个任务。', 'You have not accepted this task.');
  return { ok: true, task: t };
}

/** Records a member's completion; the task is done when every slot is taken and completed. */
export async function complete(
  d: PartyDeps,
  tx: Queryable,
  r: { taskId?: number; personId: number; note: string; photo: string | null; hours: number },
): Promise<{ ok: true; task: TaskRow; finished: boolean } | Refusal> {
  const c = await completable(tx, r.taskId, r.personId);
  if (!c.ok) return c;
  const t = c.task;
  await completeAssignment(tx, {
    taskId: t.id,
    personId: r.personId,
    at: d.now(),
    note: r.note,
    photo: r.photo,
    hours: r.hours,
  });
  const as = await assignments(tx, t.id);
  const completed = as.filter((a) => a.status === 'completed').length;
  const finished = completed >= t.slots && !as.some((a) => a.status === 'accepted');
  if (finished) await finishTask(tx, t.id, d.now());
  return { ok: true, task: t, finished };
}
