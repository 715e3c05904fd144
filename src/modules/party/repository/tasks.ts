import type { Queryable } from '../../../kernel/db/db.js';

/**
 * The SQL of party tasks (`linli.party_tasks`) and of who was asked and what they answered
 * (`linli.party_task_assignments`).
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

export interface AssignmentRow {
  task_id: number;
  person_id: number;
  status: 'invited' | 'accepted' | 'declined' | 'completed';
  responded_at: Date | null;
  completed_at: Date | null;
  note: string | null;
  photo: string | null;
  hours: string | null;
}

/** The column that marks a task's moment as done. */
export type StageColumn = 'reminded_at' | 'unaccepted_escalated_at' | 'overdue_escalated_at';

// -----------------------------------------------------------------------------------------------
// tasks

/** People with an approved membership reporting in the org's subtree, by person id. */
export async function approvedMembersUnder(q: Queryable, orgId: number): Promise<{ person_id: number }[]> {
  const { rows } = await q.query<{ person_id: number }>(
    `SELECT DISTINCT m.person_id FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
     WHERE m.status = 'approved' AND c.path @> ARRAY[$1::bigint] ORDER BY m.person_id`,
    [orgId],
  );
  return rows;
}

/** Whether the person has an approved membership reporting in the org's subtree. */
export async function isApprovedMemberUnder(q: Queryable, personId: number, orgId: number): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
     WHERE m.person_id = $1 AND m.status = 'approved' AND c.path @> ARRAY[$2::bigint] LIMIT 1`,
    [personId, orgId],
  );
  return Boolean(rows[0]);
}

export async function insertTask(
  tx: Queryable,
  t: {
    orgId: number;
    branchId: number | null;
    title: string;
    description: string;
    place: string;
    kind: TaskRow['kind'];
    slots: number;
    dueAt: Date;
    remindAt: Date | null;
    acceptBy: Date;
    createdBy: string;
  },
): Promise<TaskRow> {
  const { rows } = await tx.query<TaskRow>(
    `INSERT INTO linli.party_tasks (org_id, branch_id, title, description, place, kind, slots, due_at,
       remind_at, accept_by, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [
      t.orgId,
      t.branchId,
      t.title,
      t.description,
      t.place,
      t.kind,
      t.slots,
      t.dueAt,
      t.remindAt,
      t.acceptBy,
      t.createdBy,
    ],
  );
  return rows[0]!;
}

/** The task, locked (FOR UPDATE) in the caller's transaction. */
export async function lockTask(tx: Queryable, id: number): Promise<TaskRow | undefined> {
  const { rows } = await tx.query<TaskRow>('SELECT * FROM linli.party_tasks WHERE id = $1 FOR UPDATE', [id]);
  return rows[0];
}

/** The task with the path of its org (for the scope checks). */
export async function findTaskWithPath(
  q: Queryable,
  id: number,
): Promise<(TaskRow & { path: string[] }) | undefined> {
  const { rows } = await q.query<TaskRow & { path: string[] }>(
    `SELECT t.*, o.path FROM linli.party_tasks t JOIN linli.orgs o ON o.id = t.org_id WHERE t.id = $1`,
    [id],
  );
  return rows[0];
}

/**
 * Tasks of the orgs in the subtree of `scope` (everywhere when null), optionally of one status,
 * with ids below `before`, newest first, each with how many slots are taken; at most `take` rows.
 */
export async function listTasks(
  q: Queryable,
  f: { scope: number | null; status: string | null; before: number | null; take: number },
): Promise<(TaskRow & { taken: number })[]> {
  const { rows } = await q.query<TaskRow & { taken: number }>(
    `SELECT t.*, (SELECT count(*)::int FROM linli.party_task_assignments a
                  WHERE a.task_id = t.id AND a.status IN ('accepted', 'completed')) AS taken
     FROM linli.party_tasks t JOIN linli.orgs o ON o.id = t.org_id
     WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR t.status = $2)
       AND ($3::bigint IS NULL OR t.id < $3)
     ORDER BY t.id DESC LIMIT $4`,
    [f.scope, f.status, f.before, f.take],
  );
  return rows;
}

/** Open tasks whose last moment (overdue) is not done, with ids above `after`, by id; a page. */
export async function openTasksPage(q: Queryable, after: number, pageSize: number): Promise<TaskRow[]> {
  const { rows } = await q.query<TaskRow>(
    `SELECT * FROM linli.party_tasks WHERE status = 'open' AND id > $1 AND overdue_escalated_at IS NULL
     ORDER BY id LIMIT $2`,
    [after, pageSize],
  );
  return rows;
}

/** Marks one of the task's moments as done at `at`. */
export async function markStageDone(
  tx: Queryable,
  taskId: number,
  column: StageColumn,
  at: Date,
): Promise<void> {
  await tx.query(`UPDATE linli.party_tasks SET ${column} = $2, updated_at = now() WHERE id = $1`, [
    taskId,
    at,
  ]);
}

export async function finishTask(tx: Queryable, id: number, at: Date): Promise<void> {
  await tx.query(
    `UPDATE linli.party_tasks SET status = 'done', finished_at = $2, updated_at = now() WHERE id = $1`,
    [id, at],
  );
}

