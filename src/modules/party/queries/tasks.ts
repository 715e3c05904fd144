import { notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import { assertCanSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import {
  findTaskWithPath,
  listTasks as listTaskRows,
  namedAssignments,
  type TaskRow,
} from '../repository/tasks.js';

/** Reads of party tasks over HTTP: one task with its assignments, and the list in a token's subtree. */
export function presentTask(t: TaskRow) {
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

/** The task with its org's path, when the principal may see it (404 otherwise). */
export async function taskFor(q: Queryable, p: Principal, id: number) {
  const t = await findTaskWithPath(q, id);
  if (!t) throw notFound('task', id);
  assertCanSee(p, t.path.map(Number), 'task', id);
  return t;
}

export async function getTask(q: Queryable, p: Principal, id: number) {
  const t = await taskFor(q, p, id);
  const rows = await namedAssignments(q, id);
  return {
    ...presentTask(t),
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

export async function listTasks(
  q: Queryable,
  p: Principal,
  f: { orgId?: number; status?: string; limit?: number; cursor?: string },
) {
  const scope = f.orgId ?? scopeOrgId(p);
  if (f.orgId !== undefined) await requireOrg(q, p, f.orgId, { field: 'orgId' });
  const limit = f.limit ?? 50;
  const rows = await listTaskRows(q, {
    scope,
    status: f.status ?? null,
    before: decodeCursor(f.cursor),
    take: limit + 1,
  });
  return page(
    rows.map((t) => ({ ...presentTask(t), taken: t.taken })),
    limit,
  );
}
