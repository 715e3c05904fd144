import { recordAudit } from '../../../kernel/access/audit.js';
import {
  AppError,
  badRequest,
  conflict,
  isUniqueViolation,
  notFound,
} from '../../../kernel/access/errors.js';
import { requireInScope, requireOrg, requirePerson } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { CHINA_TIME_ZONE, instantOfWall } from '../../../kernel/time/zone.js';
import { findOrg } from '../../orgs/index.js';
import { insertRole } from '../../people/index.js';
import { COMMITMENT_CODES, commitmentLabel, STANDARD_COMMITMENTS } from '../commitments.js';
import { nearestRoleHolders, type PartyNotifier, type Staged } from '../notifier.js';

/**
 * Party branches of workplaces, members reporting to their compound (报到) with their
 * commitments, approval by the compound's party secretary, pairing with households, the service
 * record and its CSV for the yearly review, and the January check-in on commitments.
 *
 * Scope: a branch belongs to the org that registered it; a member to the compound they report to.
 * A token sees what lies in its subtree; anything else is 404.
 */
export interface BranchRow {
  id: number;
  org_id: number;
  name: string;
  secretary_id: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  id: number;
  person_id: number;
  name: string;
  branch_id: number;
  compound_id: number;
  commitments: string[];
  own_commitments: string[];
  status: 'pending' | 'approved' | 'rejected';
  approved_by: number | null;
  decided_by: string | null;
  decided_at: Date | null;
  reject_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const presentBranch = (b: BranchRow) => ({
  id: b.id,
  orgId: b.org_id,
  name: b.name,
  secretaryPersonId: b.secretary_id,
  createdAt: b.created_at,
  updatedAt: b.updated_at,
});

const presentMember = (m: MemberRow & { branch_name?: string; compound_name?: string }) => ({
  id: m.id,
  personId: m.person_id,
  name: m.name,
  branchId: m.branch_id,
  branchName: m.branch_name,
  compoundId: m.compound_id,
  compoundName: m.compound_name,
  commitments: m.commitments.map((code) => ({
    code,
    zh: commitmentLabel(code),
    en: commitmentLabel(code, 'en'),
  })),
  ownCommitments: m.own_commitments,
  status: m.status,
  approvedBy: m.approved_by,
  decidedBy: m.decided_by,
  decidedAt: m.decided_at,
  rejectReason: m.reject_reason,
  createdAt: m.created_at,
});

const MEMBER_SELECT = `SELECT m.*, b.name AS branch_name, c.name AS compound_name
  FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
  JOIN linli.orgs c ON c.id = m.compound_id`;

/** Bounds of a calendar year in China. */
export function yearBounds(year: number): { from: Date; to: Date } {
  const jan1 = (y: number) =>
    instantOfWall({ year: y, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, CHINA_TIME_ZONE);
  return { from: jan1(year), to: jan1(year + 1) };
}

export class PartyService {
  constructor(
    private readonly db: Db,
    private readonly notifier: PartyNotifier | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Sends messages staged in a transaction (after its COMMIT). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    await this.notifier?.flush(staged);
  }

  // ---------------------------------------------------------------------------------------------
  // branches

  async createBranch(actor: Actor, body: { orgId: number; name: string; secretaryPersonId?: number | null }) {
    await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    try {
      return await this.db.transaction(async (tx) => {
        await this.checkSecretary(tx, actor.principal, body.secretaryPersonId);
        const { rows } = await tx.query<BranchRow>(
          `INSERT INTO linli.party_branches (org_id, name, secretary_id) VALUES ($1, $2, $3) RETURNING *`,
          [body.orgId, body.name, body.secretaryPersonId ?? null],
        );
        if (body.secretaryPersonId)
          await insertRole(tx, body.secretaryPersonId, body.orgId, 'branch_secretary');
        const after = presentBranch(rows[0]!);
        await recordAudit(tx, actor, {
          action: 'party_branch.create',
          objectType: 'party_branch',
          objectId: after.id,
          orgId: body.orgId,
          after,
        });
        return after;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'party_branches_name_unique'))
        throw conflict('A branch of that name exists', [{ field: 'name', message: 'already taken' }]);
      throw err;
    }
  }

  /** The secretary gets a role at the branch's org: only a person the token's subtree holds. */
  private async checkSecretary(q: Queryable, p: Principal, personId: number | null | undefined) {
    if (personId) await requirePerson(q, p, personId, { field: 'secretaryPersonId' });
  }

  private async branchFor(p: Principal, id: number, q: Queryable = this.db): Promise<BranchRow> {
    const { rows } = await q.query<BranchRow & { path: string[] }>(
      `SELECT b.*, o.path FROM linli.party_branches b JOIN linli.orgs o ON o.id = b.org_id WHERE b.id = $1`,
      [id],
    );
    const b = rows[0];
    if (!b) throw notFound('party branch', id);
    assertCanSee(p, b.path.map(Number), 'party branch', id);
    return b;
  }

  async getBranch(p: Principal, id: number) {
    const b = await this.branchFor(p, id);
    const { rows } = await this.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM linli.party_members WHERE branch_id = $1 GROUP BY status`,
      [id],
    );
    return {
      ...presentBranch(b),
      members: Object.fromEntries(
        ['pending', 'approved', 'rejected'].map((s) => [s, rows.find((r) => r.status === s)?.n ?? 0]),
      ),
    };
  }

  async listBranches(p: Principal, f: { orgId?: number }) {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const { rows } = await this.db.query<BranchRow>(
      `SELECT b.* FROM linli.party_branches b JOIN linli.orgs o ON o.id = b.org_id
       WHERE $1::bigint IS NULL OR o.path @> ARRAY[$1::bigint] ORDER BY b.id`,
      [scope],
    );
    return { items: rows.map(presentBranch) };
  }

  async updateBranch(actor: Actor, id: number, body: { name?: string; secretaryPersonId?: number | null }) {
    const b = await this.branchFor(actor.principal, id);
    const org = (await findOrg(this.db, b.org_id))!;
    assertCanWrite(actor.principal, org.path, 'party branch', id);
    try {
      return await this.db.transaction(async (tx) => {
        await this.checkSecretary(tx, actor.principal, body.secretaryPersonId);
        const { rows } = await tx.query<BranchRow>(
          `UPDATE linli.party_branches SET name = COALESCE($2, name),
             secretary_id = CASE WHEN $3::boolean THEN $4::bigint ELSE secretary_id END, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [id, body.name ?? null, body.secretaryPersonId !== undefined, body.secretaryPersonId ?? null],
        );
        if (body.secretaryPersonId)
          await insertRole(tx, body.secretaryPersonId, b.org_id, 'branch_secretary');
        const after = presentBranch(rows[0]!);
        await recordAudit(tx, actor, {
          action: 'party_branch.update',
          objectType: 'party_branch',
          objectId: id,
          orgId: b.org_id,
          before: presentBranch(b),
          after,
        });
        return after;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'party_branches_name_unique'))
        throw conflict('A branch of that name exists', [{ field: 'name', message: 'already taken' }]);
      throw err;
    }
  }

  async deleteBranch(actor: Actor, id: number) {
    const b = await this.branchFor(actor.principal, id);
    const org = (await findOrg(this.db, b.org_id))!;
    assertCanWrite(actor.principal, org.path, 'party branch', id);
    const { rows } = await this.db.query(
      `SELECT 1 FROM linli.party_members WHERE branch_id = $1 UNION ALL
       SELECT 1 FROM linli.party_tasks WHERE branch_id = $1 LIMIT 1`,
      [id],
    );
    if (rows.length) throw conflict('The branch has members or tasks; it cannot be deleted');
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM linli.party_branches WHERE id = $1', [id]);
      await recordAudit(tx, actor, {
        action: 'party_branch.delete',
        objectType: 'party_branch',
        objectId: id,
        orgId: b.org_id,
        before: presentBranch(b),
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // members

  /**
   * 报到 from the registration flow (in the conversation's transaction): a pending member, or the
   * same row again when a pending or rejected registration is repeated. The compound's party
   * secretaries get the approve/reject buttons (staged here, sent after COMMIT).
   */
  async register(
    tx: Queryable,
    r: {
      personId: number;
      name: string;
      branchId: number;
      compoundId: number;
      commitments: string[];
      own: string[];
    },
  ): Promise<{ member: MemberRow; already: boolean; staged: (Staged | null)[] }> {
    const commitments = r.commitments.includes('all')
      ? [...COMMITMENT_CODES]
      : COMMITMENT_CODES.filter((c) => r.commitments.includes(c));
    const existing = (
      await tx.query<MemberRow>(
        'SELECT * FROM linli.party_members WHERE person_id = $1 AND compound_id = $2 FOR UPDATE',
        [r.personId, r.compoundId],
      )
    ).rows[0];
    if (existing?.status === 'approved') return { member: existing, already: true, staged: [] };
    const { rows } = await tx.query<MemberRow>(
      `INSERT INTO linli.party_members (person_id, name, branch_id, compound_id, commitments, own_commitments)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (person_id, compound_id) DO UPDATE SET name = EXCLUDED.name, branch_id = EXCLUDED.branch_id,
         commitments = EXCLUDED.commitments, own_commitments = EXCLUDED.own_commitments, status = 'pending',
         approved_by = NULL, decided_by = NULL, decided_at = NULL, reject_reason = NULL, updated_at = now()
       RETURNING *`,
      [r.personId, r.name, r.branchId, r.compoundId, JSON.stringify(commitments), JSON.stringify(r.own)],
    );
    const member = rows[0]!;
    await tx.query('UPDATE linli.people SET name = $2, updated_at = now() WHERE id = $1', [
      r.personId,
      r.name,
    ]);
    const staged: (Staged | null)[] = [];
    if (this.notifier) {
      const { rows: names } = await tx.query<{ branch: string; compound: string }>(
        `SELECT b.name AS branch, c.name AS compound FROM linli.party_branches b, linli.orgs c
         WHERE b.id = $1 AND c.id = $2`,
        [r.branchId, r.compoundId],
      );
      const text = [
        `【党员报到】${r.name}（${names[0]?.branch}）申请到 ${names[0]?.compound} 报到。`,
        '承诺事项：',
        ...commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c)}`),
        ...r.own.map((o) => `· 自选：${o}`),
        '请审核。',
      ].join('\n');
      for (const secretary of await nearestRoleHolders(tx, r.compoundId, 'party_secretary')) {
        staged.push(
          await this.notifier.stage(
            tx,
            secretary,
            text,
            `party-member-${member.id}-${member.updated_at.getTime()}-secretary-${secretary}`,
            {
              orgId: r.compoundId,
              choices: [
                { label: '通过', payload: `pm:${member.id}:approve` },
                { label: '不通过', payload: `pm:${member.id}:reject` },
              ],
            },
          ),
        );
      }
    }
    return { member, already: false, staged };
  }

  private async memberFor(p: Principal, id: number, q: Queryable = this.db, lock = false) {
    const { rows } = await q.query<MemberRow & { path: string[] }>(
      `SELECT m.*, o.path FROM linli.party_members m JOIN linli.orgs o ON o.id = m.compound_id
       WHERE m.id = $1${lock ? ' FOR UPDATE OF m' : ''}`,
      [id],
    );
    const m = rows[0];
    if (!m) throw notFound('party member', id);
    assertCanSee(p, m.path.map(Number), 'party member', id);
    return m;
  }

  async getMember(p: Principal, id: number) {
    await this.memberFor(p, id);
    const { rows } = await this.db.query<MemberRow & { branch_name: string; compound_name: string }>(
      `${MEMBER_SELECT} WHERE m.id = $1`,
      [id],
    );
    return { ...presentMember(rows[0]!), pairings: await this.pairingsOf(this.db, id) };
  }

  async listMembers(
    p: Principal,
    f: { orgId?: number; status?: string; branchId?: number; limit?: number; cursor?: string },
  ) {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    if (f.branchId !== undefined)
      await requireInScope(this.db, p, 'party_branch', f.branchId, { field: 'branchId' });
    const { rows } = await this.db.query<MemberRow & { branch_name: string; compound_name: string }>(
      `${MEMBER_SELECT}
       WHERE ($1::bigint IS NULL OR c.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR m.status = $2)
         AND ($3::bigint IS NULL OR m.branch_id = $3) AND ($4::bigint IS NULL OR m.id > $4)
       ORDER BY m.id LIMIT $5`,
      [scope, f.status ?? null, f.branchId ?? null, decodeCursor(f.cursor), (f.limit ?? 50) + 1],
    );
    return page(rows.map(presentMember), f.limit ?? 50);
  }

  /** Approve or reject a pending registration; 409 when it was decided already. */
  async decide(
    tx: Queryable,
    id: number,
    decision: 'approve' | 'reject',
    by: { personId: number | null; label: string; reason?: string | null },
  ): Promise<{ member: MemberRow; staged: (Staged | null)[] }> {
    const { rows } = await tx.query<MemberRow>('SELECT * FROM linli.party_members WHERE id = $1 FOR UPDATE', [
      id,
    ]);
    const m = rows[0];
    if (!m) throw notFound('party member', id);
    if (m.status !== 'pending')
      throw new AppError(409, 'already_decided', `This registration is already ${m.status}`, [
        { field: 'status', message: m.status },
      ]);
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const { rows: updated } = await tx.query<MemberRow>(
      `UPDATE linli.party_members SET status = $2, approved_by = $3, decided_by = $4, decided_at = $5,
         reject_reason = $6, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, status, decision === 'approve' ? by.personId : null, by.label, this.now(), by.reason ?? null],
    );
    if (status === 'approved') await insertRole(tx, m.person_id, m.compound_id, 'party_member');
    const text =
      status === 'approved'
        ? '您的党员报到已审核通过，欢迎参与小区服务！社区发布任务时会私信通知您。'
        : `您的党员报到未通过审核${by.reason ? `，原因：${by.reason}` : ''}。如有疑问请联系小区党支部。`;
    const staged = this.notifier
      ? [
          await this.notifier.stage(tx, m.person_id, text, `party-member-${id}-${status}`, {
            orgId: m.compound_id,
          }),
        ]
      : [];
    return { member: updated[0]!, staged };
  }

  async decideOverHttp(actor: Actor, id: number, decision: 'approve' | 'reject', reason?: string) {
    const m = await this.memberFor(actor.principal, id);
    assertCanWrite(actor.principal, m.path.map(Number), 'party member', id);
    const { staged } = await this.db.transaction(async (tx) => {
      const r = await this.decide(tx, id, decision, { personId: null, label: actor.principal.label, reason });
      await recordAudit(tx, actor, {
        action: `party_member.${decision}`,
        objectType: 'party_member',
        objectId: id,
        orgId: m.compound_id,
        before: { status: m.status },
        after: { status: r.member.status, reason: reason ?? null },
      });
      return r;
    });
    await this.notifier?.flush(staged);
    return this.getMember(actor.principal, id);
  }

  /** Whether a person is a party secretary of the member's compound (there or above it). */
  async isSecretaryFor(q: Queryable, personId: number, memberId: number): Promise<boolean> {
    const { rows } = await q.query(
      `SELECT 1 FROM linli.party_members m JOIN linli.orgs c ON c.id = m.compound_id
       JOIN linli.role_assignments ra ON ra.org_id = ANY(c.path)
       WHERE m.id = $1 AND ra.person_id = $2 AND ra.role = 'party_secretary' LIMIT 1`,
      [memberId, personId],
    );
    return rows.length > 0;
  }

  // ---------------------------------------------------------------------------------------------
  // pairings (结对)

  private async pairingsOf(q: Queryable, memberId: number) {
    const { rows } = await q.query<{
      unit_id: number;
      building: string;
      unit_no: string;
      room: string;
      created_at: Date;
    }>(
      `SELECT p.unit_id, b.name AS building, u.unit_no, u.room, p.created_at
       FROM linli.party_pairings p JOIN linli.units u ON u.id = p.unit_id JOIN linli.orgs b ON b.id = u.building_id
       WHERE p.member_id = $1 ORDER BY p.unit_id`,
      [memberId],
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      address: `${r.building}${r.unit_no}${r.room}`,
      createdAt: r.created_at,
    }));
  }

  async listPairings(p: Principal, memberId: number) {
    await this.memberFor(p, memberId);
    return { items: await this.pairingsOf(this.db, memberId) };
  }

  async addPairing(actor: Actor, memberId: number, unitId: number) {
    const m = await this.memberFor(actor.principal, memberId);
    assertCanWrite(actor.principal, m.path.map(Number), 'party member', memberId);
    await requireInScope(this.db, actor.principal, 'unit', unitId, { field: 'unitId' });
    if (m.status !== 'approved')
      throw conflict('Only an approved member pairs with households', [
        { field: 'status', message: m.status },
      ]);
    const { rows } = await this.db.query<{ compound_id: number }>(
      'SELECT compound_id FROM linli.units WHERE id = $1',
      [unitId],
    );
    if (Number(rows[0]?.compound_id) !== Number(m.compound_id))
      throw badRequest('The unit is not in the member’s compound', [
        { field: 'unitId', message: 'must be a unit of the compound the member reports to' },
      ]);
    await this.db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO linli.party_pairings (member_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [memberId, unitId],
      );
      await recordAudit(tx, actor, {
        action: 'party_pairing.create',
        objectType: 'party_pairing',
        objectId: `${memberId}/${unitId}`,
        orgId: m.compound_id,
        after: { memberId, unitId },
      });
    });
    return this.listPairings(actor.principal, memberId);
  }

  async removePairing(actor: Actor, memberId: number, unitId: number) {
    const m = await this.memberFor(actor.principal, memberId);
    assertCanWrite(actor.principal, m.path.map(Number), 'party member', memberId);
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'DELETE FROM linli.party_pairings WHERE member_id = $1 AND unit_id = $2 RETURNING unit_id',
        [memberId, unitId],
      );
      if (!rows[0]) throw notFound('pairing', `${memberId}/${unitId}`);
      await recordAudit(tx, actor, {
        action: 'party_pairing.delete',
        objectType: 'party_pairing',
        objectId: `${memberId}/${unitId}`,
        orgId: m.compound_id,
        before: { memberId, unitId },
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // service record (全程纪实) and the yearly review

  /**
   * What a member did in a year (China time): tasks completed with the hours they reported on
   * completion, commitments, households paired. Without a year: everything so far.
   */
  async serviceRecord(p: Principal, memberId: number, year?: number) {
    const m = await this.memberFor(p, memberId);
    const b = year ? yearBounds(year) : null;
    const { rows } = await this.db.query<{
      task_id: number;
      title: string;
      place: string;
      due_at: Date;
      completed_at: Date;
      hours: string | null;
      note: string | null;
      photo: string | null;
    }>(
      `SELECT a.task_id, t.title, t.place, t.due_at, a.completed_at, a.hours, a.note, a.photo
       FROM linli.party_task_assignments a JOIN linli.party_tasks t ON t.id = a.task_id
       WHERE a.person_id = $1 AND a.status = 'completed'
         AND ($2::timestamptz IS NULL OR (a.completed_at >= $2 AND a.completed_at < $3))
       ORDER BY a.completed_at, a.task_id`,
      [m.person_id, b?.from ?? null, b?.to ?? null],
    );
    const tenths = rows.reduce((s, r) => s + Math.round(Number(r.hours ?? 0) * 10), 0);
    const member = await this.getMember(p, memberId);
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
  async serviceRecordsCsv(p: Principal, orgId: number, year: number): Promise<string> {
    await requireOrg(this.db, p, orgId, { field: 'orgId' });
    const b = yearBounds(year);
    const { rows } = await this.db.query<{
      id: number;
      name: string;
      branch: string;
      compound: string;
      status: string;
      commitments: string[];
      own_commitments: string[];
      pairings: number;
      tasks_done: number;
      tenths: number;
    }>(
      `SELECT m.id, m.name, b.name AS branch, c.name AS compound, m.status, m.commitments, m.own_commitments,
         (SELECT count(*)::int FROM linli.party_pairings pp WHERE pp.member_id = m.id) AS pairings,
         (SELECT count(*)::int FROM linli.party_task_assignments a WHERE a.person_id = m.person_id
            AND a.status = 'completed' AND a.completed_at >= $2 AND a.completed_at < $3) AS tasks_done,
         (SELECT COALESCE(round(sum(a.hours) * 10), 0)::int FROM linli.party_task_assignments a WHERE a.person_id = m.person_id
            AND a.status = 'completed' AND a.completed_at >= $2 AND a.completed_at < $3) AS tenths
       FROM linli.party_members m JOIN linli.party_branches b ON b.id = m.branch_id
       JOIN linli.orgs c ON c.id = m.compound_id
       WHERE c.path @> ARRAY[$1::bigint] AND m.status = 'approved' ORDER BY m.id`,
      [orgId, b.from, b.to],
    );
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

  // ---------------------------------------------------------------------------------------------
  // the January check-in

  /**
   * Sends every approved member their commitments and last year's record, asking them to report
   * (once per member and year: idempotency keys), then records the year as done. A crash in the
   * middle is finished by the next run without sending anything twice.
   */
  async januaryCheckin(year: number): Promise<{ sent: number; already: boolean }> {
    const { rows: done } = await this.db.query('SELECT 1 FROM linli.party_checkins WHERE year = $1', [year]);
    if (done.length) return { sent: 0, already: true };
    const { rows } = await this.db.query<MemberRow>(
      `SELECT * FROM linli.party_members WHERE status = 'approved' ORDER BY id`,
    );
    const last = yearBounds(year - 1);
    let sent = 0;
    for (const m of rows) {
      const { rows: rec } = await this.db.query<{ n: number; tenths: number }>(
        `SELECT count(*)::int AS n, COALESCE(round(sum(hours) * 10), 0)::int AS tenths FROM linli.party_task_assignments
         WHERE person_id = $1 AND status = 'completed' AND completed_at >= $2 AND completed_at < $3`,
        [m.person_id, last.from, last.to],
      );
      const text = [
        `【年度承诺践诺】${m.name}同志，新年好！请对照去年的承诺，向小区党支部汇报履行情况：`,
        ...m.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c)}`),
        ...m.own_commitments.map((o) => `· 自选：${o}`),
        `${year - 1}年您完成任务 ${rec[0]?.n ?? 0} 项，服务 ${((rec[0]?.tenths ?? 0) / 10).toFixed(1)} 小时。`,
      ].join('\n');
      if (
        this.notifier &&
        (await this.notifier.toPerson(m.person_id, text, `party-checkin-${year}-${m.id}`, {
          orgId: m.compound_id,
        }))
      )
        sent++;
    }
    await this.db.query(
      'INSERT INTO linli.party_checkins (year, members) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING',
      [year, sent],
    );
    return { sent, already: false };
  }

  /** Standard commitments, for API clients and flows. */
  static commitments() {
    return STANDARD_COMMITMENTS.map((c) => ({ code: c.code, zh: c['zh-CN'], en: c.en }));
  }
}

function csvCell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
