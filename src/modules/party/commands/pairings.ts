import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, notFound } from '../../../kernel/access/errors.js';
import { requireInScope } from '../../../kernel/access/in-scope.js';
import { type Actor, assertCanWrite } from '../../../kernel/access/principal.js';
import type { PartyDeps } from '../deps.js';
import { listPairings, memberFor } from '../queries/members.js';
import { compoundOfUnit, deletePairing, insertPairing } from '../repository/members.js';

/** Pairings (结对) of an approved member with households of the compound they report to. */

export async function addPairing(d: PartyDeps, actor: Actor, memberId: number, unitId: number) {
  const m = await memberFor(d.db, actor.principal, memberId);
  assertCanWrite(actor.principal, m.path.map(Number), 'party member', memberId);
  await requireInScope(d.db, actor.principal, 'unit', unitId, { field: 'unitId' });
  if (m.status !== 'approved')
    throw conflict('Only an approved member pairs with households', [{ field: 'status', message: m.status }]);
  const compoundId = await compoundOfUnit(d.db, unitId);
  if (Number(compoundId) !== Number(m.compound_id))
    throw badRequest('The unit is not in the member’s compound', [
      { field: 'unitId', message: 'must be a unit of the compound the member reports to' },
    ]);
  await d.db.transaction(async (tx) => {
    await insertPairing(tx, memberId, unitId);
    await recordAudit(tx, actor, {
      action: 'party_pairing.create',
      objectType: 'party_pairing',
      objectId: `${memberId}/${unitId}`,
      orgId: m.compound_id,
      after: { memberId, unitId },
    });
  });
  return listPairings(d.db, actor.principal, memberId);
}

export async function removePairing(d: PartyDeps, actor: Actor, memberId: number, unitId: number) {
  const m = await memberFor(d.db, actor.principal, memberId);
  assertCanWrite(actor.principal, m.path.map(Number), 'party member', memberId);
  await d.db.transaction(async (tx) => {
    if (!(await deletePairing(tx, memberId, unitId))) throw notFound('pairing', `${memberId}/${unitId}`);
    await recordAudit(tx, actor, {
      action: 'party_pairing.delete',
      objectType: 'party_pairing',
      objectId: `${memberId}/${unitId}`,
      orgId: m.compound_id,
      before: { memberId, unitId },
    });
  });
}
