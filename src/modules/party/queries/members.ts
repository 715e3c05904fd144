import { notFound } from '../../../kernel/access/errors.js';
import { requireInScope, requireOrg } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import { assertCanSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { commitmentLabel } from '../commitments.js';
import {
  type BranchRow,
  countBranchMembersByStatus,
  findBranchWithPath,
  listBranchesUnder,
} from '../repository/branches.js';
import {
  findMemberWithPath,
  findNamedMember,
  listNamedMembers,
  type MemberRow,
  type NamedMemberRow,
  pairingsOfMember,
} from '../repository/members.js';

/**
 * Reads of party branches, members and their pairings over HTTP, and the scope checks the
 * commands share: a branch belongs to the org that registered it, a member to the compound they
 * report to; a token sees what lies in its subtree, anything else is 404.
 */
export const presentBranch = (b: BranchRow) => ({
  id: b.id,
  orgId: b.org_id,
  name: b.name,
  secretaryPersonId: b.secretary_id,
  secretaryName: b.secretary_name,
  createdAt: b.created_at,
  updatedAt: b.updated_at,
});

export const presentMember = (m: NamedMemberRow) => ({
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

// -----------------------------------------------------------------------------------------------
// branches

/** The branch with its org's path, when the principal may see it (404 otherwise). */
export async function branchFor(q: Queryable, p: Principal, id: number): Promise<BranchRow> {
  const b = await findBranchWithPath(q, id);
  if (!b) throw notFound('party branch', id);
  assertCanSee(p, b.path.map(Number), 'party branch', id);
  return b;
}

export async function getBranch(q: Queryable, p: Principal, id: number) {
  const b = await branchFor(q, p, id);
  const rows = await countBranchMembersByStatus(q, id);
  const count = (status: MemberRow['status']) => rows.find((r) => r.status === status)?.n ?? 0;
  return {
    ...presentBranch(b),
    members: { pending: count('pending'), approved: count('approved'), rejected: count('rejected') },
  };
}

export async function listBranches(q: Queryable, p: Principal, f: { orgId?: number }) {
  const scope = f.orgId ?? scopeOrgId(p);
  if (f.orgId !== undefined) await requireOrg(q, p, f.orgId, { field: 'orgId' });
  const rows = await listBranchesUnder(q, scope);
  return { items: rows.map(presentBranch) };
}

// -----------------------------------------------------------------------------------------------
// members

/** The member with their compound's path, when the principal may see them (404 otherwise). */
export async function memberFor(q: Queryable, p: Principal, id: number, lock = false) {
  const m = await findMemberWithPath(q, id, lock);
  if (!m) throw notFound('party member', id);
  assertCanSee(p, m.path.map(Number), 'party member', id);
  return m;
}

export async function getMember(q: Queryable, p: Principal, id: number) {
  await memberFor(q, p, id);
  const m = await findNamedMember(q, id);
  return { ...presentMember(m!), pairings: await pairingsOf(q, id) };
}

export async function listMembers(
  q: Queryable,
  p: Principal,
  f: { orgId?: number; status?: string; branchId?: number; limit?: number; cursor?: string },
) {
  const scope = f.orgId ?? scopeOrgId(p);
  if (f.orgId !== undefined) await requireOrg(q, p, f.orgId, { field: 'orgId' });
  if (f.branchId !== undefined) await requireInScope(q, p, 'party_branch', f.branchId, { field: 'branchId' });
  const rows = await listNamedMembers(q, {
    scope,
    status: f.status ?? null,
    branchId: f.branchId ?? null,
    after: decodeCursor(f.cursor),
    take: (f.limit ?? 50) + 1,
  });
  return page(rows.map(presentMember), f.limit ?? 50);
}

// -----------------------------------------------------------------------------------------------
// pairings (结对)

export async function pairingsOf(q: Queryable, memberId: number) {
  const rows = await pairingsOfMember(q, memberId);
  return rows.map((r) => ({
    unitId: r.unit_id,
    address: `${r.building}${r.unit_no}${r.room}`,
    createdAt: r.created_at,
  }));
}

export async function listPairings(q: Queryable, p: Principal, memberId: number) {
  await memberFor(q, p, memberId);
  return { items: await pairingsOf(q, memberId) };
}
