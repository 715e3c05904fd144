import { requireOrg } from '../../../kernel/access/in-scope.js';
import type { Principal } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { CHINA_TIME_ZONE, instantOfWall } from '../../../kernel/time/zone.js';
import { commitmentLabel } from '../commitments.js';
import { completedTasksOf, serviceRecordRows } from '../repository/members.js';
import { getMember, memberFor } from './members.js';

/** The service record (全程纪实) of a member and its CSV for the yearly review. */

/** Bounds of a calendar year in China. */
export function yearBounds(year: number): { from: Date; to: Date } {
  const jan1 = (y: number) =>
    instantOfWall({ year: y, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, CHINA_TIME_ZONE);
  return { from: jan1(year), to: jan1(year + 1) };
}

/**
 * What a member did in a year (China time): tasks completed with the hours they reported on
 * completion, commitments, households paired. Without a year: everything so far.
 */
export async function serviceRecord(q: Queryable, p: Principal, memberId: number, year?: number) {
  const m = await memberFor(q, p, memberId);
  const b = year ? yearBounds(year) : null;
  const rows = await completedTasksOf(q, m.person_id, b?.from ?? null, b?.to ?? null);
  const tenths = rows.reduce((s, r) => s + Math.round(Number(r.hours ?? 0) * 10), 0);
  const member = await getMember(q, p, memberId);
  return {
    member: {
      id: member.id,
      personId: member.personId,
      name: member.name,
      branchName: member.branchName,
      compoundName: member.compoundName,
      status: member.status,
    },
    year: year ?? null,
    tasksDone: rows.length,
    hours: (tenths / 10).toFixed(1),
    tasks: rows.map((r) => ({
      taskId: r.task_id,
      title: r.title,
      place: r.place,
      dueAt: r.due_at,
      completedAt: r.completed_at,
      hours: r.hours,
      note: r.note,
      photo: r.photo,
    })),
    commitments: member.commitments,
    ownCommitments: member.ownCommitments,
    pairings: member.pairings,
  };
}

/** The yearly review as CSV (UTF-8 with BOM, CRLF): one row per member reporting in the subtree. */
export async function serviceRecordsCsv(
  q: Queryable,
  p: Principal,
  orgId: number,
  year: number,
): Promise<string> {
  await requireOrg(q, p, orgId, { field: 'orgId' });
  const b = yearBounds(year);
  const rows = await serviceRecordRows(q, orgId, b.from, b.to);
  const out: (string | number)[][] = [
    [
      'member_id',
      'name',
      'branch',
      'compound',
      'year',
      'tasks_done',
      'hours',
      'commitments',
      'own_commitments',
      'paired_households',
    ],
  ];
  for (const r of rows) {
    out.push([
      r.id,
      r.name,
      r.branch,
      r.compound,
      year,
      r.tasks_done,
      (Number(r.tenths) / 10).toFixed(1),
      r.commitments.map((c) => commitmentLabel(c)).join('；'),
      r.own_commitments.join('；'),
      r.pairings,
    ]);
  }
  return `\uFEFF${out.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function csvCell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