export async function cancelTaskRow(tx: Queryable, id: number, at: Date): Promise<void> {
  await tx.query(
    `UPDATE linli.party_tasks SET status = 'cancelled', finished_at = $2, updated_at = now() WHERE id = $1`,
    [id, at],
  );
}

// -----------------------------------------------------------------------------------------------
// assignments

/** Invites each person to the task. */
export async function insertInvitations(tx: Queryable, taskId: number, personIds: number[]): Promise<void> {
  await tx.query(
    `INSERT INTO linli.party_task_assignments (task_id, person_id) SELECT $1, unnest($2::bigint[])`,
    [taskId, personIds],
  );
}

/** The task's assignments by person id (person ids as numbers). */
export async function assignments(tx: Queryable, taskId: number): Promise<AssignmentRow[]> {
  const { rows } = await tx.query<AssignmentRow>(
    'SELECT * FROM linli.party_task_assignments WHERE task_id = $1 ORDER BY person_id',
    [taskId],
  );
  return rows.map((r) => ({ ...r, person_id: Number(r.person_id) }));
}

/** The task's assignments with the names of the people, by person id. */
export async function namedAssignments(
  q: Queryable,
  taskId: number,
): Promise<(AssignmentRow & { name: string })[]> {
  const { rows } = await q.query<AssignmentRow & { name: string }>(
    `SELECT a.*, p.name FROM linli.party_task_assignments a JOIN linli.people p ON p.id = a.person_id
     WHERE a.task_id = $1 ORDER BY a.person_id`,
    [taskId],
  );
  return rows;
}

/** Takes a slot: the person's assignment (new for a volunteer) becomes accepted. */
export async function acceptAssignment(
  tx: Queryable,
  taskId: number,
  personId: number,
  at: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.party_task_assignments (task_id, person_id, status, responded_at) VALUES ($1, $2, 'accepted', $3)
     ON CONFLICT (task_id, person_id) DO UPDATE SET status = 'accepted', responded_at = EXCLUDED.responded_at`,
    [taskId, personId, at],
  );
}

export async function declineAssignment(
  tx: Queryable,
  taskId: number,
  personId: number,
  at: Date,
): Promise<void> {
  await tx.query(
    `UPDATE linli.party_task_assignments SET status = 'declined', responded_at = $3 WHERE task_id = $1 AND person_id = $2`,
    [taskId, personId, at],
  );
}

export async function completeAssignment(
  tx: Queryable,
  r: { taskId: number; personId: number; at: Date; note: string; photo: string | null; hours: number },
): Promise<void> {
  await tx.query(
    `UPDATE linli.party_task_assignments SET status = 'completed', completed_at = $3, note = $4, photo = $5, hours = $6
     WHERE task_id = $1 AND person_id = $2`,
    [r.taskId, r.personId, r.at, r.note, r.photo, r.hours],
  );
}

/** Ids of the open tasks the person accepted and has not completed, soonest due first; at most two. */
export async function acceptedOpenTaskIds(tx: Queryable, personId: number): Promise<{ task_id: number }[]> {
  const { rows } = await tx.query<{ task_id: number }>(
    `SELECT a.task_id FROM linli.party_task_assignments a JOIN linli.party_tasks t ON t.id = a.task_id
     WHERE a.person_id = $1 AND a.status = 'accepted' AND t.status = 'open' ORDER BY t.due_at LIMIT 2`,
    [personId],
  );
  return rows;
}

// -----------------------------------------------------------------------------------------------
// people around a task

/** The names of the people, by id. */
export async function peopleNames(tx: Queryable, ids: number[]): Promise<string[]> {
  const { rows } = await tx.query<{ name: string }>(
    'SELECT name FROM linli.people WHERE id = ANY($1::bigint[]) ORDER BY id',
    [ids],
  );
  return rows.map((r) => r.name);
}

/** The branch's secretary (none when it has none). */
export async function branchSecretary(tx: Queryable, branchId: number): Promise<{ secretary_id: number }[]> {
  const { rows } = await tx.query<{ secretary_id: number }>(
    'SELECT secretary_id FROM linli.party_branches WHERE id = $1 AND secretary_id IS NOT NULL',
    [branchId],
  );
  return rows;
}

/** The secretaries of the branches of the people's approved memberships. */
export async function secretariesOfBranchesOf(
  tx: Queryable,
  personIds: number[],
): Promise<{ secretary_id: number }[]> {
  const { rows } = await tx.query<{ secretary_id: number }>(
    `SELECT DISTINCT b.secretary_id FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
     WHERE m.person_id = ANY($1::bigint[]) AND m.status = 'approved' AND b.secretary_id IS NOT NULL`,
    [personIds],
  );
  return rows;
}

/** Whether the person is in an active conversation in that chat. */
export async function inActiveConversation(
  q: Queryable,
  channel: string,
  chatExternalId: string,
  personId: number,
): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM linli.conversations
     WHERE channel = $1 AND chat_external_id = $2 AND person_id = $3 AND status = 'active'`,
    [channel, chatExternalId, personId],
  );
  return rows.length > 0;
}
