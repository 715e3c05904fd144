import { recordAudit } from '../../../kernel/access/audit.js';
import { conflict, isUniqueViolation } from '../../../kernel/access/errors.js';
import { requireOrg, requirePerson } from '../../../kernel/access/in-scope.js';
import { type Actor, assertCanWrite, type Principal } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import { insertRole } from '../../people/index.js';
import type { PartyDeps } from '../deps.js';
import { branchFor, presentBranch } from '../queries/members.js';
import { branchInUse, deleteBranchRow, insertBranch, updateBranchRow } from '../repository/branches.js';

/**
 * Party branches of workplaces: registered by an org (a token writing there), each with an
 * optional secretary who gets the `branch_secretary` role at that org. Names are unique.
 */

export async function createBranch(
  d: PartyDeps,
  actor: Actor,
  body: { orgId: number; name: string; secretaryPersonId?: number | null },
) {
  await requireOrg(d.db, actor.principal, body.orgId, { field: 'orgId', write: true });
  try {
    return await d.db.transaction(async (tx) => {
      await checkSecretary(tx, actor.principal, body.secretaryPersonId);
      const row = await insertBranch(tx, {
        orgId: body.orgId,
        name: body.name,
        secretaryId: body.secretaryPersonId ?? null,
      });
      if (body.secretaryPersonId)
        await insertRole(tx, body.secretaryPersonId, body.orgId, 'branch_secretary');
      const after = presentBranch(row);
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
async function checkSecretary(q: Queryable, p: Principal, personId: number | null | undefined) {
  if (personId) await requirePerson(q, p, personId, { field: 'secretaryPersonId' });
}

export async function updateBranch(
  d: PartyDeps,
  actor: Actor,
  id: number,
  body: { name?: string; secretaryPersonId?: number | null },
) {
  const b = await branchFor(d.db, actor.principal, id);
  const org = (await findOrg(d.db, b.org_id))!;
  assertCanWrite(actor.principal, org.path, 'party branch', id);
  try {
    return await d.db.transaction(async (tx) => {
      await checkSecretary(tx, actor.principal, body.secretaryPersonId);
      const row = await updateBranchRow(tx, id, body.name ?? null, body.secretaryPersonId);
      if (body.secretaryPersonId) await insertRole(tx, body.secretaryPersonId, b.org_id, 'branch_secretary');
      const after = presentBranch(row);
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

export async function deleteBranch(d: PartyDeps, actor: Actor, id: number) {
  const b = await branchFor(d.db, actor.principal, id);
  const org = (await findOrg(d.db, b.org_id))!;
  assertCanWrite(actor.principal, org.path, 'party branch', id);
  if (await branchInUse(d.db, id)) throw conflict('The branch has members or tasks; it cannot be deleted');
  await d.db.transaction(async (tx) => {
    await deleteBranchRow(tx, id);
    await recordAudit(tx, actor, {
      action: 'party_branch.delete',
      objectType: 'party_branch',
      objectId: id,
      orgId: b.org_id,
      before: presentBranch(b),
    });
  });
}
